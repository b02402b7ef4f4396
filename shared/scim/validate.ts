// ajv validators compiled from the attribute definitions (stored resources) and for the PatchOp and
// SearchRequest messages. Pure: no I/O.
import type Ajv from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";
import type { AttributeDef } from "./schemas/attribute";
import type { ResourceType } from "./resource-types";
import { ScimError } from "./errors";
import { isBase64, isDateTime, isUriReference, jsonType } from "./data-types";

// Each validator is compiled on its first use, not at import: compiling all four at import cost ~35 ms
// of every cold start (~30 ms of it the User schema, ajv's first compile), and an instance answering
// only Test Connection and GETs needs none. ajv's standalone code generated at build time was measured
// too: 85 KB that load in ~2 ms, and ajv's 250 KB out of the bundle (~5 ms less at import), but it needs
// a generated module that jest, tsc and the bundle all read. Compiled lazily, with one code path, the
// first request needing a validator pays its compile, once per instance — and ajv itself is required
// then, so an instance that validates nothing never evaluates it.
let ajv: Ajv | undefined;
const compile = (schema: JsonSchema): ValidateFunction => (ajv ??= newAjv()).compile(schema);

/** The formats of RFC 7643 §2.3 data types, with the predicates coercion uses (so the two agree). */
function newAjv(): Ajv {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (cold start)
  const { default: AjvClass } = require("ajv") as { default: typeof Ajv };
  const instance = new AjvClass({ allErrors: false, strict: false, verbose: true });
  instance.addFormat("scim-dateTime", { type: "string", validate: isDateTime });
  instance.addFormat("scim-reference", { type: "string", validate: isUriReference });
  instance.addFormat("scim-binary", { type: "string", validate: isBase64 });
  return instance;
}

/** A validator compiled on first call. */
function lazy(schema: JsonSchema): () => ValidateFunction {
  let validate: ValidateFunction | undefined;
  return () => (validate ??= compile(schema));
}

/** Operations per PATCH (advertised in ServiceProviderConfig); members inside one operation are not counted. */
export const MAX_PATCH_OPERATIONS = 1000;

type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema of a stored attribute value: exactly what coercion produces (coerce.ts), so a value
 * coercion let through validates, and a canonical value that validates comes through coercion unchanged.
 * Coercion never stores "", null, [] or {} (they mean "no value"), hence minLength/minItems/minProperties.
 */
function attributeSchema(attr: AttributeDef): JsonSchema {
  let single: JsonSchema;
  switch (attr.type) {
    case "complex": {
      const properties: Record<string, JsonSchema> = {};
      for (const sub of attr.subAttributes ?? []) properties[sub.name] = attributeSchema(sub);
      single = { type: "object", properties, additionalProperties: false, minProperties: 1 };
      break;
    }
    case "boolean":
      single = { type: "boolean" };
      break;
    case "integer":
      single = { type: "integer", minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };
      break;
    case "decimal":
      single = { type: "number" };
      break;
    case "dateTime":
    case "reference":
    case "binary":
      single = { type: "string", minLength: 1, format: `scim-${attr.type}` };
      break;
    case "string":
      single = { type: "string", minLength: 1 };
  }
  return attr.multiValued ? { type: "array", items: single, minItems: 1 } : single;
}

function resourceSchema(type: ResourceType): JsonSchema {
  const block = (attributes: AttributeDef[]) => {
    const properties: Record<string, JsonSchema> = {};
    for (const attr of attributes) properties[attr.name] = attributeSchema(attr);
    const required = attributes.filter((a) => a.required).map((a) => a.name);
    return { type: "object", properties, required, additionalProperties: false };
  };
  const core = block(type.schema.attributes) as { properties: Record<string, JsonSchema> };
  core.properties.schemas = { type: "array", items: { type: "string" } };
  for (const ext of type.extensions) core.properties[ext.id] = block(ext.attributes);
  return core;
}

// Keyed by the type object: a tenant whose policy adds a custom extension has a User type of its own
// (scim/policy.ts tenantTypes gives the same object for the same policy, so its validator is reused).
const resourceValidators = new WeakMap<ResourceType, ValidateFunction>();

function resourceValidator(type: ResourceType): ValidateFunction {
  let validate = resourceValidators.get(type);
  if (!validate) resourceValidators.set(type, (validate = compile(resourceSchema(type))));
  return validate;
}

