// Normalises a PatchOp's operations into one shape for both Entra dialects (with and without
// aadOptscim062020): ops in any case (fixtures adds-members-with-lowercase-add,
// replaces-work-email-and-family-name-with-capitalised-ops), path-less value objects keyed by attribute
// paths or nested objects (updates-attributes-with-a-path-less-value-object,
// updates-attributes-with-a-nested-value-object) expanded into one operation per path, a whole extension
// URN as a path expanded the same way, and ""/null values as removals (clears-attributes-with-empty-strings-lowercase,
// clears-attributes-with-nulls-capitalised). An add or replace without a value is 400, never a removal. Pure: no I/O.
import { ResourceType, resolveAttribute, schemaUrn } from "../resource-types";
import { SchemaDef } from "../schemas/attribute";
import { RawPatchOperation } from "../validate";
import { ScimError } from "../errors";
import { UnknownAttributes, assertSchemas, isObject } from "../coerce";
import { jsonType } from "../data-types";
import { PatchPath, extensionBlockPath, parsePatchPath } from "./path";

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
      // RFC 7644 §3.5.2.1/§3.5.2.3: add and replace MUST carry a value; a missing one never means "clear"
      // (that is "" or null, Q14, or a remove).
      if (op !== "remove" && operation.value === undefined) {
        throw ScimError.invalidValue(`Operations[${index}]: '${operation.op}' of '${path}' needs a "value"; to clear the attribute, use "remove".`);
      }
      out.push(...operationsFor(type, op, path, operation.value, unknown));
      return;
    }
    if (op === "remove") throw ScimError.noTarget(`Operations[${index}]: remove needs a path.`);
    if (!isObject(operation.value)) {
      throw ScimError.invalidValue(`Operations[${index}]: an ${op} without a path needs an object value, got ${jsonType(operation.value)}.`);
    }
    for (const [key, value] of Object.entries(operation.value)) {
      // Q3: a path-less value object's keys are attribute paths or schema URNs holding attributes.
      if (key.toLowerCase() === "schemas") assertSchemas(value, `Operations[${index}].value.schemas`);
      else out.push(...operationsFor(type, op, key, value, unknown));
    }
  });
  return out;
}

/** The operations of one path (or one key of a path-less value object): an attribute path, or a whole schema. */
function operationsFor(type: ResourceType, op: PatchVerb, pathText: string, value: unknown, unknown: UnknownAttributes | undefined): PatchOperation[] {
  const schema = pathText.trim().toLowerCase().startsWith("urn:") ? schemaUrn(type, pathText.trim()) : undefined;
  if (schema) return wholeSchema(type, schema, op, pathText, value, unknown);
  const operation = withPath(type, op, pathText, value, unknown);
  return operation ? [operation] : [];
}

/**
 * A whole schema URN as the target (`"path": "urn:…:enterprise:2.0:User"` with an object value, which
 * several clients send, or the same URN as a key of a path-less value, Q3): add/replace set each
 * attribute of the object, as if each had its own path, leaving the others unchanged (RFC 7644
 * §3.5.2.3 on complex targets); remove, or "" / null (Q14), removes the whole extension block.
 */
function wholeSchema(
  type: ResourceType,
  schema: SchemaDef,
  op: PatchVerb,
  text: string,
  value: unknown,
  unknown: UnknownAttributes | undefined,
): PatchOperation[] {
  const core = schema.id === type.schema.id;
  if (op === "remove" || value === null || value === "") {
    if (core) throw ScimError.invalidPath(`'${text}' names the whole ${type.name}; ${op} needs an attribute path.`);
    if (op === "remove" && value !== undefined) throw ScimError.invalidValue(`'${text}': removing a whole extension takes no "value".`);
    return [{ op: "remove", path: extensionBlockPath(schema, text) }];
  }
  if (!isObject(value)) throw ScimError.invalidValue(`'${text}' must be an object of ${schema.name} attributes, got ${jsonType(value)}.`);
  const prefix = core ? "" : `${schema.id}:`;
  return Object.entries(value).flatMap(([name, v]) => {
    if (name.toLowerCase() === "schemas") {
      assertSchemas(v, `${text}.schemas`);
      return [];
    }
    const operation = withPath(type, op, prefix + name, v, unknown);
    return operation ? [operation] : [];
  });
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
