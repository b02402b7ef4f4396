// Turns a client-supplied value into the canonical stored shape of its attribute: canonical
// attribute names, real booleans for "True"/"False", nulls and "" dropped (fixtures
// creates-user-with-nulls-and-a-typoed-enterprise-urn, clears-attributes-with-empty-strings-lowercase,
// clears-attributes-with-nulls-capitalised), a bare id or a one-element array accepted for a
// single-valued complex attribute (manager: sets-manager-as-bare-string, sets-manager-as-ref-array,
// clears-manager-with-empty-string). Fixture names are files in tests/entra/fixtures/. Pure: no I/O.
import { AttributeDef, findAttribute } from "./schemas/attribute";
import { ResourceType, resolveAttribute, schemaUrn } from "./resource-types";
import { ScimError } from "./errors";

export type ScimObject = Record<string, unknown>;

export const isObject = (v: unknown): v is ScimObject => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * What happens to an attribute no schema of the resource type defines: without a sink it is a 400
 * invalidSyntax; with one, the sink hears its name (the tenant policy decides: ignore and count it, or
 * refuse it) and the attribute is left out.
 */
export type UnknownAttributes = (name: string) => void;

/** The stored, canonical resource body of a POST or PUT (read-only attributes are left out). */
export function coerceResource(type: ResourceType, body: unknown, unknown?: UnknownAttributes): ScimObject {
  if (!isObject(body)) throw ScimError.invalidSyntax("The request body must be a JSON object.");
  const out: ScimObject = {};
  for (const [key, value] of Object.entries(body)) {
    const lower = key.toLowerCase();
    if (lower === "schemas" || lower === "meta" || lower === "id") continue;
    if (lower.startsWith("urn:")) {
      coerceUrnKey(type, key, value, out, unknown);
      continue;
    }
    const attr = findAttribute(type.schema.attributes, key);
    if (attr) {
      setCoerced(out, attr, value, key);
      continue;
    }
    // Entra's older create example names extension attributes without their URN ("department": null:
    // fixture creates-user-with-nulls-and-a-typoed-enterprise-urn).
    const found = resolveAttribute(type, key);
    if (found?.extension && !found.sub) setExtensionAttribute(out, found.extension, found.attr, value, key);
    else if (unknown) unknown(key);
    else throw ScimError.invalidSyntax(`'${key}' is not an attribute of ${type.name}.`);
  }
  return out;
}

function coerceUrnKey(type: ResourceType, key: string, value: unknown, out: ScimObject, unknown: UnknownAttributes | undefined): void {
  const schema = schemaUrn(type, key);
  if (schema && schema.id === type.schema.id) {
    // Fully qualified core block: {"urn:…:core:2.0:User": {"userName": …}}.
    Object.assign(out, coerceResource(type, value, unknown));
    return;
  }
  if (schema) {
    if (value === null || value === undefined) return;
    if (!isObject(value)) throw ScimError.invalidSyntax(`'${key}' must be an object of ${schema.name} attributes.`);
    const ext: ScimObject = {};
    for (const [name, v] of Object.entries(value)) {
      const attr = findAttribute(schema.attributes, name);
      if (attr) setCoerced(ext, attr, v, `${schema.id}:${name}`);
      else if (unknown) unknown(`${schema.id}:${name}`);
      else throw ScimError.invalidSyntax(`'${name}' is not an attribute of ${schema.id}.`);
    }
    if (Object.keys(ext).length > 0) out[schema.id] = { ...(out[schema.id] as ScimObject | undefined), ...ext };
    return;
  }
  // A flattened extension attribute ("urn:…:User:employeeNumber": "1"), or a schema we do not know, which
  // is ignored (fixtures creates-user-with-nulls-and-a-typoed-enterprise-urn, creates-group-with-adscim-schema-and-empty-members).
  const found = resolveAttribute(type, key);
  if (found?.extension && !found.sub) setExtensionAttribute(out, found.extension, found.attr, value, key);
  else if (unknown && (found === undefined || found.sub !== undefined) && value !== null && value !== undefined && !isObject(value)) {
    // A flattened attribute of an undeclared extension (a custom attribute the tenant's policy does not
    // define, e.g. a new mapping in Entra): reported by name. A whole object under an unknown URN is a
    // schema block we do not know, ignored as before.
    unknown(key);
  }
}

function setExtensionAttribute(out: ScimObject, extension: string, attr: AttributeDef, value: unknown, path: string): void {
  const ext = (out[extension] as ScimObject | undefined) ?? {};
  setCoerced(ext, attr, value, path);
  if (Object.keys(ext).length > 0) out[extension] = ext;
  else delete out[extension];
}

