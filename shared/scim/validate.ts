// ajv validators compiled from the attribute definitions (stored resources) and for the PatchOp and
// SearchRequest messages. Pure: no I/O.
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import type { AttributeDef } from "./schemas/attribute";
import type { ResourceType } from "./resource-types";
import { ScimError } from "./errors";

// Each validator is compiled on its first use, not at import: compiling all four at import cost ~35 ms
// of every cold start (~30 ms of it the User schema, ajv's first compile), and an instance answering
// only Test Connection and GETs needs none. ajv's standalone code generated at build time was measured
// too: 85 KB that load in ~2 ms, and ajv's 250 KB out of the bundle (~5 ms less at import), but it needs
// a generated module that jest, tsc and the bundle all read. Compiled lazily, with one code path, the
// first request needing a validator pays its compile, once per instance.
let ajv: Ajv | undefined;
const compile = (schema: JsonSchema): ValidateFunction => (ajv ??= new Ajv({ allErrors: false, strict: false })).compile(schema);

/** A validator compiled on first call. */
function lazy(schema: JsonSchema): () => ValidateFunction {
  let validate: ValidateFunction | undefined;
  return () => (validate ??= compile(schema));
}

/** Operations per PATCH (advertised in ServiceProviderConfig); members inside one operation are not counted. */
export const MAX_PATCH_OPERATIONS = 1000;

type JsonSchema = Record<string, unknown>;

function attributeSchema(attr: AttributeDef): JsonSchema {
  let single: JsonSchema;
  switch (attr.type) {
    case "complex": {
      const properties: Record<string, JsonSchema> = {};
      for (const sub of attr.subAttributes ?? []) properties[sub.name] = attributeSchema(sub);
      single = { type: "object", properties, additionalProperties: false };
      break;
    }
    case "boolean":
      single = { type: "boolean" };
      break;
    case "integer":
      single = { type: "integer" };
      break;
    case "decimal":
      single = { type: "number" };
      break;
    default:
      single = { type: "string", minLength: 1 };
  }
  return attr.multiValued ? { type: "array", items: single } : single;
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

function describe(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return "invalid";
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, ".") : "resource";
  if (e.keyword === "required") return `'${(e.params as { missingProperty: string }).missingProperty}' is required`;
  if (e.keyword === "additionalProperties") return `'${(e.params as { additionalProperty: string }).additionalProperty}' is not allowed in '${where}'`;
  return `'${where}' ${String(e.message)}`;
}

/** Asserts a canonical resource is complete and well-typed (after coercion or PATCH). */
export function assertValidResource(type: ResourceType, resource: unknown): void {
  const validate = resourceValidator(type);
  if (!validate(resource)) throw ScimError.invalidValue(`${type.name} is invalid: ${describe(validate.errors)}.`);
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
  if (!validatePatchOp(body)) throw ScimError.invalidSyntax(`PatchOp request is invalid: ${describe(validatePatchOp.errors)}.`);
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
    startIndex: { type: ["integer", "string"] },
    count: { type: ["integer", "string"] },
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
  if (!validateSearch(body)) throw ScimError.invalidSyntax(`SearchRequest is invalid: ${describe(validateSearch.errors)}.`);
  return body as SearchRequest;
}
