// Filters (RFC 7644 §3.4.2.2): parse with scim2-parse-filter, resolve every attribute against the
// schema (case rules included), compile to a predicate, and plan the storage access (query-plan.ts).
// Pure: no I/O.
import { Filter as LibFilter, Compare } from "scim2-parse-filter";
import { Token, Tokens, parseFilter as libParseFilter, tokenizer } from "scim2-parse-filter/lib/src/parser";
import { AttributeDef, findAttribute } from "./schemas/attribute";
import { ResourceType, resolveAttribute } from "./resource-types";
import { ScimError } from "./errors";
import { ScimObject, isObject } from "./coerce";
import { QueryPlan, RelationNeeds, planQuery, relationNeeds } from "./query-plan";

export type Predicate = (resource: ScimObject) => boolean;

export interface CompiledFilter {
  plan: QueryPlan;
  relation: RelationNeeds;
  matches: Predicate;
}

const COMPARE_OPS = new Set(["eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le"]);

/**
 * Parses filter text; legacy unquoted values (`externalId eq jyoung`: fixtures finds-user-by-unquoted-external-id,
 * finds-user-by-form-encoded-username) are read as strings.
 */
export function parseFilterText(text: string): LibFilter {
  if (text.length > 10_000) throw ScimError.invalidFilter("Filter is longer than 10,000 characters.");
  let tokens: Token[];
  try {
    tokens = tokenizer(quoteBareValues(text));
  } catch {
    throw ScimError.invalidFilter(`Filter could not be tokenised: ${text}`);
  }
  // Quoted values are JSON strings (`\\` is one backslash, `\u0001` a control character); the library
  // keeps backslashes literally, so decode each from the filter text itself (every `"` in a filter
  // belongs to a quoted value, so the two sequences line up). Invalid JSON, like Entra's unescaped
  // `DOMAIN\jdoe`, keeps its backslashes.
  const raw = text.match(/"(?:[^"\\]|\\.|\n)*"/g) ?? [];
  let q = 0;
  for (const token of tokens) if (token.type === "Quoted") token.literal = JSON.stringify(decodeQuoted(raw[q++] ?? token.literal));
  for (let i = 2; i < tokens.length; i++) {
    const [attr, op, value] = [tokens[i - 2], tokens[i - 1], tokens[i]];
    if (!attr || !op || !value) continue; // never: 2 <= i < tokens.length
    if (op.type !== "Word" || attr.type !== "Word" || !COMPARE_OPS.has(op.literal.toLowerCase())) continue;
    if (value.type === "Number") {
      // Unquoted numbers are read as their text (`externalId eq 00123`); numeric attributes convert it back.
      value.type = "Quoted";
      value.literal = JSON.stringify(value.literal);
    } else if (value.type === "Word") {
      const lower = value.literal.toLowerCase();
      value.type = "Quoted";
      value.literal = lower === "true" || lower === "false" || lower === "null" ? lower : JSON.stringify(value.literal);
    }
  }
  let parsed: LibFilter;
  try {
    const list = new Tokens(tokens);
    parsed = libParseFilter(list);
    if (list.peek().type !== "EOT") throw new Error("trailing tokens");
  } catch (e) {
    throw ScimError.invalidFilter(`Filter could not be parsed: ${(e as Error).message}`);
  }
  // The library turns `emails[type eq "work"].value eq "x"` into `emails[…] and emails.value eq "x"`;
  // RFC semantics need both conditions on the same element, so fold it back into the value path.
  return tokens.some((t) => t.literal === "].") ? foldValuePathSubAttribute(parsed) : parsed;
}

/**
 * Legacy filters carry unquoted values (`externalId eq jyoung`: fixture finds-user-by-unquoted-external-id), and such a value may hold
 * characters the tokenizer does not take as a word (`userName eq jyoung@contoso.com`). Outside quoted
 * strings, a bare value after a comparison operator is quoted here; true/false/null and numbers are
 * left to the token pass below.
 */
