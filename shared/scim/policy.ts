// A tenant's schema policy: the attributes its app requires, the custom extension attributes it
// accepts, and what happens to attributes it does not know. Pure: parsed and checked here, stored by the
// store, cached by the pipeline, applied by the handlers through the tenant's own resource types.
import { AttributeDef, SchemaDef } from "./schemas/attribute";
import { GROUP, ResourceType, USER } from "./resource-types";
import { ScimObject, isObject } from "./coerce";
import { parsePatchPath } from "./patch/path";
import { ScimError } from "./errors";

/** The SCIM types a custom attribute may have (Entra: single-valued simple types for non-gallery apps). */
export const CUSTOM_TYPES = ["string", "boolean", "integer", "decimal", "dateTime", "reference"] as const;
export type CustomType = (typeof CUSTOM_TYPES)[number];

export interface CustomAttribute {
  name: string;
  type: CustomType;
  description?: string;
  /** Values compared case-sensitively in filters (default false, as for most SCIM strings). */
  caseExact?: boolean;
}

export interface TenantPolicy {
  /** Attribute paths a User or Group must have after every POST, PUT and PATCH. */
  required: { User: string[]; Group: string[] };
  /** A custom User extension, `urn:ietf:params:scim:schemas:extension:<name>:2.0:User`, or none. */
  extension?: { name: string; attributes: CustomAttribute[] };
  /** Attributes outside the schemas: ignored (counted and logged by name) or refused with 400. */
  unknownAttributes: "ignore" | "reject";
}

export const DEFAULT_POLICY: TenantPolicy = { required: { User: [], Group: [] }, unknownAttributes: "ignore" };

export const customExtensionUrn = (name: string) => `urn:ietf:params:scim:schemas:extension:${name}:2.0:User`;

const EXTENSION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/; // RFC 7643 §2.1 ATTRNAME
const RESERVED = ["enterprise", "core"];

