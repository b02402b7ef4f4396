// Turns a client-supplied value into the canonical stored shape of its attribute, exact about JSON types
// (RFC 7643 §2.3): a value of the wrong type is 400 invalidValue naming the attribute, never converted.
// The only leniencies are the shapes Entra is documented to send (its quirks Q2, Q6, Q8, Q14, Q20, named
// as in docs/architecture.md): "True"/"False" strings for booleans, nulls and "" as "no value" (fixtures
// creates-user-with-nulls-and-a-typoed-enterprise-urn, clears-attributes-with-empty-strings-lowercase,
// clears-attributes-with-nulls-capitalised), manager as a bare id or a one-element array
// (sets-manager-as-bare-string, sets-manager-as-ref-array, clears-manager-with-empty-string), roles as
// stringified JSON (adds-roles-as-stringified-json). Fixture names are files in tests/entra/fixtures/. Pure: no I/O.
import { AttributeDef, findAttribute } from "./schemas/attribute";
import { ResourceType, resolveAttribute, schemaUrn } from "./resource-types";
import { ScimError } from "./errors";
import { isBase64, isDateTime, isExactInteger, isUriReference, jsonType } from "./data-types";

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
    if (lower === "schemas") assertSchemas(value);
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
  if (isNoValue(value)) return undefined;
  if (attr.multiValued) {
    // Entra sends every multi-valued attribute as an array (Entra reference §1.2, §1.14, §1.15, Q20); a bare value or a
    // single object is not one of its shapes, and RFC 7643 §2.4 makes the value an array.
    if (!Array.isArray(value)) throw ScimError.invalidValue(`Attribute '${path}' is multi-valued and must be an array, got ${jsonType(value)}.`);
    const items = value.map((item) => coerceElement(attr, item, path)).filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (Array.isArray(value)) {
    // Entra sends manager as [{"$ref": …, "value": id}] (Q6, tutorial example 5, fixture sets-manager-as-ref-array);
    // the one-element array is unwrapped for every single-valued attribute (tests/unit/patch-apply.test.ts).
    if (value.length === 0) return undefined;
    if (value.length > 1) throw ScimError.invalidValue(`Attribute '${path}' is single-valued, got an array of ${value.length} values.`);
    return coerceSingle(attr, value[0], path);
  }
  return coerceSingle(attr, value, path);
}

/** null and "" mean "no value" wherever an attribute or sub-attribute value stands (Q8 in POST, Q6/Q14 in PATCH). */
const isNoValue = (value: unknown) => value === null || value === undefined || value === "";

/** One element of a multi-valued attribute's array: never null, an object when the attribute is complex. */
function coerceElement(attr: AttributeDef, item: unknown, path: string): unknown {
  if (item === null || (attr.type === "complex" && !isObject(item))) {
    const expected = attr.type === "complex" ? "an object" : TYPE_NAMES[attr.type];
    throw ScimError.invalidValue(`Every value of attribute '${path}' must be ${expected}, got ${jsonType(item)}.`);
  }
  return coerceSingle(attr, item, path);
}

/** Coerces one value (one element of a multi-valued attribute, or a sub-attribute). */
export function coerceSingle(attr: AttributeDef, value: unknown, path: string): unknown {
  if (isNoValue(value)) return undefined;
  switch (attr.type) {
    case "complex":
      return coerceComplex(attr, value, path);
    case "boolean":
      return coerceBoolean(value, path);
    case "integer":
      return coerceInteger(value, path);
    case "decimal":
      if (typeof value === "number" && Number.isFinite(value)) return value;
      throw wrongType(path, TYPE_NAMES.decimal, value);
    case "dateTime":
      return coerceFormatted(value, path, "dateTime", isDateTime, "an xsd:dateTime");
    case "reference":
      return coerceFormatted(value, path, "reference", isUriReference, "a URI (RFC 3986 allows no spaces or other unescaped characters)");
    case "binary":
      return coerceFormatted(value, path, "binary", isBase64, "base64 (RFC 4648)");
    case "string":
      // Stored exactly as sent (Q13, fixture creates-user-with-default-mappings); never a number's text.
      if (typeof value === "string") return value;
      throw wrongType(path, TYPE_NAMES.string, value);
  }
}