function quoteBareValues(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|(\s(?:eq|ne|co|sw|ew|gt|lt|ge|le)\s+)([^\s"()[\]]+)/gi, (match, op?: string, value?: string) => {
    if (op === undefined || value === undefined || !/[A-Za-z0-9]/.test(value)) return match; // quoted strings and junk: untouched
    if (/^(true|false|null|-?\d+(\.\d+)?([eE][-+]?\d+)?)$/i.test(value) || /^[A-Za-z_][\w.:/%-]*$/.test(value)) return match;
    return op + JSON.stringify(value);
  });
}

function decodeQuoted(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted.slice(1, -1).replace(/\\"/g, '"');
  }
}

function foldValuePathSubAttribute(f: LibFilter): LibFilter {
  switch (f.op) {
    case "and":
    case "or": {
      const filters = f.filters.map(foldValuePathSubAttribute);
      const [first, second] = filters;
      if (
        f.op === "and" &&
        filters.length === 2 &&
        first?.op === "[]" &&
        second !== undefined &&
        "attrPath" in second &&
        second.attrPath.toLowerCase().startsWith(first.attrPath.toLowerCase() + ".")
      ) {
        const sub = { ...second, attrPath: second.attrPath.slice(first.attrPath.length + 1) } as LibFilter;
        return { op: "[]", attrPath: first.attrPath, valFilter: { op: "and", filters: [first.valFilter, sub] } };
      }
      return { op: f.op, filters };
    }
    case "not":
      return { op: "not", filter: foldValuePathSubAttribute(f.filter) };
    default:
      return f;
  }
}

/** Parses and compiles a filter for a resource type. */
export function compileFilter(type: ResourceType, text: string): CompiledFilter {
  const parsed = parseFilterText(text);
  return {
    plan: planQuery(type, parsed),
    relation: relationNeeds(type, parsed),
    matches: compile(parsed, (path) => resolveTopLevel(type, path)),
  };
}

interface Target {
  extension?: string;
  attr: AttributeDef;
  sub?: AttributeDef;
}

function resolveTopLevel(type: ResourceType, path: string): Target {
  const found = resolveAttribute(type, path);
  if (!found) throw ScimError.invalidFilter(`'${path}' is not a filterable attribute of ${type.name}.`);
  if (found.attr.returned === "never") throw ScimError.invalidFilter(`'${path}' cannot be filtered.`);
  return found;
}

function compile(f: LibFilter, resolve: (path: string) => Target): Predicate {
  switch (f.op) {
    case "and": {
      const parts = f.filters.map((x) => compile(x, resolve));
      return (r) => parts.every((p) => p(r));
    }
    case "or": {
      const parts = f.filters.map((x) => compile(x, resolve));
      return (r) => parts.some((p) => p(r));
    }
    case "not": {
      const inner = compile(f.filter, resolve);
      return (r) => !inner(r);
    }
    case "[]": {
      const target = resolve(f.attrPath);
      if (target.attr.type !== "complex" || target.sub) throw ScimError.invalidFilter(`'${f.attrPath}' cannot hold a value filter.`);
      const inner = compileElementFilter(target.attr, f.valFilter);
      return (r) => elements(r, target).some(inner);
    }
    case "pr": {
      const target = resolve(f.attrPath);
      return (r) => leafValues(r, target).length > 0;
    }
    default: {
      const target = resolve(f.attrPath);
      return compileCompare(f, target);
    }
  }
}

/** A filter inside `attr[...]`, whose attribute names are sub-attributes of attr. */
export function compileElementFilter(attr: AttributeDef, f: LibFilter): (element: ScimObject) => boolean {
  const predicate = compile(f, (path) => {
    const sub = findAttribute(attr.subAttributes ?? [], path);
    if (!sub) throw ScimError.invalidFilter(`'${path}' is not a sub-attribute of '${attr.name}'.`);
    return { attr: sub };
  });
  return (element) => predicate(element);
}

