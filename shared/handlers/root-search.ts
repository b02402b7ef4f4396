// POST /.search at the server root (RFC 7644 §3.4.3): one SearchRequest over every resource type. The
// results keep their own `schemas` and `meta.resourceType`; paging runs over users, then groups, each in
// id order, so pages never overlap or skip; `attributes`/`excludedAttributes` apply to each type as its
// schema resolves them (a name another type has selects nothing here).
import { parsePaging, queriesAcross } from "../scim/list";
import { parseProjection } from "../scim/project";
import { parseSearchRequest } from "../scim/validate";
import { readJsonBody } from "./body";
import { ListedResource, listReply, matchingPage } from "./listing";
import { directoryOf, typeOf } from "./tenant";
import type { Handler } from "./types";

/**
 * Per type what GET /{type} with the same filter costs (a type the filter cannot match costs nothing).
 * Every type is counted for `totalResults`, also when the page is already full.
 */
export const searchAllResources: Handler = async (ctx) => {
  const search = parseSearchRequest(readJsonBody(ctx));
  const paging = parsePaging(search.startIndex, search.count);
  const queries = queriesAcross([typeOf(ctx, "User"), typeOf(ctx, "Group")], search.filter);
  const dir = await directoryOf(ctx);
  let skip = paging.startIndex - 1;
  let take = paging.count;
  let total = 0;
  const listed: ListedResource[] = [];
  for (const { type, filter } of queries) {
    const found = await matchingPage(ctx, dir, type, filter, skip, take);
    const projection = parseProjection(type, search.attributes, search.excludedAttributes);
    listed.push(...found.page.map((entity) => ({ type, entity, projection })));
    total += found.total;
    skip = Math.max(0, skip - found.total);
    take -= found.page.length;
  }
  return listReply(ctx, dir, listed, total, paging.startIndex);
};
