// ServiceProviderConfig, ResourceTypes and Schemas (RFC 7643 §5–7), derived from the schema data.
// Every document carries only attributes of the schemas it lists, and /Schemas defines each of them, so
// a client that validates responses against /Schemas accepts them. Pure: no I/O.
import { AttributeDef, AttributeType, SchemaDef, bool, complex, ref, str } from "./schemas/attribute";
import { RESOURCE_TYPES, ResourceType } from "./resource-types";
import { RESOURCE_TYPE, SCHEMA, SERVICE_PROVIDER_CONFIG } from "./urns";
import { MAX_PAGE_SIZE } from "./list";
import { MAX_PATCH_OPERATIONS } from "./validate";
import { ScimObject } from "./coerce";

/**
 * This server's request limits, an extension of ServiceProviderConfig (RFC 7643 §3.3): listed in the
 * document's `schemas` and defined in /Schemas. RFC 7643 §5 has no field for them: `bulk.maxPayloadSize`
 * limits a Bulk request (Bulk is not supported here) and nothing counts the operations of one PATCH. The
 * URN is the key the limits have always been published under, so integrators reading it keep working.
 */
export const LIMITS_EXTENSION = "urn:scim-functions:limits";

export function serviceProviderConfig(baseUrl: string, maxPayloadBytes: number): ScimObject {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG, LIMITS_EXTENSION],
    documentationUri: "https://github.com/scim-functions/scim-functions#readme",
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE_SIZE },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "OAuth Bearer Token",
        description: "A Secret Token or an OAuth 2.0 access token in the Authorization header (Bearer).",
        specUri: "https://www.rfc-editor.org/rfc/rfc6750",
        primary: true,
      },
    ],
    meta: { resourceType: "ServiceProviderConfig", location: `${baseUrl}/ServiceProviderConfig` },
    [LIMITS_EXTENSION]: { maxPayloadBytes, maxPatchOperations: MAX_PATCH_OPERATIONS },
  };
}

export function resourceTypeResource(type: ResourceType, baseUrl: string): ScimObject {
  return {
    schemas: [RESOURCE_TYPE],
    id: type.name,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema.id,
    // Omitted when there are none (Group): RFC 7643 §2.5, an empty multi-valued attribute is unassigned.
    ...(type.extensions.length > 0 ? { schemaExtensions: type.extensions.map((e) => ({ schema: e.id, required: false })) } : {}),
    meta: { resourceType: "ResourceType", location: `${baseUrl}/ResourceTypes/${type.name}` },
  };
}

function attributeResource(attr: AttributeDef): ScimObject {
  const out: ScimObject = {
    name: attr.name,
    type: attr.type,
    multiValued: attr.multiValued,
    description: attr.description,
    required: attr.required,
    caseExact: attr.caseExact,
    mutability: attr.mutability,
    returned: attr.returned,
    uniqueness: attr.uniqueness,
  };
  if (attr.canonicalValues?.length) out.canonicalValues = attr.canonicalValues;
  if (attr.referenceTypes) out.referenceTypes = attr.referenceTypes;
  if (attr.subAttributes) out.subAttributes = attr.subAttributes.map(attributeResource);
  return out;
}

