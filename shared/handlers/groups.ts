// /Groups: one exported function per route. Members never travel inside the group row: they are
// membership rows changed as deltas (store/members.ts), so a PATCH neither reads nor rewrites the
// member list, and a group of 100,000 members costs the same to rename as a group of one.
import { GROUP } from "../scim/resource-types";
import { ScimObject, coerceResource, isObject } from "../scim/coerce";
import { assertValidResource, parsePatchRequest, parseSearchRequest } from "../scim/validate";
import { normalizeOperations } from "../scim/patch/entra-dialect";
import { applyOperations } from "../scim/patch/apply";
import { isMemberOperation, memberDelta, membersOf, needsCurrentMembers } from "../scim/patch/members";
import { tagMatches, versionTag } from "../scim/resource";
import { ScimError } from "../scim/errors";
import { MemberRef, StoredEntity, TenantStore } from "../store";
import { HandlerContext } from "../http/pipeline";
import { readJsonBody } from "../http/body";
import { noContent } from "../http/respond";
import { ScimResponse } from "../http/types";
import { listResources, searchFromQuery } from "./listing";
import { resourceReply } from "./render";
import { checkIfMatch, newResource, nextRevision, withOptimisticRetry } from "./writes";

async function readGroup(ctx: HandlerContext, store: TenantStore): Promise<StoredEntity> {
  const entity = await store.groups.get(ctx.req.params.id);
  if (!entity) throw ScimError.notFound(`Group ${ctx.req.params.id} not found.`);
  return entity;
}

/** The members to add, each checked to exist in this tenant (1–2 keys-only reads per id); else 400 invalidValue. */
async function resolveMembers(store: TenantStore, ids: string[], groupId: string, groupExists = false): Promise<MemberRef[]> {
  if (ids.includes(groupId)) throw ScimError.invalidValue("A group cannot be a member of itself.");
  const { found, missing } = await store.memberships.typesOf([...new Set(ids)]);
  if (missing.length > 0) {
    // Before blaming the members, make sure the group itself exists (a PATCH of an unknown group is a 404).
    if (!groupExists && !(await store.groups.exists(groupId))) throw ScimError.notFound(`Group ${groupId} not found.`);
    const shown = missing.slice(0, 5).join(", ") + (missing.length > 5 ? `, … (${missing.length} in all)` : "");
    throw ScimError.invalidValue(`No User or Group with id ${shown} exists; nothing was changed.`);
  }
  return found;
}

/** A POST/PUT body split into the group document and its member ids (undefined: `members` not sent). */
function splitBody(ctx: HandlerContext): { doc: ScimObject; memberIds?: string[] } {
  const body = readJsonBody(ctx.req, ctx.cfg.maxBodyBytes);
  const doc = coerceResource(GROUP, body);
  assertValidResource(GROUP, doc);
  const sent = isObject(body) && Object.keys(body).some((k) => k.toLowerCase() === "members");
  const memberIds = membersOf(doc);
  delete doc.members;
  return { doc, memberIds: sent ? memberIds : undefined };
}

/** POST /Groups — 1 transaction (group, index rows, first 48 members), then ⌈rest/49⌉ for a large member list. */
export async function createGroup(ctx: HandlerContext): Promise<ScimResponse> {
  const { doc, memberIds = [] } = splitBody(ctx);
  const resource = newResource(doc);
  const store = await ctx.store();
  const members = await resolveMembers(store, memberIds, resource.id, true);
  await store.memberships.apply(resource.id, { add: members, remove: [] }, store.groups.insertActions(resource));
  return resourceReply(ctx, store, GROUP, 201, resource, members);
}

/** GET /Groups/{id} — 1 round trip with excludedAttributes=members; else + ⌈members/1000⌉, streamed. */
export async function getGroup(ctx: HandlerContext): Promise<ScimResponse> {
  const store = await ctx.store();
  const entity = await readGroup(ctx, store);
  const ifNoneMatch = ctx.req.header("if-none-match");
  if (ifNoneMatch && tagMatches(ifNoneMatch, entity.version)) return { status: 304, headers: { ETag: versionTag(entity.version) } };
  return resourceReply(ctx, store, GROUP, 200, entity);
}

/** GET /Groups — `displayName eq` / `externalId eq` are 2 point reads; `id eq` 1. */
export async function listGroups(ctx: HandlerContext): Promise<ScimResponse> {
  return listResources(ctx, GROUP, searchFromQuery(ctx.req.url.searchParams));
}

/** POST /Groups/.search */
export async function searchGroups(ctx: HandlerContext): Promise<ScimResponse> {
  return listResources(ctx, GROUP, parseSearchRequest(readJsonBody(ctx.req, ctx.cfg.maxBodyBytes)));
}

