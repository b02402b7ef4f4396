// /Groups: the routes Users share (get, list, search) plus the member paths. Members never travel
// inside the group row: they are membership rows changed as deltas, so a PATCH neither reads nor
// rewrites the member list, and a group of 100,000 members costs the same to rename as a group of one.
import { ScimObject, coerceResource, isObject } from "../scim/coerce";
import { assertValidResource, parsePatchRequest } from "../scim/validate";
import { normalizeOperations } from "../scim/patch/entra-dialect";
import { applyOperations } from "../scim/patch/apply";
import { isMemberOperation, memberDelta, membersOf, needsCurrentMembers } from "../scim/patch/members";
import { ScimError } from "../scim/errors";
import type { MemberDelta, MemberRef, TenantDirectory } from "../store";
import { readJsonBody } from "./body";
import { getResource, listResourcesRoute, notFound, readOr404, searchResources } from "./resources";
import { resourceReply } from "./render";
import { checkIfMatch, checkRequired, directoryOf, typeOf, unknownAttributes } from "./tenant";
import { type Handler, type HandlerContext, noContent } from "./types";

export const getGroup = getResource("Group");
export const listGroups = listResourcesRoute("Group");
export const searchGroups = searchResources("Group");

/**
 * The members to add, each checked to exist in this tenant (1–2 keys-only reads per id); else 400
 * invalidValue and nothing changes (fixture adds-an-unknown-member-and-gets-400).
 */
async function resolveMembers(ctx: HandlerContext, dir: TenantDirectory, ids: string[], groupId: string, groupExists = false): Promise<MemberRef[]> {
  if (ids.includes(groupId)) throw ScimError.invalidValue("A group cannot be a member of itself.");
  const { found, missing } = await dir.groups.memberTypes([...new Set(ids)]);
  if (missing.length > 0) {
    // Before blaming the members, make sure the group itself exists (a PATCH of an unknown group is a 404).
    if (!groupExists && !(await dir.groups.exists(groupId))) throw notFound(typeOf(ctx, "Group"), groupId);
    const shown = missing.slice(0, 5).join(", ") + (missing.length > 5 ? `, … (${missing.length} in all)` : "");
    throw ScimError.invalidValue(`No User or Group with id ${shown} exists; nothing was changed.`);
  }
  return found;
}

/**
 * A POST/PUT body split into the group document and its member ids (undefined: `members` not sent).
 * Entra creates groups with the ADSCIM schema URN and `members: []` (fixture
 * creates-group-with-adscim-schema-and-empty-members) or without `members` at all
 * (creates-group-without-members-attribute).
 */
function splitBody(ctx: HandlerContext): { doc: ScimObject; memberIds?: string[] } {
  const type = typeOf(ctx, "Group");
  const body = readJsonBody(ctx);
  const doc = coerceResource(type, body, unknownAttributes(ctx));
  assertValidResource(type, doc);
  const sent = isObject(body) && Object.keys(body).some((k) => k.toLowerCase() === "members");
  const memberIds = membersOf(doc);
  delete doc.members;
  checkRequired(ctx, type, doc);
  return sent ? { doc, memberIds } : { doc };
}

/** POST /Groups — 1 transaction (group, index rows, first 48 members), then ⌈rest/49⌉ for a large member list. */
export const createGroup: Handler = async (ctx) => {
  const { doc, memberIds = [] } = splitBody(ctx);
  const dir = await directoryOf(ctx);
  const members = await resolveMembers(ctx, dir, memberIds, "", true);
  return resourceReply(ctx, dir, typeOf(ctx, "Group"), 201, await dir.groups.create(doc, members), members);
};

/**
 * PUT /Groups/{id} — read, then the conditional replace. With `members` in the body, the member set
 * becomes exactly that (the current members are read to work out the delta); without it, the members
 * are left alone rather than wiped (tests/http/groups.test.ts "PUT with members sets exactly them").
 */