export function schemaResource(schema: SchemaDef, baseUrl: string): ScimObject {
  return {
    schemas: [SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    // id is a common attribute (RFC 7643 §3.1) and not declared; externalId is, because Entra's gallery
    // validation looks up every mapped attribute in /Schemas.
    attributes: schema.attributes.filter((a) => a.name !== "id").map(attributeResource),
    meta: { resourceType: "Schema", location: `${baseUrl}/Schemas/${schema.id}` },
  };
}

export function allSchemas(): SchemaDef[] {
  const seen = new Map<string, SchemaDef>();
  for (const type of RESOURCE_TYPES) for (const s of [type.schema, ...type.extensions]) seen.set(s.id, s);
  return [...seen.values()];
}

// The schemas of the discovery documents themselves (RFC 7643 §8.7.2) and of the limits extension, so
// /Schemas defines every attribute /ServiceProviderConfig, /ResourceTypes and /Schemas answer with. All
// read-only: a client never writes them.
type Options = Partial<Omit<AttributeDef, "name" | "type" | "description">>;
const RO = { mutability: "readOnly" } as const;
const typed = (type: AttributeType, name: string, description: string, options: Options = {}): AttributeDef => ({
  ...str(name, description, { ...RO, ...options }),
  type,
});
const supported = (name: string, description: string, more: AttributeDef[] = []) =>
  complex(name, description, [bool("supported", "Whether the operation is supported.", { ...RO, required: true }), ...more], { ...RO, required: true });

const serviceProviderConfigSchema: SchemaDef = {
  id: SERVICE_PROVIDER_CONFIG,
  name: "Service Provider Configuration",
  description: "Schema for representing the service provider's configuration",
  attributes: [
    ref("documentationUri", "An HTTP-addressable URL pointing to the service provider's human-consumable help documentation.", ["external"], RO),
    supported("patch", "A complex type that specifies PATCH configuration options."),
    supported("bulk", "A complex type that specifies bulk configuration options.", [
      typed("integer", "maxOperations", "An integer value specifying the maximum number of operations.", { required: true }),
      typed("integer", "maxPayloadSize", "An integer value specifying the maximum payload size in bytes.", { required: true }),
    ]),
    supported("filter", "A complex type that specifies FILTER options.", [
      typed("integer", "maxResults", "An integer value specifying the maximum number of resources returned in a response.", { required: true }),
    ]),
    supported("changePassword", "A complex type that specifies configuration options related to changing a password."),
    supported("sort", "A complex type that specifies sort result options."),
    supported("etag", "A complex type that specifies ETag configuration options."),
    complex(
      "authenticationSchemes",
      "A complex type that specifies supported authentication scheme properties.",
      [
        str("type", "The authentication scheme.", {
          ...RO,
          required: true,
          canonicalValues: ["oauth", "oauth2", "oauthbearertoken", "httpbasic", "httpdigest"],
        }),
        str("name", "The common authentication scheme name, e.g., HTTP Basic.", { ...RO, required: true }),
        str("description", "A description of the authentication scheme.", { ...RO, required: true }),
        ref("specUri", "An HTTP-addressable URL pointing to the authentication scheme's specification.", ["external"], RO),
        ref("documentationUri", "An HTTP-addressable URL pointing to the authentication scheme's usage documentation.", ["external"], RO),
        // RFC 7643 §2.4's sub-attribute of every multi-valued attribute, as in the §8.5 example.
        bool("primary", "Whether this is the preferred authentication scheme.", RO),
      ],
      { ...RO, multiValued: true, required: true },
    ),
  ],
};

const resourceTypeSchema: SchemaDef = {
  id: RESOURCE_TYPE,
  name: "ResourceType",
  description: "Specifies the schema that describes a SCIM resource type",
  attributes: [
    str("name", "The resource type name.", { ...RO, required: true }),
    str("description", "The resource type's human-readable description.", RO),
    ref("endpoint", "The resource type's HTTP-addressable endpoint relative to the Base URL, e.g., '/Users'.", ["uri"], { ...RO, required: true }),
    ref("schema", "The resource type's primary/base schema URI.", ["uri"], { ...RO, required: true, caseExact: true }),
    complex(
      "schemaExtensions",
      "A list of URIs of the resource type's schema extensions.",
      [
        ref("schema", "The URI of a schema extension.", ["uri"], { ...RO, required: true, caseExact: true }),
        bool("required", "Whether a resource of this type must include this schema extension.", { ...RO, required: true }),
      ],
      { ...RO, multiValued: true },
    ),
  ],
};

/** The characteristics of one attribute (RFC 7643 §7), shared by `attributes` and `subAttributes`. */
function characteristics(): AttributeDef[] {
  return [
    str("name", "The attribute's name.", { ...RO, required: true, caseExact: true }),
    str("type", "The attribute's data type.", {
      ...RO,
      required: true,
      canonicalValues: ["string", "complex", "boolean", "decimal", "integer", "dateTime", "reference", "binary"],
    }),
    bool("multiValued", "A Boolean value indicating an attribute's plurality.", { ...RO, required: true }),
    str("description", "A human-readable description of the attribute.", RO),
    bool("required", "A boolean value indicating whether or not the attribute is required.", RO),
    str("canonicalValues", "A collection of canonical values.", { ...RO, multiValued: true }),
    bool("caseExact", "A Boolean value indicating whether or not a string attribute is case sensitive.", RO),
    str("mutability", "Indicates whether or not an attribute is modifiable.", { ...RO, canonicalValues: ["readOnly", "readWrite", "immutable", "writeOnly"] }),
    str("returned", "Indicates when an attribute is returned in a response.", { ...RO, canonicalValues: ["always", "never", "default", "request"] }),
    str("uniqueness", "Indicates how unique a value must be.", { ...RO, canonicalValues: ["none", "server", "global"] }),
    str("referenceTypes", "Used only with an attribute of type 'reference'.", { ...RO, multiValued: true }),
  ];
}

const schemaSchema: SchemaDef = {
  id: SCHEMA,
  name: "Schema",
  description: "Specifies the schema attribute",
  attributes: [
    str("name", "The schema's human-readable name.", RO),
    str("description", "The schema's human-readable description.", RO),
    complex(
      "attributes",
      "A complex attribute that includes the attributes of a schema.",
      [
        ...characteristics(),
        complex("subAttributes", "Used to define the sub-attributes of a complex attribute.", characteristics(), { ...RO, multiValued: true }),
      ],
      { ...RO, multiValued: true, required: true },
    ),
  ],
};

const limitsSchema: SchemaDef = {
  id: LIMITS_EXTENSION,
  name: "Limits",
  description: "Request limits of this service provider, beyond those RFC 7643 §5 defines.",
  attributes: [
    typed("integer", "maxPayloadBytes", "The largest request body accepted, in bytes; a larger one is answered 413."),
    typed("integer", "maxPatchOperations", "The most operations one PATCH request may carry; more are answered 413."),
  ],
};

/** The schemas of the discovery documents and the limits extension (after the resource schemas in /Schemas). */
export const DISCOVERY_SCHEMAS: readonly SchemaDef[] = [serviceProviderConfigSchema, resourceTypeSchema, schemaSchema, limitsSchema];
