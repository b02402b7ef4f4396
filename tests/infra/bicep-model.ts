// The declarations of one Bicep or .bicepparam file, read from its syntax tree: params, vars,
// resources (with nested children and full types), modules, outputs, types, functions, imports.
import path from "node:path";
import type { Node, Tree } from "./bicep-grammar";
import { Decorator, bodyObject, codeChildren, declaredName, decoratorsOf, literal } from "./bicep-syntax";

export interface ParamDecl {
  name: string;
  node: Node;
  type?: Node;
  defaultValue?: Node;
  /** `string?` and friends: may be omitted. */
  nullable: boolean;
  decorators: Decorator[];
}

export interface ResourceDecl {
  name: string;
  node: Node;
  /** Full type without API version, e.g. Microsoft.Storage/storageAccounts/blobServices. */
  type: string;
  apiVersion?: string;
  typeNode: Node;
  existing: boolean;
  body?: Node;
  parent?: ResourceDecl;
  children: ResourceDecl[];
}

export interface ModuleDecl {
  name: string;
  node: Node;
  path: string;
  pathNode: Node;
  body?: Node;
}

export interface OutputDecl {
  name: string;
  node: Node;
  value?: Node;
  decorators: Decorator[];
}

export interface ImportDecl {
  names: string[];
  path?: string;
  node: Node;
}

/** In a .bicepparam file: `param x = value`. */
export interface ParamAssignment {
  name: string;
  node: Node;
  value?: Node;
}

export interface BicepFile {
  path: string;
  kind: "bicep" | "bicepparam";
  text: string;
  tree: Tree;
  params: Map<string, ParamDecl>;
  vars: Map<string, Node>;
  resources: ResourceDecl[];
  allResources: ResourceDecl[];
  modules: Map<string, ModuleDecl>;
  outputs: Map<string, OutputDecl>;
  types: Map<string, Node>;
  funcs: Map<string, Node>;
  imports: ImportDecl[];
  using?: { path: string; node: Node };
  assignments: Map<string, ParamAssignment>;
  /** Names declared more than once at top level. */
  duplicates: Node[];
}

/** The repo-relative path a module or `using` path points to, or undefined for registry paths. */
export function resolveRelative(fromFile: string, target: string): string | undefined {
  if (/^(br|ts)[:/]/.test(target)) return undefined;
  return path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), target));
}

const lastValue = (decl: Node): Node | undefined => {
  const kids = codeChildren(decl);
  return kids.length > 1 ? kids[kids.length - 1] : undefined;
};

function readResource(node: Node, parent?: ResourceDecl): ResourceDecl {
  const typeNode = codeChildren(node).find((c) => c.type === "string")!;
  const raw = String(literal(typeNode) ?? "");
  const [relType = "", version] = raw.split("@");
  const type = parent ? `${parent.type}/${relType}` : relType;
  const value = lastValue(node);
  const decl: ResourceDecl = {
    name: declaredName(node)?.text ?? "",
    node,
    type,
    apiVersion: version ?? parent?.apiVersion,
    typeNode,
    existing: node.children.some((c) => c.type === "existing"),
    body: bodyObject(value),
    parent,
    children: [],
  };
  if (decl.body) {
    for (const prop of codeChildren(decl.body)) {
      const nested = prop.type === "object_property" ? codeChildren(prop).find((c) => c.type === "resource_declaration") : undefined;
      if (nested) decl.children.push(readResource(nested, decl));
    }
  }
  return decl;
}

const flatten = (rs: ResourceDecl[]): ResourceDecl[] => rs.flatMap((r) => [r, ...flatten(r.children)]);

function importedNames(node: Node): string[] {
  const text = node.text;
  const star = /\*\s+as\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(text);
  if (star) return [star[1]!];
  const braces = /\{([^}]*)\}/.exec(text);
  if (!braces) {
    const alias = /\bas\s+([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(text);
    return alias ? [alias[1]!] : [];
  }
  return braces[1]!
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) =>
      s
        .split(/\s+as\s+/)
        .pop()!
        .trim(),
    );
}

export function readModel(filePath: string, kind: BicepFile["kind"], text: string, tree: Tree, assignmentRows: Set<number>): BicepFile {
  const f: BicepFile = {
    path: filePath,
    kind,
    text,
    tree,
    params: new Map(),
    vars: new Map(),
    resources: [],
    allResources: [],
    modules: new Map(),
    outputs: new Map(),
    types: new Map(),
    funcs: new Map(),
    imports: [],
    assignments: new Map(),
    duplicates: [],
  };
  const seen = new Set<string>();
  const declare = (nameNode: Node | undefined) => {
    if (!nameNode) return;
    if (seen.has(nameNode.text)) f.duplicates.push(nameNode);
    seen.add(nameNode.text);
  };
  for (const stmt of codeChildren(tree.rootNode)) {
    const nameNode = declaredName(stmt);
    const name = nameNode?.text ?? "";
    switch (stmt.type) {
      case "parameter_declaration": {
        const type = codeChildren(stmt).find((c) => c.type === "type");
        const kids = codeChildren(stmt);
        const defaultValue = type && kids.indexOf(type) < kids.length - 1 ? kids[kids.length - 1] : undefined;
        f.params.set(name, {
          name,
          node: stmt,
          type,
          defaultValue,
          nullable: !!type?.descendantsOfType("nullable_type").length || type?.text.trim().endsWith("?") === true,
          decorators: decoratorsOf(stmt),
        });
        declare(nameNode);
        break;
      }
      case "variable_declaration":
        // In a .bicepparam file `param` lines were read as `var` lines; assignmentRows tells them apart.
        if (kind === "bicepparam" && assignmentRows.has(stmt.startPosition.row)) f.assignments.set(name, { name, node: stmt, value: lastValue(stmt) });
        else f.vars.set(name, stmt);
        declare(nameNode);
        break;
      case "resource_declaration":
        f.resources.push(readResource(stmt));
        declare(nameNode);
        break;
      case "module_declaration": {
        const pathNode = codeChildren(stmt).find((c) => c.type === "string")!;
        f.modules.set(name, { name, node: stmt, path: String(literal(pathNode) ?? ""), pathNode, body: bodyObject(lastValue(stmt)) });
        declare(nameNode);
        break;
      }
      case "output_declaration":
        f.outputs.set(name, { name, node: stmt, value: lastValue(stmt), decorators: decoratorsOf(stmt) });
        break;
      case "type_declaration":
        f.types.set(name, stmt);
        declare(nameNode);
        break;
      case "user_defined_function":
        f.funcs.set(name, stmt);
        declare(nameNode);
        break;
      case "import_functionality":
      case "import_statement":
      case "import_with_statement": {
        // Only `import ... from '<file>'` names a file; `import 'az@1.0.0'` names an extension.
        const from = /\bfrom\s+'([^']+)'/.exec(stmt.text);
        f.imports.push({ names: importedNames(stmt), path: from?.[1], node: stmt });
        break;
      }
      case "using_statement": {
        const target = codeChildren(stmt).find((c) => c.type === "string");
        if (target) f.using = { path: String(literal(target) ?? ""), node: target };
        break;
      }
      default:
        break; // metadata, targetScope, decorators, assert and test blocks declare nothing the checks read
    }
  }
  f.allResources = flatten(f.resources);
  return f;
}
