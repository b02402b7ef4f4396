// How a stored resource becomes a response body: render + projection, plus the membership relation
// (Group.members, User.groups) that lives in membership rows, read only when the response includes it.
// A group's members are streamed, so a 100,000-member group is never held in memory as one document.
import { GROUP, ResourceType } from "../scim/resource-types";
import { Projection, parseProjection, project, projectElement, returnsAttribute } from "../scim/project";
import { groupElement, memberElement, render, resourceLocation, versionTag } from "../scim/resource";
import { RELATION } from "../scim/query-plan";
import { ScimObject } from "../scim/coerce";
import { resourceWithStreamedArray } from "../scim/stream";
import { MemberRef, StoredEntity, TenantStore } from "../store";
import { HandlerContext } from "../http/pipeline";
import { ScimResponse } from "../http/types";

export const rowsOf = (store: TenantStore, type: ResourceType) => (type.name === "User" ? store.users : store.groups);

/** The projection named by the request's `attributes` / `excludedAttributes` query parameters. */
export function queryProjection(ctx: HandlerContext, type: ResourceType): Projection {
  const query = ctx.req.url.searchParams;
  return parseProjection(type, query.get("attributes") ?? undefined, query.get("excludedAttributes") ?? undefined);
}

/** ⌈n/1000⌉ round trips: the whole relation of one resource, rendered (used by filters that need it). */
export async function loadRelation(store: TenantStore, type: ResourceType, baseUrl: string, id: string): Promise<ScimObject[]> {
  const out: ScimObject[] = [];
  if (type.name === "Group") {
    for await (const m of liveMembers(store, store.memberships.members(id))) out.push(memberElement(baseUrl, m));
    return out;
  }
  const groupIds: string[] = [];
  for await (const g of store.memberships.groupsOf(id)) groupIds.push(g);
  const dead = groupIds.length > 0 ? await store.groupDeletions.pending() : new Set<string>();
  return groupIds.filter((g) => !dead.has(g)).map((g) => groupElement(baseUrl, g));
}

/** 1 round trip: whether `id` (a user or group) and `other` are related (group holds member / user is in group). */
export async function isRelated(store: TenantStore, type: ResourceType, id: string, other: string): Promise<boolean> {
  return type.name === "Group" ? store.memberships.isMember(id, other) : store.memberships.isMember(other, id);
}

/**
 * One resource in its response shape. Users: a plain object (their groups are few). Groups: a plain
 * object when members are not returned (no membership read), else a stream of JSON chunks.
 */
export async function representation(ctx: HandlerContext, store: TenantStore, type: ResourceType, entity: StoredEntity,
  projection: Projection, knownMembers?: MemberRef[]): Promise<ScimObject | AsyncIterable<string>> {
  const relation = RELATION[type.name];
  if (!returnsAttribute(type, projection, relation)) return project(type, render(type, ctx.baseUrl, entity), projection);
  if (type.name === "User") {
    const groups = await loadRelation(store, type, ctx.baseUrl, entity.id);
    return project(type, render(type, ctx.baseUrl, entity, groups.length > 0 ? { groups } : {}), projection);
  }
  const shaped = project(GROUP, render(GROUP, ctx.baseUrl, entity), projection);
  const members = knownMembers ?? liveMembers(store, store.memberships.members(entity.id));
  return resourceWithStreamedArray(shaped, relation, shapedMembers(ctx, projection, members));
}

async function* shapedMembers(ctx: HandlerContext, projection: Projection, members: Iterable<MemberRef> | AsyncIterable<MemberRef>): AsyncIterable<ScimObject> {
  for await (const m of members) yield projectElement(GROUP, projection, "members", memberElement(ctx.baseUrl, m));
}

/**
 * Members less the groups whose deletion is still clearing their rows (group-deletions.ts); the list of
 * those is read once, on the first member that is a group.
 */
async function* liveMembers(store: TenantStore, members: AsyncIterable<MemberRef>): AsyncIterable<MemberRef> {
  let dead: Set<string> | undefined;
  for await (const m of members) {
    if (m.type === "Group") {
      dead ??= await store.groupDeletions.pending();
      if (dead.has(m.value)) continue;
    }
    yield m;
  }
}

/** A single-resource response (200/201) with ETag and, for 201, Location, whatever the projection keeps. */
export async function resourceReply(ctx: HandlerContext, store: TenantStore, type: ResourceType, status: 200 | 201,
  entity: StoredEntity, knownMembers?: MemberRef[]): Promise<ScimResponse> {
  const body = await representation(ctx, store, type, entity, queryProjection(ctx, type), knownMembers);
  const headers: Record<string, string> = {
    ETag: versionTag(entity.version),
    ...(status === 201 ? { Location: resourceLocation(type, ctx.baseUrl, entity.id) } : {}),
  };
  return Symbol.asyncIterator in body ? { status, headers, stream: body as AsyncIterable<string> } : { status, headers, body };
}
