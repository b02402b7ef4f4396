// What Users and Groups do alike: GET by id (with If-None-Match → 304), list, search, and a document
// change (PUT/PATCH) that re-applies itself when another write wins the ETag race. The group-specific
// member paths (groups.ts) sit on top of these.
import type { ResourceType } from "../scim/resource-types";
import { ScimError } from "../scim/errors";
import { tagMatches, versionTag } from "../scim/resource";
import { parseSearchRequest } from "../scim/validate";
import type { Change, StoredEntity, TenantDirectory } from "../store";
import { readJsonBody } from "./body";
import { listResources, searchFromQuery } from "./listing";
import { resourceReply, storeOf } from "./render";
import { type Kind, checkIfMatch, directoryOf, typeOf } from "./tenant";
import type { Handler, HandlerContext, ScimResponse } from "./types";

export const notFound = (type: ResourceType, id: string) => ScimError.notFound(`${type.name} ${id} not found.`);

/** 1 round trip: the resource named by the route's {id}, or 404. */
export async function readOr404(ctx: HandlerContext, dir: TenantDirectory, type: ResourceType): Promise<StoredEntity> {
  const entity = await storeOf(dir, type).get(ctx.req.params.id ?? "");
  if (!entity) throw notFound(type, ctx.req.params.id ?? "");
  return entity;
}

/** GET /{type}/{id} — 1 round trip (+ the relation when returned). If-None-Match with the current version → 304. */
export const getResource =
  (kind: Kind): Handler =>
  async (ctx) => {
    const type = typeOf(ctx, kind);
    const dir = await directoryOf(ctx);
    const entity = await readOr404(ctx, dir, type);
    const ifNoneMatch = ctx.req.header("if-none-match");
    if (ifNoneMatch && tagMatches(ifNoneMatch, entity.version)) return { status: 304, headers: { ETag: versionTag(entity.version) } };
    return resourceReply(ctx, dir, type, 200, entity);
  };

/** GET /{type} — an `eq` on id or an indexed attribute is a point read; other filters scan the tenant's resources. */
export const listResourcesRoute =
  (kind: Kind): Handler =>
  (ctx) =>
    listResources(ctx, typeOf(ctx, kind), searchFromQuery(ctx.req.url.searchParams));

/** POST /{type}/.search */
export const searchResources =
  (kind: Kind): Handler =>
  (ctx) =>
    listResources(ctx, typeOf(ctx, kind), parseSearchRequest(readJsonBody(ctx)));

/**
 * A document change (PUT or PATCH without member changes): read, `change`, conditional replace — 2
 * round trips, re-applied on a lost ETag race; the client's If-Match is checked against every fresh read.
 */
export async function changeDocument(ctx: HandlerContext, type: ResourceType, change: Change): Promise<ScimResponse> {
  const dir = await directoryOf(ctx);
  const id = ctx.req.params.id ?? "";
  const saved = await storeOf(dir, type).update(id, (current) => {
    checkIfMatch(ctx, current);
    return change(current);
  });
  if (!saved) throw notFound(type, id);
  return resourceReply(ctx, dir, type, 200, saved);
}
