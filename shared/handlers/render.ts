// How a stored resource becomes a response body: render + projection, plus the membership relation
// (Group.members, User.groups) that lives in membership rows, read only when the response includes it.
// A group's members are streamed, so a 100,000-member group is never held in memory as one document.
import { GROUP, ResourceType } from "../scim/resource-types";
import { Projection, parseProjection, project, projectElement, returnsAttribute } from "../scim/project";
import { groupElement, memberElement, render, resourceLocation, versionTag } from "../scim/resource";
import { RELATION } from "../scim/query-plan";
import type { ScimObject } from "../scim/coerce";
import { resourceWithStreamedArray } from "../scim/stream";
import type { GroupStore, MemberRef, StoredEntity, TenantDirectory, UserStore } from "../store";
import type { HandlerContext, ScimResponse } from "./types";

export function storeOf(dir: TenantDirectory, type: ResourceType): UserStore | GroupStore {
  return type.name === "User" ? dir.users : dir.groups;
}

/** The projection named by the request's `attributes` / `excludedAttributes` query parameters. */
export function queryProjection(ctx: HandlerContext, type: ResourceType): Projection {
  const query = ctx.req.url.searchParams;
  return parseProjection(type, query.get("attributes") ?? undefined, query.get("excludedAttributes") ?? undefined);
}

/** ⌈n/1000⌉ round trips: the whole relation of one resource, rendered (used by filters that need it). */
export async function loadRelation(dir: TenantDirectory, type: ResourceType, baseUrl: string, id: string): Promise<ScimObject[]> {
  if (type.name === "Group") {
    const out: ScimObject[] = [];
    for await (const m of dir.groups.members(id)) out.push(memberElement(baseUrl, m));
    return out;
  }
  return (await dir.users.groupsOf(id)).map((g) => groupElement(baseUrl, g));
}

/** 1 round trip: whether `id` (a user or group) and `other` are related (group holds member / user is in group). */
export function isRelated(dir: TenantDirectory, type: ResourceType, id: string, other: string): Promise<boolean> {
  return type.name === "Group" ? dir.groups.hasMember(id, other) : dir.users.isMemberOf(id, other);
}

/**
 * One resource in its response shape. Users: a plain object (their groups are few). Groups: a plain
 * object when members are not returned (no membership read), else a stream of JSON chunks. A user in no
 * group has no `groups`, a group without members no `members` (RFC 7643 §2.5), unless `emptyMembers`.
 */
export async function representation(
  ctx: HandlerContext,
  dir: TenantDirectory,
  type: ResourceType,
  entity: StoredEntity,
  projection: Projection,
  knownMembers?: MemberRef[],
  emptyMembers: "omit" | "empty" = "omit",
): Promise<ScimObject | AsyncIterable<string>> {
  const relation = RELATION[type.name];
  if (!returnsAttribute(type, projection, relation)) return project(type, render(type, ctx.baseUrl, entity), projection);
  if (type.name === "User") {
    const groups = await loadRelation(dir, type, ctx.baseUrl, entity.id);
    return project(type, render(type, ctx.baseUrl, entity, groups.length > 0 ? { groups } : {}), projection);
  }
  const shaped = project(GROUP, render(GROUP, ctx.baseUrl, entity), projection);
  const members = knownMembers ?? dir.groups.members(entity.id);
  return resourceWithStreamedArray(shaped, relation, shapedMembers(ctx, projection, members), undefined, emptyMembers);
}

async function* shapedMembers(ctx: HandlerContext, projection: Projection, members: Iterable<MemberRef> | AsyncIterable<MemberRef>): AsyncIterable<ScimObject> {
  for await (const m of members) yield projectElement(GROUP, projection, "members", memberElement(ctx.baseUrl, m));
}

/** A single-resource response (200/201) with ETag and, for 201, Location, whatever the projection keeps. */
export async function resourceReply(
  ctx: HandlerContext,
  dir: TenantDirectory,
  type: ResourceType,
  status: 200 | 201,
  entity: StoredEntity,
  knownMembers?: MemberRef[],
): Promise<ScimResponse> {
  // The one exception to omitting an empty member list: the 201 of POST /Groups answers `"members": []`,
  // as in Microsoft's documented exchange that Entra is built against (§1.10 of the Entra reference;
  // fixtures creates-group-with-adscim-schema-and-empty-members, creates-group-without-members-attribute).
  // RFC 7643 §2.5 makes it the same state as no members, and it is of the group's own schema.
  const emptyMembers = status === 201 && type === GROUP ? "empty" : "omit";
  const body = await representation(ctx, dir, type, entity, queryProjection(ctx, type), knownMembers, emptyMembers);
  const headers: Record<string, string> = {
    ETag: versionTag(entity.version),
    ...(status === 201 ? { Location: resourceLocation(type, ctx.baseUrl, entity.id) } : {}),
  };
  return Symbol.asyncIterator in body ? { status, headers, stream: body } : { status, headers, body };
}