export const replaceGroup: Handler = async (ctx) => {
  const { doc, memberIds } = splitBody(ctx);
  const dir = await directoryOf(ctx);
  const id = ctx.req.params.id ?? "";
  let delta: MemberDelta = { add: [], remove: [] };
  if (memberIds) {
    const current = new Set<string>();
    for await (const m of dir.groups.members(id)) current.add(m.value);
    const wanted = new Set(memberIds);
    delta = {
      add: await resolveMembers(
        ctx,
        dir,
        [...wanted].filter((m) => !current.has(m)),
        id,
      ),
      remove: [...current].filter((m) => !wanted.has(m)),
    };
  }
  const saved = await dir.groups.update(
    id,
    (current) => {
      checkIfMatch(ctx, current);
      return doc;
    },
    delta,
  );
  if (!saved) throw notFound(typeOf(ctx, "Group"), id);
  return resourceReply(ctx, dir, typeOf(ctx, "Group"), 200, saved);
};

/**
 * PATCH /Groups/{id} — member changes: existence reads of added ids, then ⌈k/49⌉ transactions; no member
 * row is read unless the members are cleared or removed by a filter other than `value eq` (both of
 * Entra's removal shapes: fixtures removes-member-with-value-array, removes-member-with-path-filter;
 * no-ops: adds-existing-member-again, removes-a-member-that-is-not-there). displayName/externalId
 * changes: one read, and the conditional write rides in the first transaction. Answers 204, which Entra
 * expects (renames-group-and-gets-204); 200 with the group when `attributes`/`excludedAttributes` ask.
 */
export const patchGroup: Handler = async (ctx) => {
  const type = typeOf(ctx, "Group");
  const operations = normalizeOperations(type, parsePatchRequest(readJsonBody(ctx)), unknownAttributes(ctx));
  const docOperations = operations.filter((o) => !isMemberOperation(o));
  const dir = await directoryOf(ctx);
  const id = ctx.req.params.id ?? "";
  let current: MemberRef[] | undefined;
  if (needsCurrentMembers(operations)) {
    current = [];
    for await (const m of dir.groups.members(id)) current.push(m);
  }
  const wanted = memberDelta(operations, current);
  const delta: MemberDelta = { add: await resolveMembers(ctx, dir, wanted.add, id), remove: wanted.remove };
  const conditional = docOperations.length > 0 || ctx.req.header("if-match") !== null;
  const found = conditional
    ? (await dir.groups.update(
        id,
        (previous) => {
          checkIfMatch(ctx, previous);
          const doc = applyOperations(previous.doc, docOperations);
          assertValidResource(type, doc);
          checkRequired(ctx, type, doc);
          return doc;
        },
        delta,
      )) !== undefined
    : await dir.groups.changeMembers(id, delta);
  if (!found) throw notFound(type, id);
  const query = ctx.req.url.searchParams;
  if (!query.has("attributes") && !query.has("excludedAttributes")) return noContent();
  return resourceReply(ctx, dir, type, 200, await readOr404(ctx, dir, type));
};

/** How long a DELETE spends removing membership rows before it answers and lets the rest continue. */
const CLEANUP_BUDGET_MS = 20_000;

/**
 * DELETE /Groups/{id} — read, then one transaction removing the group and its index rows and recording a
 * tombstone; then its membership rows for up to 20 s (fixture deletes-group). What is left continues
 * after the answer and is resumed by the next group deletion of the tenant; readers ignore the dead
 * group meanwhile. A delete repeated while the tombstone is there (the first attempt
 * committed but its answer was lost, or the host was killed) is the same delete: 204, and it finishes the rows.
 */
export const deleteGroup: Handler = async (ctx) => {
  const dir = await directoryOf(ctx);
  const id = ctx.req.params.id ?? "";
  const { deleted, unfinished } = await dir.groups.delete(id, (current) => checkIfMatch(ctx, current), CLEANUP_BUDGET_MS);
  if (unfinished) ctx.background("group deletion cleanup", unfinished);
  if (!deleted) throw notFound(typeOf(ctx, "Group"), id);
  return noContent();
};