function setCoerced(target: ScimObject, attr: AttributeDef, value: unknown, path: string): void {
  if (attr.mutability === "readOnly") return; // RFC 7643 §2.2: client values of readOnly attributes are ignored
  if (attr.mutability === "writeOnly") return; // password: accepted, never stored (users sign in through SSO)
  const coerced = coerceValue(attr, value, path);
  if (coerced === undefined) delete target[attr.name];
  else target[attr.name] = coerced;
}

/** Coerces a whole attribute value (an array for multi-valued ones); undefined means "no value". */
export function coerceValue(attr: AttributeDef, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (attr.multiValued) {
    const items = (Array.isArray(value) ? value : [value]).map((item) => coerceSingle(attr, item, path)).filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (Array.isArray(value)) {
    // Entra sends manager as [{"$ref": …, "value": id}] (tutorial example 5).
    if (value.length === 0) return undefined;
    if (value.length > 1) throw ScimError.invalidValue(`'${path}' is single-valued; got ${value.length} values.`);
    return coerceSingle(attr, value[0], path);
  }
  return coerceSingle(attr, value, path);
}

/** Coerces one value (one element of a multi-valued attribute). */
export function coerceSingle(attr: AttributeDef, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  switch (attr.type) {
    case "complex":
      return coerceComplex(attr, value, path);
    case "boolean":
      return coerceBoolean(value, path);
    case "integer":
    case "decimal":
      return coerceNumber(attr, value, path);
    case "dateTime":
      return coerceDateTime(value, path);
    default:
      return coerceString(value, path);
  }
}

function coerceComplex(attr: AttributeDef, value: unknown, path: string): ScimObject | undefined {
  const subs = attr.subAttributes ?? [];
  if (!isObject(value)) {
    // A bare value for a complex attribute means its "value" sub-attribute (manager as a plain id:
    // fixtures sets-manager-as-bare-string, sets-manager-as-ref-array).
    const valueSub = findAttribute(subs, "value");
    if (!valueSub || Array.isArray(value)) throw ScimError.invalidValue(`'${path}' must be an object.`);
    const v = coerceSingle(valueSub, value, `${path}.value`);
    return v === undefined ? undefined : { value: v };
  }
  if (attr.name === "roles") value = unpackRole(value);
  const out: ScimObject = {};
  for (const [key, v] of Object.entries(value as ScimObject)) {
    const sub = findAttribute(subs, key);
    if (!sub) throw ScimError.invalidSyntax(`'${key}' is not a sub-attribute of '${path}'.`);
    const coerced = coerceSingle(sub, v, `${path}.${sub.name}`);
    if (coerced !== undefined) out[sub.name] = coerced;
  }
  if (attr.name === "manager" && out.value === undefined) return undefined; // manager cleared with "" (fixture clears-manager-with-empty-string)
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Entra's AppRoleAssignmentsComplex sends a role in PATCH as a JSON string inside "value"
 * ({"value": "{\"id\":…,\"value\":…,\"displayName\":…}"}, fixture adds-roles-as-stringified-json); POST sends real objects.
 */
function unpackRole(role: ScimObject): ScimObject {
  if (typeof role.value !== "string" || !role.value.trim().startsWith("{")) return role;
  try {
    const parsed = JSON.parse(role.value) as ScimObject;
    const { value, displayName, id } = parsed;
    return { ...role, value: value ?? id, ...(displayName !== undefined && role.display === undefined ? { display: displayName } : {}) };
  } catch {
    return role;
  }
}

function coerceBoolean(value: unknown, path: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    // "True"/"False" from Entra's default mapping (fixtures disables-user-with-string-false, creates-user-with-active-as-string-true)
    const lower = value.trim().toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
  }
  throw ScimError.invalidValue(`'${path}' must be a boolean.`);
}

function coerceNumber(attr: AttributeDef, value: unknown, path: string): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || (attr.type === "integer" && !Number.isInteger(n))) {
    throw ScimError.invalidValue(`'${path}' must be ${attr.type === "integer" ? "an integer" : "a number"}.`);
  }
  return n;
}

function coerceDateTime(value: unknown, path: string): string | undefined {
  if (value === "") return undefined;
  if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
    throw ScimError.invalidValue(`'${path}' must be an xsd:dateTime string.`);
  }
  return value;
}

function coerceString(value: unknown, path: string): string | undefined {
  if (typeof value === "string") return value === "" ? undefined : value; // stored exactly as sent (fixture creates-user-with-default-mappings)
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw ScimError.invalidValue(`'${path}' must be a string.`);
}
