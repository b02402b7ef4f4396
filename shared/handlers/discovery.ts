// /ServiceProviderConfig, /ResourceTypes, /Schemas: public (RFC 7644 §4), derived from the schema data.
import { RESOURCE_TYPES } from "../scim/resource-types";
import { DISCOVERY_SCHEMAS, allSchemas, resourceTypeResource, schemaResource, serviceProviderConfig } from "../scim/discovery";
import { listResponse } from "../scim/list";
import { ScimError } from "../scim/errors";
import { HandlerContext, ScimResponse, ok } from "./types";

/** What /Schemas serves: the resource schemas, then those of the discovery documents themselves. */
const servedSchemas = () => [...allSchemas(), ...DISCOVERY_SCHEMAS];

export async function getServiceProviderConfig(ctx: HandlerContext): Promise<ScimResponse> {
  return ok(serviceProviderConfig(ctx.baseUrl, ctx.maxBodyBytes));
}

export async function listResourceTypes(ctx: HandlerContext): Promise<ScimResponse> {
  const all = RESOURCE_TYPES.map((t) => resourceTypeResource(t, ctx.baseUrl));
  return ok(listResponse(all, all.length, 1));
}

export async function getResourceType(ctx: HandlerContext): Promise<ScimResponse> {
  const type = RESOURCE_TYPES.find((t) => t.name.toLowerCase() === (ctx.req.params.id ?? "").toLowerCase());
  if (!type) throw ScimError.notFound(`ResourceType ${ctx.req.params.id ?? ""} not found.`);
  return ok(resourceTypeResource(type, ctx.baseUrl));
}

export async function listSchemas(ctx: HandlerContext): Promise<ScimResponse> {
  const all = servedSchemas().map((s) => schemaResource(s, ctx.baseUrl));
  return ok(listResponse(all, all.length, 1));
}

export async function getSchema(ctx: HandlerContext): Promise<ScimResponse> {
  const schema = servedSchemas().find((s) => s.id.toLowerCase() === (ctx.req.params.id ?? "").toLowerCase());
  if (!schema) throw ScimError.notFound(`Schema ${ctx.req.params.id ?? ""} not found.`);
  return ok(schemaResource(schema, ctx.baseUrl));
}
