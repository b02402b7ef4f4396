// GET /Users|/Groups and POST /{type}/.search: filter → query plan → candidates → page → projection; the
// paging and ListResponse the root search (root-search.ts) shares.
// Storage: an `eq` on id or an indexed attribute is a point read (two for groups), a membership `eq`
// reads that resource's membership rows, anything else streams the tenant's own range once.
import { ResourceType } from "../scim/resource-types";
import { CompiledFilter, compileFilter } from "../scim/filter";
import { QueryPlan, RELATION } from "../scim/query-plan";
import { parsePaging, listResponse } from "../scim/list";
import { Projection, parseProjection } from "../scim/project";
import { render } from "../scim/resource";
import { ScimObject } from "../scim/coerce";
import { listResponseStream } from "../scim/stream";
import { SearchRequest } from "../scim/validate";
import { StoredEntity, TenantDirectory, isResourceId } from "../store";
import { HandlerContext, ScimResponse, ok } from "./types";
import { directoryOf } from "./tenant";
import { isRelated, loadRelation, representation, storeOf } from "./render";

export function searchFromQuery(query: URLSearchParams): SearchRequest {
  const get = (name: string) => {
    for (const [k, v] of query) if (k.toLowerCase() === name.toLowerCase()) return v;
    return undefined;
  };
  return {
    filter: get("filter"),
    startIndex: get("startIndex"),
    count: get("count"),
    attributes: get("attributes"),
    excludedAttributes: get("excludedAttributes"),
  };
}

export async function listResources(ctx: HandlerContext, type: ResourceType, search: SearchRequest): Promise<ScimResponse> {
  const paging = parsePaging(search.startIndex, search.count);
  const projection = parseProjection(type, search.attributes, search.excludedAttributes);
  const filterText = search.filter?.trim();
  const dir = await directoryOf(ctx);
  const filter = filterText ? compileFilter(type, filterText) : undefined;
  const { total, page } = await matchingPage(ctx, dir, type, filter, paging.startIndex - 1, paging.count);
  return listReply(
    ctx,
    dir,
    page.map((entity) => ({ type, entity, projection })),
    total,
    paging.startIndex,
  );
}

/**
 * One type's resources matching `filter` (all of them without one): how many, and those at positions
 * [skip, skip + take) in id order. Without a filter: the ids keys-only (⌈n/1000⌉ round trips) for an exact
 * count, then the page's rows as one RowKey range, so pages never overlap or skip. With one: the plan's
 * candidates, each evaluated.
 */
export async function matchingPage(
  ctx: HandlerContext,
  dir: TenantDirectory,
  type: ResourceType,
  filter: CompiledFilter | undefined,
  skip: number,
  take: number,
): Promise<{ total: number; page: StoredEntity[] }> {
  const rows = storeOf(dir, type);
  if (!filter) {
    const ids = await rows.ids();
    return { total: ids.length, page: take > 0 ? await rows.getRange(ids.slice(skip, skip + take)) : [] };
  }
  let total = 0;
  const page: StoredEntity[] = [];
  for await (const entity of candidates(dir, type, filter.plan)) {
    if (!(await satisfies(ctx, dir, type, filter, entity))) continue;
    if (total >= skip && page.length < take) page.push(entity);
    total++;
  }
  return { total, page };
}

/** One resource of a ListResponse, with the projection of its own type. */
export interface ListedResource {
  type: ResourceType;
  entity: StoredEntity;
  projection: Projection;
}

/** A ListResponse (RFC 7644 §3.4.2) of resources of one or more types; streamed when a group's members are in it. */
export async function listReply(ctx: HandlerContext, dir: TenantDirectory, listed: ListedResource[], total: number, startIndex: number): Promise<ScimResponse> {
  const resources = await Promise.all(listed.map((r) => representation(ctx, dir, r.type, r.entity, r.projection)));
  if (resources.some((r) => Symbol.asyncIterator in r)) {
    return { status: 200, headers: {}, stream: listResponseStream(total, startIndex, resources) };
  }
  return ok(listResponse(resources as ScimObject[], total, startIndex));
}

/** The resources a plan reads, in id order; the predicate decides which of them match. */
async function* candidates(dir: TenantDirectory, type: ResourceType, plan: QueryPlan): AsyncIterable<StoredEntity> {
  const rows = storeOf(dir, type);
  switch (plan.kind) {
    case "scan":
      yield* rows.scan();
      return;
    case "id": {
      const found = await rows.get(plan.id);
      if (found) yield found;
      return;
    }
    case "index":
      yield* await rows.findBy(plan.attribute, plan.value);
      return;
    case "related": {
      if (!isResourceId(plan.id)) return;
      const ids: string[] = [];
      if (type.name === "Group") ids.push(...(await dir.groups.groupsOf(plan.id)));
      else for await (const m of dir.groups.membersOfExisting(plan.id)) if (m.type === "User") ids.push(m.value);
      for (let i = 0; i < ids.length; i += 100) yield* await rows.getMany(ids.slice(i, i + 100));
    }
  }
}

/**
 * Evaluates the filter on one candidate. Membership clauses pinned to an id are point reads; a filter
 * using the relation otherwise loads the candidate's whole relation.
 */
async function satisfies(ctx: HandlerContext, dir: TenantDirectory, type: ResourceType, filter: CompiledFilter, entity: StoredEntity): Promise<boolean> {
  const rendered = render(type, ctx.baseUrl, entity);
  const { required, full } = filter.relation;
  if (full) {
    rendered[RELATION[type.name]] = await loadRelation(dir, type, ctx.baseUrl, entity.id);
  } else if (required.length > 0) {
    for (const other of required) {
      if (!isResourceId(other) || !(await isRelated(dir, type, entity.id, other))) return false;
    }
    rendered[RELATION[type.name]] = required.map((value) => ({ value }));
  }
  return filter.matches(rendered);
}