/** How a detail message names what an attribute of each type must be. */
const TYPE_NAMES: Record<AttributeDef["type"], string> = {
  string: "a string",
  boolean: "a boolean",
  integer: "an integer",
  decimal: "a number",
  dateTime: 'an xsd:dateTime string such as "2008-01-23T04:56:22Z"',
  reference: "a URI string",
  binary: "a base64 string",
  complex: "an object of sub-attributes",
};

const wrongType = (path: string, expected: string, value: unknown) =>
  ScimError.invalidValue(`Attribute '${path}' must be ${expected}, got ${jsonType(value)}.`);

function coerceComplex(attr: AttributeDef, value: unknown, path: string): ScimObject | undefined {
  const subs = attr.subAttributes ?? [];
  if (!isObject(value)) {
    // Entra sends manager as a bare id (Q6: fixtures sets-manager-as-bare-string, changes-manager-with-replace).
    if (!isManager(attr)) throw wrongType(path, TYPE_NAMES.complex, value);
    if (typeof value !== "string") {
      throw ScimError.invalidValue(`Attribute '${path}' must be an object with "value" (the manager's id), or the id as a string, got ${jsonType(value)}.`);
    }
    return { value };
  }
  if (attr.name === "roles") value = unpackRole(value);
  const out: ScimObject = {};
  for (const [key, v] of Object.entries(value as ScimObject)) {
    const sub = findAttribute(subs, key);
    if (!sub) throw ScimError.invalidSyntax(`'${key}' is not a sub-attribute of '${path}'.`);
    const coerced = coerceSingle(sub, v, `${path}.${sub.name}`);
    if (coerced !== undefined) out[sub.name] = coerced;
  }
  if (isManager(attr) && out.value === undefined) return undefined; // manager cleared with {"value": ""} (fixture clears-manager-with-empty-value-object)
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The enterprise manager (RFC 7643 §4.3): the one complex attribute Entra sends in bare and array forms (Q6). */
const isManager = (attr: AttributeDef) => attr.name === "manager" && !attr.multiValued;

/**
 * Entra's AppRoleAssignmentsComplex sends a role in PATCH as a JSON string inside "value" (Q20,
 * {"value": "{\"id\":…,\"value\":…,\"displayName\":…}"}, fixture adds-roles-as-stringified-json); POST sends real objects.
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
    // "True"/"False" from Entra's default mapping, any case from customised expressions (Q2: fixtures
    // disables-user-with-string-false, disables-user-with-lowercase-string-false, creates-user-with-active-as-string-true).
    const lower = value.toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
  }
  const got = typeof value === "string" ? 'a string other than "True" or "False"' : jsonType(value);
  throw ScimError.invalidValue(`Attribute '${path}' must be a boolean (true or false), got ${got}.`);
}

function coerceInteger(value: unknown, path: string): number {
  if (typeof value !== "number") throw wrongType(path, TYPE_NAMES.integer, value);
  if (!Number.isInteger(value)) throw ScimError.invalidValue(`Attribute '${path}' must be an integer, got a number with a fraction.`);
  if (!isExactInteger(value)) {
    throw ScimError.invalidValue(
      `Attribute '${path}' must be an integer between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}, got one beyond that.`,
    );
  }
  return value;
}

/** dateTime, reference and binary: a JSON string in the type's format, stored as sent. */
function coerceFormatted(value: unknown, path: string, type: AttributeDef["type"], valid: (text: string) => boolean, format: string): string {
  if (typeof value !== "string") throw wrongType(path, TYPE_NAMES[type], value);
  if (!valid(value)) throw ScimError.invalidValue(`Attribute '${path}' must be ${TYPE_NAMES[type]}, got a string that is not ${format}.`);
  return value;
}

/**
 * `schemas` (RFC 7643 §3) of a resource or of a PATCH value object: an array of strings. URNs this
 * server does not know are ignored (Q8: fixtures creates-user-with-nulls-and-a-typoed-enterprise-urn,
 * creates-group-with-adscim-schema-and-empty-members).
 */
export function assertSchemas(value: unknown, where = "schemas"): void {
  if (Array.isArray(value) && value.every((urn) => typeof urn === "string")) return;
  const got = Array.isArray(value) ? `an array holding ${jsonType(value.find((urn) => typeof urn !== "string"))}` : jsonType(value);
  throw ScimError.invalidSyntax(`'${where}' must be an array of schema URN strings, got ${got}.`);
}
