// /ServiceProviderConfig, /ResourceTypes, /Schemas (RFC 7644 §4), derived from the schema data. Public;
// a caller that authenticates sees its tenant's own schemas (custom extension, required attributes).
import { GROUP, type ResourceType, USER } from "../scim/resource-types";
import { DISCOVERY_SCHEMAS, allSchemas, resourceTypeResource, schemaResource, serviceProviderConfig } from "../scim/discovery";
import { schemasWithPolicy } from "../scim/policy";
import type { SchemaDef } from "../scim/schemas/attribute";
import { listResponse } from "../scim/list";
import { ScimError } from "../scim/errors";
import { HandlerContext, ScimResponse, ok } from "./types";

const resourceTypes = (ctx: HandlerContext): ResourceType[] => (ctx.tenant ? [ctx.tenant.types.User, ctx.tenant.types.Group] : [USER, GROUP]);

/** What /Schemas serves: the (tenant's) resource schemas, then those of the discovery documents themselves. */
const servedSchemas = (ctx: HandlerContext): SchemaDef[] => [
  ...(ctx.tenant ? schemasWithPolicy(ctx.tenant.types, ctx.tenant.policy) : allSchemas()),
  ...DISCOVERY_SCHEMAS,
];

export async function getServiceProviderConfig(ctx: HandlerContext): Promise<ScimResponse> {
  return ok(serviceProviderConfig(ctx.baseUrl, ctx.maxBodyBytes));
}

export async function listResourceTypes(ctx: HandlerContext): Promise<ScimResponse> {
  const all = resourceTypes(ctx).map((t) => resourceTypeResource(t, ctx.baseUrl));
  return ok(listResponse(all, all.length, 1));
}

export async function getResourceType(ctx: HandlerContext): Promise<ScimResponse> {
  const type = resourceTypes(ctx).find((t) => t.name.toLowerCase() === (ctx.req.params.id ?? "").toLowerCase());
  if (!type) throw ScimError.notFound(`ResourceType ${ctx.req.params.id ?? ""} not found.`);
  return ok(resourceTypeResource(type, ctx.baseUrl));
}

export async function listSchemas(ctx: HandlerContext): Promise<ScimResponse> {
  const all = servedSchemas(ctx).map((s) => schemaResource(s, ctx.baseUrl));
  return ok(listResponse(all, all.length, 1));
}

export async function getSchema(ctx: HandlerContext): Promise<ScimResponse> {
  const schema = servedSchemas(ctx).find((s) => s.id.toLowerCase() === (ctx.req.params.id ?? "").toLowerCase());
  if (!schema) throw ScimError.notFound(`Schema ${ctx.req.params.id ?? ""} not found.`);
  return ok(schemaResource(schema, ctx.baseUrl));
}
