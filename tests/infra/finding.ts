// A checker finding: which file, where (1-based line and column), which rule, what is wrong.
import type Parser from "web-tree-sitter";

export interface Finding {
  file: string;
  line: number;
  column: number;
  rule: string;
  message: string;
}

export function at(file: string, node: Parser.SyntaxNode | undefined, rule: string, message: string): Finding {
  const p = node?.startPosition ?? { row: 0, column: 0 };
  return { file, line: p.row + 1, column: p.column + 1, rule, message };
}

export const formatFinding = (f: Finding) => `${f.file}:${f.line}:${f.column} [${f.rule}] ${f.message}`;
