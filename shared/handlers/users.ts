// /Users: one exported function per route. parse → protocol → store → protocol → response.
import { USER } from "../scim/resource-types";
import { coerceResource } from "../scim/coerce";
import { assertValidResource, parsePatchRequest, parseSearchRequest } from "../scim/validate";
import { normalizeOperations } from "../scim/patch/entra-dialect";
import { applyOperations } from "../scim/patch/apply";
import { parseProjection, project } from "../scim/project";
import { render, tagMatches } from "../scim/resource";
import { ScimError } from "../scim/errors";
import { StoredEntity } from "../store/resources";
import { HandlerContext } from "../http/pipeline";
import { readJsonBody } from "../http/body";
import { noContent, resourceResponse } from "../http/respond";
import { ScimResponse } from "../http/types";
import { listResources, searchFromQuery } from "./listing";
import { checkIfMatch, newResource, nextRevision, withOptimisticRetry } from "./writes";

const notFound = (id: string) => ScimError.notFound(`User ${id} not found.`);

function respondWith(ctx: HandlerContext, status: 200 | 201, entity: StoredEntity | ReturnType<typeof newResource>): ScimResponse {
  const query = ctx.req.url.searchParams;
  const projection = parseProjection(USER, query.get("attributes") ?? undefined, query.get("excludedAttributes") ?? undefined);
  return resourceResponse(status, project(USER, render(USER, ctx.baseUrl, entity), projection));
}

async function readUser(ctx: HandlerContext): Promise<StoredEntity> {
  const { users } = await ctx.store();
  const entity = await users.get(ctx.req.params.id);
  if (!entity) throw notFound(ctx.req.params.id);
  return entity;
}

/** POST /Users — 1 round trip: [user, userName index, externalId index] in one transaction. */
export async function createUser(ctx: HandlerContext): Promise<ScimResponse> {
  const doc = coerceResource(USER, readJsonBody(ctx.req, ctx.cfg.maxBodyBytes));
  assertValidResource(USER, doc);
  const resource = newResource(doc);
  const { users } = await ctx.store();
  await users.insert(resource);
  return respondWith(ctx, 201, resource);
}

/** GET /Users/{id} — 1 round trip. If-None-Match with the current version → 304. */
export async function getUser(ctx: HandlerContext): Promise<ScimResponse> {
  const entity = await readUser(ctx);
  const ifNoneMatch = ctx.req.header("if-none-match");
  if (ifNoneMatch && tagMatches(ifNoneMatch, entity.version)) return { status: 304, headers: { ETag: `W/"${entity.version}"` } };
  return respondWith(ctx, 200, entity);
}

/** GET /Users — an `eq` on id, userName or externalId is 1 round trip; other filters scan the tenant's users. */
export async function listUsers(ctx: HandlerContext): Promise<ScimResponse> {
  const { users } = await ctx.store();
  return listResources(ctx, USER, users, searchFromQuery(ctx.req.url.searchParams));
}

/** POST /Users/.search */
export async function searchUsers(ctx: HandlerContext): Promise<ScimResponse> {
  const search = parseSearchRequest(readJsonBody(ctx.req, ctx.cfg.maxBodyBytes));
  const { users } = await ctx.store();
  return listResources(ctx, USER, users, search);
}

/** PUT /Users/{id} — 2 round trips: read, then the conditional replace. */
export async function replaceUser(ctx: HandlerContext): Promise<ScimResponse> {
  const doc = coerceResource(USER, readJsonBody(ctx.req, ctx.cfg.maxBodyBytes));
  assertValidResource(USER, doc);
  const { users } = await ctx.store();
  const saved = await withOptimisticRetry(async () => {
    const previous = await readUser(ctx);
    checkIfMatch(ctx, previous);
    const next = nextRevision(previous, doc);
    await users.replace(previous, next);
    return next;
  });
  return respondWith(ctx, 200, saved);
}

/** PATCH /Users/{id} — 2 round trips: read, then the conditional replace (re-applied on a lost race). */
export async function patchUser(ctx: HandlerContext): Promise<ScimResponse> {
  const operations = normalizeOperations(USER, parsePatchRequest(readJsonBody(ctx.req, ctx.cfg.maxBodyBytes)));
  const { users } = await ctx.store();
  const saved = await withOptimisticRetry(async () => {
    const previous = await readUser(ctx);
    checkIfMatch(ctx, previous);
    const doc = applyOperations(previous.doc, operations);
    assertValidResource(USER, doc);
    const next = nextRevision(previous, doc);
    await users.replace(previous, next);
    return next;
  });
  return respondWith(ctx, 200, saved);
}

/** DELETE /Users/{id} — 2 round trips: read, then one transaction removing the user and its index rows. */
export async function deleteUser(ctx: HandlerContext): Promise<ScimResponse> {
  const { users, partition } = await ctx.store();
  const previous = await readUser(ctx);
  checkIfMatch(ctx, previous);
  await partition.submit(users.deleteActions(previous));
  return noContent();
}
