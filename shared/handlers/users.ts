// /Users: what each route does. parse → protocol → store intent → protocol → response.
import { coerceResource } from "../scim/coerce";
import { assertValidResource, parsePatchRequest } from "../scim/validate";
import { normalizeOperations } from "../scim/patch/entra-dialect";
import { applyOperations } from "../scim/patch/apply";
import { readJsonBody } from "./body";
import { changeDocument, getResource, listResourcesRoute, notFound, searchResources } from "./resources";
import { resourceReply } from "./render";
import { checkIfMatch, checkRequired, directoryOf, typeOf, unknownAttributes } from "./tenant";
import { type Handler, noContent } from "./types";

/**
 * POST /Users — 1 round trip: [user, userName index, externalId index] in one transaction. A taken
 * userName is 409 uniqueness, also for a second POST of the same user: RFC 7644 §3.3, and what
 * Microsoft's and Okta's validators check (tests/http/peer-suites.test.ts). (The SDK's replay of this
 * request's own transaction is recognised by the store and answers 201.)
 */
export const createUser: Handler = async (ctx) => {
  const type = typeOf(ctx, "User");
  const doc = coerceResource(type, readJsonBody(ctx), unknownAttributes(ctx));
  assertValidResource(type, doc);
  checkRequired(ctx, type, doc);
  const dir = await directoryOf(ctx);
  return resourceReply(ctx, dir, type, 201, await dir.users.create(doc));
};

export const getUser = getResource("User");
export const listUsers = listResourcesRoute("User");
export const searchUsers = searchResources("User");

/** PUT /Users/{id} — 2 round trips: read, then the conditional replace. */
export const replaceUser: Handler = async (ctx) => {
  const type = typeOf(ctx, "User");
  const doc = coerceResource(type, readJsonBody(ctx), unknownAttributes(ctx));
  assertValidResource(type, doc);
  checkRequired(ctx, type, doc);
  return changeDocument(ctx, type, () => doc);
};

/** PATCH /Users/{id} — 2 round trips: read, then the conditional replace (re-applied on a lost race). */
export const patchUser: Handler = async (ctx) => {
  const type = typeOf(ctx, "User");
  const operations = normalizeOperations(type, parsePatchRequest(readJsonBody(ctx)), unknownAttributes(ctx));
  return changeDocument(ctx, type, (current) => {
    const doc = applyOperations(current.doc, operations);
    assertValidResource(type, doc);
    checkRequired(ctx, type, doc);
    return doc;
  });
};

/**
 * DELETE /Users/{id} — 4 round trips for a user in few groups: read, read its memberships, one
 * transaction removing them with the user and its index rows, a sweep read for racing adds.
 */
export const deleteUser: Handler = async (ctx) => {
  const dir = await directoryOf(ctx);
  const id = ctx.req.params.id ?? "";
  if (!(await dir.users.delete(id, (current) => checkIfMatch(ctx, current)))) throw notFound(typeOf(ctx, "User"), id);
  return noContent();
};