function container(r: ScimObject, target: Target): ScimObject | undefined {
  if (!target.extension) return r;
  const ext = r[target.extension];
  return isObject(ext) ? ext : undefined;
}

function elements(r: ScimObject, target: Target): ScimObject[] {
  const value = container(r, target)?.[target.attr.name];
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.filter(isObject);
}

/** Every value the path points at; for a complex attribute with a `value` sub-attribute, those values (manager, members). */
function leafValues(r: ScimObject, target: Target): unknown[] {
  const value = container(r, target)?.[target.attr.name];
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  const sub = target.sub?.name ?? (target.attr.type === "complex" ? "value" : undefined);
  const leaves = sub === undefined ? list : list.map((v) => (isObject(v) ? v[sub] : undefined));
  return leaves.filter((v) => v !== undefined && v !== null && v !== "");
}

function leafDef(target: Target): AttributeDef {
  if (target.sub) return target.sub;
  if (target.attr.type === "complex") {
    const value = findAttribute(target.attr.subAttributes ?? [], "value");
    if (!value) throw ScimError.invalidFilter(`'${target.attr.name}' is complex; name one of its sub-attributes.`);
    return value;
  }
  return target.attr;
}

function compileCompare(f: Compare, target: Target): Predicate {
  const def = leafDef(target);
  const { op } = f;
  if (f.compValue === null) {
    if (op !== "eq" && op !== "ne") throw ScimError.invalidFilter(`'${op} null' is not a valid comparison.`);
    return (r) => (leafValues(r, target).length === 0) === (op === "eq");
  }
  const test = valueTest(def, op, f.compValue);
  if (op === "ne") return (r) => !leafValues(r, target).some((v) => valueTest(def, "eq", f.compValue)(v));
  return (r) => leafValues(r, target).some(test);
}

function valueTest(def: AttributeDef, op: string, expected: boolean | number | string | null): (v: unknown) => boolean {
  switch (def.type) {
    case "boolean": {
      // "True" strings, as Entra writes booleans (fixture disables-user-with-string-false)
      const text = typeof expected === "string" ? expected.toLowerCase() : undefined;
      const want = text === "true" ? true : text === "false" ? false : expected;
      if (typeof want !== "boolean" || (op !== "eq" && op !== "ne"))
        throw ScimError.invalidFilter(`'${def.name}' is boolean: use eq or ne with true or false.`);
      return (v) => v === want;
    }
    case "integer":
    case "decimal": {
      const want = Number(expected);
      if (Number.isNaN(want) || ["co", "sw", "ew"].includes(op)) throw ScimError.invalidFilter(`'${def.name}' is numeric.`);
      return (v) => ordered(op, Number(v) - want);
    }
    case "dateTime": {
      const want = Date.parse(String(expected));
      if (Number.isNaN(want)) throw ScimError.invalidFilter(`'${String(expected)}' is not a dateTime.`);
      if (["co", "sw", "ew"].includes(op)) return stringTest(true, op, String(expected));
      return (v) => ordered(op, Date.parse(String(v)) - want);
    }
    case "complex":
      throw ScimError.invalidFilter(`'${def.name}' is complex.`);
    default:
      return stringTest(def.caseExact, op, String(expected));
  }
}

function stringTest(caseExact: boolean, op: string, expected: string): (v: unknown) => boolean {
  const norm = (s: string) => (caseExact ? s : s.toLowerCase());
  const want = norm(expected);
  return (v) => {
    const have = norm(String(v));
    switch (op) {
      case "co":
        return have.includes(want);
      case "sw":
        return have.startsWith(want);
      case "ew":
        return have.endsWith(want);
      default:
        return ordered(op, have < want ? -1 : have > want ? 1 : 0);
    }
  };
}

function ordered(op: string, diff: number): boolean {
  switch (op) {
    case "eq":
      return diff === 0;
    case "gt":
      return diff > 0;
    case "ge":
      return diff >= 0;
    case "lt":
      return diff < 0;
    case "le":
      return diff <= 0;
    default:
      return false;
  }
}