/**
 * PUT /Groups/{id} — read, then the conditional replace. When the body carries `members`, the member
 * set becomes exactly that (the current members are read to work out the delta); when it does not,
 * the members are left alone rather than wiped.
 */
export async function replaceGroup(ctx: HandlerContext): Promise<ScimResponse> {
  const { doc, memberIds } = splitBody(ctx);
  const store = await ctx.store();
  const saved = await withOptimisticRetry(async () => {
    const previous = await readGroup(ctx, store);
    checkIfMatch(ctx, previous);
    const next = nextRevision(previous, doc);
    let delta = { add: [] as MemberRef[], remove: [] as string[] };
    if (memberIds) {
      const current = new Set<string>();
      for await (const m of store.memberships.members(previous.id)) current.add(m.value);
      const wanted = new Set(memberIds);
      delta = {
        add: await resolveMembers(store, [...wanted].filter((id) => !current.has(id)), previous.id, true),
        remove: [...current].filter((id) => !wanted.has(id)),
      };
    }
    await store.memberships.apply(previous.id, delta, store.groups.replaceActions(previous, next));
    return next;
  });
  return resourceReply(ctx, store, GROUP, 200, saved);
}

/**
 * PATCH /Groups/{id} — member changes: existence reads of added ids, then ⌈k/49⌉ transactions; no
 * member row is read unless the members are cleared or removed by a filter other than `value eq`.
 * displayName/externalId changes: one read, and the conditional write rides in the first transaction.
 * Answers 204 (Entra's expectation); 200 with the group when `attributes`/`excludedAttributes` ask for it.
 */
export async function patchGroup(ctx: HandlerContext): Promise<ScimResponse> {
  const operations = normalizeOperations(GROUP, parsePatchRequest(readJsonBody(ctx.req, ctx.cfg.maxBodyBytes)));
  const docOperations = operations.filter((o) => !isMemberOperation(o));
  const store = await ctx.store();
  const id = ctx.req.params.id;
  let current: MemberRef[] | undefined;
  if (needsCurrentMembers(operations)) {
    current = [];
    for await (const m of store.memberships.members(id)) current.push(m);
  }
  const delta = memberDelta(operations, current);
  const add = await resolveMembers(store, delta.add, id);
  const conditional = docOperations.length > 0 || ctx.req.header("if-match") !== null;
  if (!conditional && add.length === 0 && delta.remove.length === 0) await readGroup(ctx, store); // nothing to write: 404 or no-op
  else {
    await withOptimisticRetry(async () => {
      let head: ReturnType<typeof store.groups.replaceActions> = [];
      if (conditional) {
        const previous = await readGroup(ctx, store);
        checkIfMatch(ctx, previous);
        const doc = applyOperations(previous.doc, docOperations);
        assertValidResource(GROUP, doc);
        head = store.groups.replaceActions(previous, nextRevision(previous, doc));
      }
      await store.memberships.apply(id, { add, remove: delta.remove }, head);
    });
  }
  const query = ctx.req.url.searchParams;
  if (!query.has("attributes") && !query.has("excludedAttributes")) return noContent();
  return resourceReply(ctx, store, GROUP, 200, await readGroup(ctx, store));
}

/** How long a DELETE spends removing membership rows before it answers and lets the rest continue. */
const CLEANUP_BUDGET_MS = 20_000;

/**
 * DELETE /Groups/{id} — read, then one transaction removing the group, its index rows and recording a
 * tombstone; then its membership rows, ⌈n/1000⌉ reads and ⌈n/50⌉ transactions, for up to 20 s. What is
 * left continues after the answer and is resumed by the next group deletion of the tenant; readers
 * ignore the dead group meanwhile (store/group-deletions.ts).
 */
export async function deleteGroup(ctx: HandlerContext): Promise<ScimResponse> {
  const store = await ctx.store();
  const id = ctx.req.params.id;
  const previous = await store.groups.get(id);
  if (previous) {
    checkIfMatch(ctx, previous);
    await store.groups.submitLabelled([...store.groups.deleteActions(previous), store.groupDeletions.markAction(previous.id)]);
  }
  const deadline = Date.now() + CLEANUP_BUDGET_MS;
  const done = previous ? await store.groupDeletions.finish(previous.id, deadline) : true;
  // Also finish what earlier deletions of this tenant left (1 read when nothing is pending).
  const rest = done && (await store.groupDeletions.resumeAll(deadline));
  if (!done || !rest) ctx.background("group deletion cleanup", store.groupDeletions.resumeAll(Infinity));
  if (!previous) throw ScimError.notFound(`Group ${id} not found.`);
  return noContent();
}
