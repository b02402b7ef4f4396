// ServiceProviderConfig, ResourceTypes and Schemas (RFC 7643 §5–7), derived from the schema data.
// Pure: no I/O.
import { AttributeDef, SchemaDef } from "./schemas/attribute";
import { RESOURCE_TYPES, ResourceType } from "./resource-types";
import { RESOURCE_TYPE, SCHEMA, SERVICE_PROVIDER_CONFIG } from "./urns";
import { MAX_PAGE_SIZE } from "./list";
import { MAX_PATCH_OPERATIONS } from "./validate";
import { ScimObject } from "./coerce";

export function serviceProviderConfig(baseUrl: string, maxPayloadBytes: number): ScimObject {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG],
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
    // Not part of RFC 7643; documents this server's request limits for integrators.
    "urn:scim-functions:limits": { maxPayloadBytes, maxPatchOperations: MAX_PATCH_OPERATIONS },
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
    schemaExtensions: type.extensions.map((e) => ({ schema: e.id, required: false })),
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
