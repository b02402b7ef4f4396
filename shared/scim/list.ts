// Queries (RFC 7644 §3.4.2): paging parameters, ListResponse, and a filter over several resource types
// for a query at the server root. Pure: no I/O.
import type { Filter } from "scim2-parse-filter";
import { LIST_RESPONSE } from "./urns";
import { ScimError } from "./errors";
import { CompiledFilter, compileFilter, parseFilterText } from "./filter";
import { ResourceType, resolveAttribute } from "./resource-types";

export const MAX_PAGE_SIZE = 200;

export interface Paging {
  startIndex: number;
  count: number;
}

function integer(name: string, raw: string | number | undefined): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const n = typeof raw === "number" ? raw : Number(raw);
  if (!Number.isInteger(n)) throw ScimError.invalidValue(`'${name}' must be an integer.`);
  return n;
}

/** startIndex < 1 means 1; count < 0 means 0; count is capped at MAX_PAGE_SIZE (advertised in ServiceProviderConfig). */
export function parsePaging(startIndex?: string | number, count?: string | number): Paging {
  const start = integer("startIndex", startIndex) ?? 1;
  const size = integer("count", count) ?? MAX_PAGE_SIZE;
  return { startIndex: Math.max(1, start), count: Math.min(Math.max(0, size), MAX_PAGE_SIZE) };
}

export interface ListResponse<T> {
  schemas: string[];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: T[];
}

export function listResponse<T>(resources: T[], totalResults: number, startIndex: number): ListResponse<T> {
  return { schemas: [LIST_RESPONSE], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}

/** The filter one resource type of a root query is searched with; `filter` undefined: every resource of the type. */
export interface TypeQuery {
  type: ResourceType;
  filter?: CompiledFilter;
}

/**
 * A filter over several resource types (a query at the server root, RFC 7644 §3.4.3). RFC 7644 §3.4.2.1:
 * "for filtered attributes that are not part of a particular resource type, the service provider SHALL
 * treat the attribute as if there is no attribute value", so `userName eq "x"` finds users and no groups
 * instead of failing on Group. Each type gets the filter with its foreign clauses replaced by what they
 * evaluate to without a value, folded away; a type the filter cannot match is left out (no reads), and
 * an attribute no type has is 400 invalidFilter, as on a per-type endpoint.
 */
export function queriesAcross(types: readonly ResourceType[], text: string | undefined): TypeQuery[] {
  const trimmed = text?.trim();
  if (!trimmed) return types.map((type) => ({ type }));
  const parsed = parseFilterText(trimmed);
  for (const path of attributePaths(parsed)) {
    if (!types.some((t) => resolveAttribute(t, path))) throw ScimError.invalidFilter(`'${path}' is not an attribute of any resource type.`);
  }
  const out: TypeQuery[] = [];
  for (const type of types) {
    const narrowed = withoutForeign(type, parsed);
    if (narrowed === false) continue;
    if (narrowed === true) out.push({ type });
    else out.push({ type, filter: compileFilter(type, narrowed === parsed ? trimmed : filterText(narrowed)) });
  }
  return out;
}

/** The attribute paths a filter names (those inside `attr[...]` are sub-attributes of attr, not listed). */
function attributePaths(f: Filter): string[] {
  switch (f.op) {
    case "and":
    case "or":
      return f.filters.flatMap(attributePaths);
    case "not":
      return attributePaths(f.filter);
    default:
      return [f.attrPath];
  }
}

/** The filter as `type` evaluates it: a clause on an attribute it lacks becomes the boolean it yields on no value. */
function withoutForeign(type: ResourceType, f: Filter): Filter | boolean {
  switch (f.op) {
    case "and":
    case "or": {
      const parts = f.filters.map((x) => withoutForeign(type, x));
      const decisive = f.op === "or"; // true decides an or, false an and
      if (parts.includes(decisive)) return decisive;
      const rest = parts.filter((p): p is Filter => typeof p !== "boolean");
      if (rest.length === 0) return !decisive;
      if (rest.length === f.filters.length && rest.every((p, i) => p === f.filters[i])) return f;
      return rest.length === 1 && rest[0] ? rest[0] : { op: f.op, filters: rest };
    }
    case "not": {
      const inner = withoutForeign(type, f.filter);
      if (typeof inner === "boolean") return !inner;
      return inner === f.filter ? f : { op: "not", filter: inner };
    }
    default:
      return resolveAttribute(type, f.attrPath) ? f : onNoValue(f);
  }
}

/** What a clause yields on an attribute without a value, as compileFilter evaluates an unassigned one. */
function onNoValue(f: Filter): boolean {
  if (f.op === "pr" || f.op === "[]" || !("compValue" in f)) return false;
  if (f.compValue === null) return f.op === "eq";
  return f.op === "ne";
}

/** Filter text for a parsed filter; every operand is parenthesised, so precedence never depends on the printer. */
function filterText(f: Filter): string {
  switch (f.op) {
    case "and":
    case "or":
      return f.filters.map((x) => `(${filterText(x)})`).join(` ${f.op} `);
    case "not":
      return `not (${filterText(f.filter)})`;
    case "[]":
      return `${f.attrPath}[${filterText(f.valFilter)}]`;
    case "pr":
      return `${f.attrPath} pr`;
    default:
      return `${f.attrPath} ${f.op} ${JSON.stringify(f.compValue)}`;
  }
}