/** The policy in a request, a file or a stored row; throws an Error whose message says what is wrong. */
export function parsePolicy(value: unknown): TenantPolicy {
  if (!isObject(value)) throw new Error("A policy is a JSON object.");
  const known = ["required", "extension", "unknownAttributes"];
  for (const key of Object.keys(value)) if (!known.includes(key)) throw new Error(`Unknown policy field '${key}' (known: ${known.join(", ")}).`);
  const unknownAttributes = value.unknownAttributes ?? "ignore";
  if (unknownAttributes !== "ignore" && unknownAttributes !== "reject") throw new Error(`unknownAttributes is "ignore" or "reject".`);
  let extension: TenantPolicy["extension"];
  if (value.extension !== undefined) {
    const e = value.extension;
    if (!isObject(e) || typeof e.name !== "string" || !EXTENSION_NAME.test(e.name) || RESERVED.includes(e.name.toLowerCase())) {
      throw new Error("extension.name is a schema name such as 'Contoso' (letters, digits, - and _; not 'enterprise').");
    }
    if (!Array.isArray(e.attributes) || e.attributes.length === 0) throw new Error("extension.attributes lists at least one attribute.");
    const attributes = e.attributes.map((a: unknown, i): CustomAttribute => {
      if (!isObject(a) || typeof a.name !== "string" || !ATTRIBUTE_NAME.test(a.name)) throw new Error(`extension.attributes[${i}].name is an attribute name.`);
      if (typeof a.type !== "string" || !(CUSTOM_TYPES as readonly string[]).includes(a.type)) {
        throw new Error(`extension.attributes[${i}].type is one of ${CUSTOM_TYPES.join(", ")}.`);
      }
      if (a.description !== undefined && typeof a.description !== "string") throw new Error(`extension.attributes[${i}].description is a string.`);
      if (a.caseExact !== undefined && typeof a.caseExact !== "boolean") throw new Error(`extension.attributes[${i}].caseExact is a boolean.`);
      return {
        name: a.name,
        type: a.type as CustomType,
        ...(a.description === undefined ? {} : { description: a.description }),
        ...(a.caseExact === undefined ? {} : { caseExact: a.caseExact }),
      };
    });
    const names = attributes.map((a) => a.name.toLowerCase());
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new Error(`extension.attributes names '${twice}' twice (attribute names are case-insensitive).`);
    extension = { name: e.name, attributes };
  }
  const required = { User: [] as string[], Group: [] as string[] };
  if (value.required !== undefined) {
    if (!isObject(value.required)) throw new Error(`required is {"User": [paths], "Group": [paths]}.`);
    for (const [key, paths] of Object.entries(value.required)) {
      if (key !== "User" && key !== "Group") throw new Error(`required has keys User and Group, not '${key}'.`);
      if (!Array.isArray(paths) || !paths.every((p): p is string => typeof p === "string" && p.trim() !== ""))
        throw new Error(`required.${key} is a list of attribute paths.`);
      required[key] = paths.map((p) => p.trim());
    }
  }
  const policy: TenantPolicy = { required, unknownAttributes, ...(extension ? { extension } : {}) };
  const types = tenantTypes(policy);
  for (const kind of ["User", "Group"] as const) {
    for (const path of policy.required[kind]) {
      try {
        requiredPath(types[kind], path);
      } catch (e) {
        throw new Error(`required.${kind}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    }
  }
  return policy;
}

function customAttribute(a: CustomAttribute): AttributeDef {
  return {
    name: a.name,
    type: a.type,
    multiValued: false,
    description: a.description ?? `${a.name} (custom attribute)`,
    required: false,
    caseExact: a.caseExact ?? false,
    mutability: "readWrite",
    returned: "default",
    uniqueness: "none",
  };
}

export interface TenantTypes {
  User: ResourceType;
  Group: ResourceType;
}

const typesCache = new Map<string, TenantTypes>();

/**
 * The tenant's resource types: the base ones, plus its custom extension on User. The same policy gives
 * the same objects, so validators compiled for a type are reused.
 */
export function tenantTypes(policy: TenantPolicy): TenantTypes {
  if (!policy.extension) return { User: USER, Group: GROUP };
  const key = JSON.stringify(policy.extension);
  const hit = typesCache.get(key);
  if (hit) return hit;
  const schema: SchemaDef = {
    id: customExtensionUrn(policy.extension.name),
    name: policy.extension.name,
    description: `${policy.extension.name} custom attributes`,
    attributes: policy.extension.attributes.map(customAttribute),
  };
  const types: TenantTypes = { User: { ...USER, extensions: [...USER.extensions, schema] }, Group: GROUP };
  if (typesCache.size > 100) typesCache.clear();
  typesCache.set(key, types);
  return types;
}

/** A required path, resolved: the attribute (and sub-attribute) it names, with a filter for `attr[…].sub`. */
function requiredPath(type: ResourceType, path: string) {
  const resolved = parsePatchPath(type, path);
  if (resolved.attr.mutability === "readOnly") throw new Error(`'${path}' is read-only: a client cannot send it.`);
  if (resolved.attr.name === "members" || resolved.attr.mutability === "writeOnly") throw new Error(`'${path}' cannot be required.`);
  return resolved;
}

/** The first required path this document leaves without a value (undefined: all present). */
export function missingRequired(type: ResourceType, paths: readonly string[], doc: ScimObject): string | undefined {
  return paths.find((path) => !hasValue(type, path, doc));
}

function present(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return false;
  if (Array.isArray(value)) return value.some(present);
  if (isObject(value)) return Object.values(value).some(present);
  return true;
}

function hasValue(type: ResourceType, path: string, doc: ScimObject): boolean {
  const p = requiredPath(type, path);
  const holder = p.extension ? doc[p.extension] : doc;
  if (!isObject(holder)) return false;
  const value = holder[p.attr.name];
  if (!p.filter && !p.sub) return present(value);
  const elements = (Array.isArray(value) ? value : [value]).filter(isObject);
  const matching = p.filter ? elements.filter((e) => p.filter?.matches(e)) : elements;
  return matching.some((e) => (p.sub ? present(e[p.sub.name]) : present(e)));
}

/** 400 invalidValue naming the attribute, worded for the IT admin reading Entra's provisioning log. */
export function requiredError(type: ResourceType, path: string): ScimError {
  return ScimError.invalidValue(
    `Required attribute '${path}' is missing: this application does not accept a ${type.name} without it. Map it in the provisioning job's attribute mappings.`,
  );
}

/** The tenant's schemas as /Schemas shows them: required attributes marked `required: true`. */
export function schemasWithPolicy(types: TenantTypes, policy: TenantPolicy): SchemaDef[] {
  const marks = new Map<string, Set<string>>(); // schema id → top-level attribute names
  for (const kind of ["User", "Group"] as const) {
    for (const path of policy.required[kind]) {
      const p = requiredPath(types[kind], path);
      const schema = p.extension ?? types[kind].schema.id;
      const set = marks.get(schema) ?? new Set<string>();
      set.add(p.sub && !p.filter ? `${p.attr.name}.${p.sub.name}` : p.attr.name);
      if (p.sub && !p.filter) set.add(p.attr.name);
      marks.set(schema, set);
    }
  }
  const mark = (schema: SchemaDef): SchemaDef => {
    const names = marks.get(schema.id);
    if (!names) return schema;
    return {
      ...schema,
      attributes: schema.attributes.map((a) => ({
        ...a,
        required: a.required || names.has(a.name),
        ...(a.subAttributes ? { subAttributes: a.subAttributes.map((s) => ({ ...s, required: s.required || names.has(`${a.name}.${s.name}`) })) } : {}),
      })),
    };
  };
  const seen = new Map<string, SchemaDef>();
  for (const type of [types.User, types.Group]) for (const s of [type.schema, ...type.extensions]) seen.set(s.id, mark(s));
  return [...seen.values()];
}
