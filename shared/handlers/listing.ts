// GET /Users|/Groups and POST /.search: filter → query plan → candidates → page → projection.
// Storage: an id or index `eq` is one point read; anything else streams the tenant's own range once.
import { ResourceType } from "../scim/resource-types";
import { compileFilter } from "../scim/filter";
import { parsePaging, listResponse } from "../scim/list";
import { parseProjection, project, Projection } from "../scim/project";
import { render } from "../scim/resource";
import { ScimObject } from "../scim/coerce";
import { SearchRequest } from "../scim/validate";
import { ResourceRows, StoredEntity } from "../store/resources";
import { HandlerContext } from "../http/pipeline";
import { ok } from "../http/respond";
import { ScimResponse } from "../http/types";

/** Adds what lives outside the resource row (a user's groups, a group's members) when the response needs it. */
export type Enrich = (entities: StoredEntity[], projection: Projection) => Promise<Map<string, ScimObject>>;

export function searchFromQuery(query: URLSearchParams): SearchRequest {
  const get = (name: string) => {
    for (const [k, v] of query) if (k.toLowerCase() === name.toLowerCase()) return v;
    return undefined;
  };
  return {
    filter: get("filter"), startIndex: get("startIndex"), count: get("count"),
    attributes: get("attributes"), excludedAttributes: get("excludedAttributes"),
  };
}

export async function listResources(ctx: HandlerContext, type: ResourceType, rows: ResourceRows, search: SearchRequest,
  enrich?: Enrich): Promise<ScimResponse> {
  const paging = parsePaging(search.startIndex, search.count);
  const projection = parseProjection(type, search.attributes, search.excludedAttributes);
  const filterText = search.filter?.trim();
  const first = paging.startIndex - 1;

  let total: number;
  let page: StoredEntity[];
  if (!filterText) {
    const ids = await rows.ids();
    total = ids.length;
    page = paging.count > 0 ? await rows.getRange(ids.slice(first, first + paging.count)) : [];
  } else {
    const filter = compileFilter(type, filterText);
    const rendered = (e: StoredEntity) => render(type, ctx.baseUrl, e);
    const matches: StoredEntity[] = [];
    total = 0;
    if (filter.plan.kind === "scan") {
      for await (const entity of rows.scan()) {
        if (!filter.matches(rendered(entity))) continue;
        if (total >= first && matches.length < paging.count) matches.push(entity);
        total++;
      }
    } else {
      const candidate = filter.plan.kind === "id"
        ? await rows.get(filter.plan.id)
        : await rows.findByIndex(filter.plan.attribute, filter.plan.value);
      if (candidate && filter.matches(rendered(candidate))) {
        total = 1;
        if (first === 0 && paging.count > 0) matches.push(candidate);
      }
    }
    page = matches;
  }
  const extras = enrich && page.length > 0 ? await enrich(page, projection) : new Map<string, ScimObject>();
  const resources = page.map((e) => project(type, render(type, ctx.baseUrl, e, extras.get(e.id)), projection));
  return ok(listResponse(resources, total, paging.startIndex));
}
