// /Users: one exported function per route. parse → protocol → store → protocol → response.
import { USER } from "../scim/resource-types";
import { coerceResource } from "../scim/coerce";
import { assertValidResource, parsePatchRequest, parseSearchRequest } from "../scim/validate";
import { normalizeOperations } from "../scim/patch/entra-dialect";
import { applyOperations } from "../scim/patch/apply";
import { tagMatches, versionTag } from "../scim/resource";
import { ScimError } from "../scim/errors";
import { StoredEntity, TenantStore } from "../store";
import { isResourceId } from "../store/resources";
import { HandlerContext } from "../http/pipeline";
import { readJsonBody } from "../http/body";
import { noContent } from "../http/respond";
import { ScimResponse } from "../http/types";
import { listResources, searchFromQuery } from "./listing";
import { resourceReply } from "./render";
import { checkIfMatch, newResource, nextRevision, withOptimisticRetry } from "./writes";

async function readUser(ctx: HandlerContext, store: TenantStore): Promise<StoredEntity> {
  const entity = await store.users.get(ctx.req.params.id);
  if (!entity) throw ScimError.notFound(`User ${ctx.req.params.id} not found.`);
  return entity;
}

/** POST /Users — 1 round trip: [user, userName index, externalId index] in one transaction. */
export async function createUser(ctx: HandlerContext): Promise<ScimResponse> {
  const doc = coerceResource(USER, readJsonBody(ctx.req, ctx.cfg.maxBodyBytes));
  assertValidResource(USER, doc);
  const resource = newResource(doc);
  const store = await ctx.store();
  await store.users.insert(resource);
  return resourceReply(ctx, store, USER, 201, resource);
}

/** GET /Users/{id} — 1 round trip (2 when `groups` is requested). If-None-Match with the current version → 304. */
export async function getUser(ctx: HandlerContext): Promise<ScimResponse> {
  const store = await ctx.store();
  const entity = await readUser(ctx, store);
  const ifNoneMatch = ctx.req.header("if-none-match");
  if (ifNoneMatch && tagMatches(ifNoneMatch, entity.version)) return { status: 304, headers: { ETag: versionTag(entity.version) } };
  return resourceReply(ctx, store, USER, 200, entity);
}

/** GET /Users — an `eq` on id, userName or externalId is 1 round trip; other filters scan the tenant's users. */
export async function listUsers(ctx: HandlerContext): Promise<ScimResponse> {
  return listResources(ctx, USER, searchFromQuery(ctx.req.url.searchParams));
}

/** POST /Users/.search */
export async function searchUsers(ctx: HandlerContext): Promise<ScimResponse> {
  return listResources(ctx, USER, parseSearchRequest(readJsonBody(ctx.req, ctx.cfg.maxBodyBytes)));
}

/** PUT /Users/{id} — 2 round trips: read, then the conditional replace. */
export async function replaceUser(ctx: HandlerContext): Promise<ScimResponse> {
  const doc = coerceResource(USER, readJsonBody(ctx.req, ctx.cfg.maxBodyBytes));
  assertValidResource(USER, doc);
  const store = await ctx.store();
  const saved = await withOptimisticRetry(async () => {
    const previous = await readUser(ctx, store);
    checkIfMatch(ctx, previous);
    const next = nextRevision(previous, doc);
    await store.users.replace(previous, next);
    return next;
  });
  return resourceReply(ctx, store, USER, 200, saved);
}

/** PATCH /Users/{id} — 2 round trips: read, then the conditional replace (re-applied on a lost race). */
export async function patchUser(ctx: HandlerContext): Promise<ScimResponse> {
  const operations = normalizeOperations(USER, parsePatchRequest(readJsonBody(ctx.req, ctx.cfg.maxBodyBytes)));
  const store = await ctx.store();
  const saved = await withOptimisticRetry(async () => {
    const previous = await readUser(ctx, store);
    checkIfMatch(ctx, previous);
    const doc = applyOperations(previous.doc, operations);
    assertValidResource(USER, doc);
    const next = nextRevision(previous, doc);
    await store.users.replace(previous, next);
    return next;
  });
  return resourceReply(ctx, store, USER, 200, saved);
}

/**
 * DELETE /Users/{id} — 4 round trips for a user in few groups: read, read its memberships, one
 * transaction removing them with the user and its index rows (more groups: ⌈g/50⌉ transactions, the
 * user's own rows last so a retry finishes a half-done delete), and a sweep read for racing adds.
 */
export async function deleteUser(ctx: HandlerContext): Promise<ScimResponse> {
  const store = await ctx.store();
  const previous = await store.users.get(ctx.req.params.id);
  if (!previous) {
    // Already gone: finish what an earlier, interrupted delete may have left (2 reads when nothing is).
    if (isResourceId(ctx.req.params.id)) await store.memberships.sweepUser(ctx.req.params.id);
    throw ScimError.notFound(`User ${ctx.req.params.id} not found.`);
  }
  checkIfMatch(ctx, previous);
  await store.memberships.deleteUser(previous.id, store.users.deleteActions(previous));
  return noContent();
}
