// Loads the tree-sitter Bicep grammar from its wasm (no native build, no download) once per process
// and turns source text into syntax trees and syntax findings. Syntax only: no types, no schemas.
import Parser from "web-tree-sitter";
import { Finding, at } from "./finding";

export type Node = Parser.SyntaxNode;
export type Tree = Parser.Tree;

let loading: Promise<Parser> | undefined;

/** The shared parser; the first call initialises the wasm runtime (a few hundred ms). */
export function bicepParser(): Promise<Parser> {
  loading ??= (async () => {
    await Parser.init();
    const language = await Parser.Language.load(require.resolve("tree-sitter-bicep/tree-sitter-bicep.wasm"));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return loading;
}

/** ERROR and MISSING nodes, outermost first, each reported once with its position. */
export function syntaxFindings(file: string, tree: Tree): Finding[] {
  const out: Finding[] = [];
  const visit = (node: Node) => {
    if (node.isMissing) {
      out.push(at(file, node, "syntax", `missing ${node.type}`));
      return;
    }
    if (node.isError) {
      out.push(at(file, node, "syntax", `unexpected '${node.text.slice(0, 40)}'`));
      return;
    }
    if (node.hasError) for (const child of node.children) visit(child);
  };
  visit(tree.rootNode);
  return out;
}
