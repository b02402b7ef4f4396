// Small readers over tree-sitter-bicep nodes: object properties by key, literal values, decorators,
// the body object behind `if`/`for`. Pure functions over one syntax tree.
import type { Node } from "./bicep-grammar";

const isCode = (n: Node) => n.type !== "comment" && n.type !== "diagnostic_comment";

/** Named children that are not comments. */
export const codeChildren = (n: Node): Node[] => n.namedChildren.filter(isCode);

/** The key of an object property (identifier or plain string), undefined for nested resources. */
export function propertyKey(prop: Node): string | undefined {
  const first = codeChildren(prop)[0];
  if (!first) return undefined;
  if (first.type === "identifier" || first.type === "compatible_identifier") return first.text;
  if (first.type === "string") {
    const v = literal(first);
    return typeof v === "string" ? v : undefined;
  }
  return undefined;
}

export const propertyKeyNode = (prop: Node): Node | undefined => codeChildren(prop)[0];

/** The value of an object property. */
export function propertyValue(prop: Node): Node | undefined {
  const kids = codeChildren(prop);
  return kids.length >= 2 ? kids[kids.length - 1] : undefined;
}

/** Properties of an object node (not of nested objects). */
export const properties = (obj: Node): Node[] => codeChildren(obj).filter((c) => c.type === "object_property");

/** The value under `key` (ARM property names are case-insensitive). */
export function property(obj: Node | undefined, key: string): Node | undefined {
  if (!obj || obj.type !== "object") return undefined;
  const want = key.toLowerCase();
  const prop = properties(obj).find((p) => propertyKey(p)?.toLowerCase() === want);
  return prop ? propertyValue(prop) : undefined;
}

/** The value at a dotted path such as `properties.siteConfig.minTlsVersion`. */
export function propertyPath(obj: Node | undefined, path: string): Node | undefined {
  let cur: Node | undefined = obj;
  for (const key of path.split(".")) cur = property(cur, key);
  return cur;
}

export type Literal = string | number | boolean | null | Literal[];

/** The compile-time value of a literal expression; undefined when it depends on anything else. */
export function literal(node: Node | undefined): Literal | undefined {
  if (!node) return undefined;
  switch (node.type) {
    case "string": {
      if (node.text.startsWith("'''")) return node.text.slice(3, -3);
      let out = "";
      for (const part of codeChildren(node)) {
        if (part.type === "interpolation") return undefined;
        out += part.type === "escape_sequence" ? unescape(part.text) : part.text;
      }
      return out;
    }
    case "boolean":
      return node.text === "true";
    case "number":
      return Number(node.text);
    case "null":
      return null;
    case "unary_expression": {
      const v = literal(node.childForFieldName("argument") ?? undefined);
      return node.text.startsWith("-") && typeof v === "number" ? -v : undefined;
    }
    case "array": {
      const items = codeChildren(node).map(literal);
      return items.every((i): i is Literal => i !== undefined) ? items : undefined;
    }
    case "parenthesized_expression":
      return literal(codeChildren(node)[0]);
    default:
      return undefined;
  }
}

function unescape(seq: string): string {
  const simple: Record<string, string> = { "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\\\": "\\", "\\'": "'", "\\$": "$" };
  if (seq in simple) return simple[seq]!;
  const u = /^\\u\{([0-9a-fA-F]+)\}$/.exec(seq);
  return u ? String.fromCodePoint(parseInt(u[1]!, 16)) : seq;
}

export interface Decorator {
  name: string;
  args: Node[];
  node: Node;
}

/** Decorators written above a declaration (they are its preceding sibling in this grammar). */
export function decoratorsOf(decl: Node): Decorator[] {
  let prev = decl.previousNamedSibling;
  while (prev && !isCode(prev)) prev = prev.previousNamedSibling;
  if (!prev || prev.type !== "decorators") return [];
  return codeChildren(prev).flatMap((d) => {
    const call = codeChildren(d)[0];
    if (!call || call.type !== "call_expression") return [];
    const fn = call.childForFieldName("function");
    const name = fn?.type === "member_expression" ? fn.childForFieldName("property")?.text : fn?.text;
    const args = call.childForFieldName("arguments");
    return name ? [{ name, args: args ? codeChildren(args) : [], node: d }] : [];
  });
}

/** The object a resource or module declares, looking through `if (...)` and `[for ...]`. */
export function bodyObject(value: Node | undefined): Node | undefined {
  if (!value) return undefined;
  if (value.type === "object") return value;
  if (value.type === "if_statement") return codeChildren(value).find((c) => c.type === "object");
  if (value.type === "for_statement") return bodyObject(value.childForFieldName("body") ?? undefined);
  return undefined;
}

/** The first identifier child: the declared name of a declaration node. */
export const declaredName = (decl: Node): Node | undefined => decl.childForFieldName("name") ?? codeChildren(decl).find((c) => c.type === "identifier");

/** Every descendant of the given types, in document order. */
export const descendants = (root: Node, ...types: string[]): Node[] => root.descendantsOfType(types);
