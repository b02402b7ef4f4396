// Normalises a PatchOp's operations into one shape for both Entra dialects (with and without
// aadOptscim062020): ops in any case (fixtures adds-members-with-lowercase-add,
// replaces-work-email-and-family-name-with-capitalised-ops), path-less value objects keyed by attribute
// paths or nested objects (updates-attributes-with-a-path-less-value-object,
// updates-attributes-with-a-nested-value-object) expanded into one operation per path, and ""/null
// values as removals (clears-attributes-with-empty-strings-lowercase, clears-attributes-with-nulls-capitalised).
// Pure: no I/O.
import { ResourceType, resolveAttribute, schemaUrn } from "../resource-types";
import { RawPatchOperation } from "../validate";
import { ScimError } from "../errors";
import { UnknownAttributes, isObject } from "../coerce";
import { PatchPath, parsePatchPath } from "./path";

export type PatchVerb = "add" | "remove" | "replace";

export interface PatchOperation {
  op: PatchVerb;
  path: PatchPath;
  value?: unknown;
}

const VERBS = new Set<PatchVerb>(["add", "remove", "replace"]);

/**
 * With an `unknown` sink, an operation whose path names no attribute of the type (a mapping the tenant's
 * schema does not have) is left out and reported by name; without one it is a 400 invalidPath.
 */
export function normalizeOperations(type: ResourceType, raw: RawPatchOperation[], unknown?: UnknownAttributes): PatchOperation[] {
  const out: PatchOperation[] = [];
  raw.forEach((operation, index) => {
    const op = operation.op.toLowerCase() as PatchVerb;
    if (!VERBS.has(op)) throw ScimError.invalidSyntax(`Operations[${index}].op '${operation.op}' is not add, remove or replace.`);
    const path = typeof operation.path === "string" && operation.path.trim() !== "" ? operation.path : undefined;
    if (path !== undefined) {
      push(out, withPath(type, op, path, operation.value, unknown));
      return;
    }
    if (op === "remove") throw ScimError.noTarget(`Operations[${index}]: remove needs a path.`);
    if (!isObject(operation.value)) throw ScimError.invalidValue(`Operations[${index}]: an ${op} without a path needs an object value.`);
    for (const [key, value] of Object.entries(operation.value)) expandKey(type, op, key, value, out, unknown);
  });
  return out;
}

/** One key of a path-less value object: an attribute path, or a schema URN holding attributes. */
function expandKey(type: ResourceType, op: PatchVerb, key: string, value: unknown, out: PatchOperation[], unknown: UnknownAttributes | undefined): void {
  if (key.toLowerCase() === "schemas") return;
  const schema = key.toLowerCase().startsWith("urn:") ? schemaUrn(type, key) : undefined;
  if (schema) {
    if (!isObject(value)) throw ScimError.invalidValue(`'${key}' must be an object of attributes.`);
    const prefix = schema.id === type.schema.id ? "" : `${schema.id}:`;
    for (const [name, v] of Object.entries(value)) push(out, withPath(type, op, prefix + name, v, unknown));
    return;
  }
  push(out, withPath(type, op, key, value, unknown));
}

function push(out: PatchOperation[], operation: PatchOperation | undefined): void {
  if (operation) out.push(operation);
}

function withPath(type: ResourceType, op: PatchVerb, pathText: string, value: unknown, unknown: UnknownAttributes | undefined): PatchOperation | undefined {
  const base = pathText.split("[")[0]?.trim() ?? "";
  const wellFormed = base.slice(base.lastIndexOf(":") + 1).split(".").length <= 2; // attr or attr.sub; anything deeper is invalidPath
  if (unknown && wellFormed && !resolveAttribute(type, base)) {
    unknown(base);
    return undefined;
  }
  const path = parsePatchPath(type, pathText);
  if (path.attr.mutability === "readOnly" || path.sub?.mutability === "readOnly") {
    throw ScimError.mutability(`'${pathText}' is read-only.`);
  }
  if (path.attr.mutability === "writeOnly") return undefined; // password: accepted, never stored
  if (op !== "remove" && isEmpty(value)) {
    // "" or null clears a single value (fixtures sets-manager-as-bare-string, sets-manager-as-ref-array, clears-manager-with-empty-string; fixtures clears-attributes-with-empty-strings-lowercase, clears-attributes-with-nulls-capitalised). Adding nothing to a multi-valued attribute changes
    // nothing; only an explicit replace with an empty value clears a list (never an add of members: []).
    const multi = path.attr.multiValued && !path.sub && !path.filter;
    if (multi && op === "add") return undefined;
    return { op: "remove", path };
  }
  return op === "remove" ? { op, path, ...(value === undefined ? {} : { value }) } : { op, path, value };
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
}