/** Where an ajv error is, in SCIM path spelling: `emails[1].value`, `urn:…:User:manager.value`, `Operations[0].op`. */
function location(instancePath: string): string {
  const segments = instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  let out = "";
  for (const [i, segment] of segments.entries()) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else if (i === 1 && segments[0]?.toLowerCase().startsWith("urn:")) out += `:${segment}`;
    else out += out === "" ? segment : `.${segment}`;
  }
  return out;
}

function describe(errors: ErrorObject[] | null | undefined, root: string): string {
  const e = errors?.[0];
  if (!e) return "invalid";
  const where = location(e.instancePath);
  const attribute = where === "" ? root : `'${where}'`;
  switch (e.keyword) {
    case "required":
      return `'${where === "" ? "" : `${where}.`}${(e.params as { missingProperty: string }).missingProperty}' is required`;
    case "additionalProperties":
      return `'${(e.params as { additionalProperty: string }).additionalProperty}' is not allowed in ${attribute}`;
    case "format":
      return `${attribute} is not ${FORMAT_NAMES[(e.params as { format: string }).format] ?? "well-formed"}`;
    case "type": {
      const types = ([] as string[]).concat((e.params as { type: string | string[] }).type);
      return `${attribute} must be ${types.map((t) => JSON_TYPE_NAMES[t] ?? t).join(" or ")}, got ${jsonType(e.data)}`;
    }
    case "minLength":
    case "minItems":
    case "minProperties":
      return `${attribute} must not be empty`;
    default:
      return `${attribute} ${String(e.message)}`;
  }
}

const JSON_TYPE_NAMES: Record<string, string> = {
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "a boolean",
  object: "an object",
  array: "an array",
  null: "null",
};

const FORMAT_NAMES: Record<string, string> = {
  "scim-dateTime": "an xsd:dateTime",
  "scim-reference": "a URI (RFC 3986)",
  "scim-binary": "base64 (RFC 4648)",
};

/** Asserts a canonical resource is complete and well-typed (after coercion or PATCH). */
export function assertValidResource(type: ResourceType, resource: unknown): void {
  const validate = resourceValidator(type);
  if (!validate(resource)) throw ScimError.invalidValue(`${type.name} is invalid: ${describe(validate.errors, "the resource")}.`);
}

const patchOpSchema = {
  type: "object",
  required: ["Operations"],
  properties: {
    schemas: { type: "array", items: { type: "string" } },
    Operations: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["op"],
        properties: { op: { type: "string" }, path: { type: ["string", "null"] } },
      },
    },
  },
};
const patchOpValidator = lazy(patchOpSchema);

export interface RawPatchOperation {
  op: string;
  path?: string | null;
  value?: unknown;
}

/** PatchOp message (RFC 7644 §3.5.2): Operations is a non-empty array of {op, path?, value?}. */
export function parsePatchRequest(body: unknown): RawPatchOperation[] {
  const validatePatchOp = patchOpValidator();
  if (!validatePatchOp(body)) throw ScimError.invalidSyntax(`PatchOp request is invalid: ${describe(validatePatchOp.errors, "the body")}.`);
  const operations = (body as { Operations: RawPatchOperation[] }).Operations;
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw ScimError.payloadTooLarge(`A PATCH carries at most ${MAX_PATCH_OPERATIONS} operations; this one has ${operations.length}.`);
  }
  return operations;
}

const searchSchema = {
  type: "object",
  properties: {
    schemas: { type: "array", items: { type: "string" } },
    filter: { type: "string" },
    startIndex: { type: "integer" },
    count: { type: "integer" },
    attributes: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
    excludedAttributes: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
    sortBy: { type: "string" },
    sortOrder: { type: "string" },
  },
};
const searchValidator = lazy(searchSchema);

export interface SearchRequest {
  filter?: string;
  startIndex?: number | string;
  count?: number | string;
  attributes?: string | string[];
  excludedAttributes?: string | string[];
  sortBy?: string;
}

/** SearchRequest message of POST /.search (RFC 7644 §3.4.3). */
export function parseSearchRequest(body: unknown): SearchRequest {
  const validateSearch = searchValidator();
  if (!validateSearch(body)) throw ScimError.invalidSyntax(`SearchRequest is invalid: ${describe(validateSearch.errors, "the body")}.`);
  return body as SearchRequest;
}
