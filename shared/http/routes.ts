// THE route table: the Azure Functions registrations (functions/index.ts) and the local host both come
// from it, so the two can never drift.
import * as users from "../handlers/users";
import * as groups from "../handlers/groups";
import * as discovery from "../handlers/discovery";
import { searchAllResources } from "../handlers/root-search";
import { healthCheck, oauthToken } from "../handlers/auth-routes";
import * as eventsApi from "../handlers/events-api";
import * as admin from "../handlers/admin";
import { ScimError } from "../scim/errors";
import type { Handler } from "../handlers/types";
import { RouteMatcher } from "./route-match";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";

export interface Route {
  /** Function name on Azure: unique, letters/digits/dash. */
  name: string;
  methods: Method[];
  /** Functions route template (routePrefix is ""). */
  route: string;
  /**
   * "scim": a credential of scope scim (Entra's) is required; "events" / "admin": a static token of that
   * scope (the vendor's app, the operator); "optional": used when sent (discovery per tenant); "none";
   * "status": an admin token, or a status-page ticket (link or cookie) for the tenant it names.
   */
  auth: "scim" | "events" | "admin" | "optional" | "none" | "status";
  /** The error format: SCIM (RFC 7644 §3.12; the default), OAuth (RFC 6749 §5.2), the vendor APIs' JSON, or an HTML page. */
  errors?: "oauth" | "api" | "html";
  handler: Handler;
}

const SCIM = "scim/v2";
const ALL: Method[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

const notImplemented =
  (what: string): Handler =>
  () =>
    Promise.reject(ScimError.notImplemented(`${what} is not supported.`));

const defined: Route[] = [
  { name: "serviceProviderConfig", methods: ["GET"], route: `${SCIM}/ServiceProviderConfig`, auth: "none", handler: discovery.getServiceProviderConfig },
  { name: "resourceTypes", methods: ["GET"], route: `${SCIM}/ResourceTypes`, auth: "optional", handler: discovery.listResourceTypes },
  { name: "resourceType", methods: ["GET"], route: `${SCIM}/ResourceTypes/{id}`, auth: "optional", handler: discovery.getResourceType },
  { name: "schemas", methods: ["GET"], route: `${SCIM}/Schemas`, auth: "optional", handler: discovery.listSchemas },
  { name: "schema", methods: ["GET"], route: `${SCIM}/Schemas/{id}`, auth: "optional", handler: discovery.getSchema },

  { name: "listUsers", methods: ["GET"], route: `${SCIM}/Users`, auth: "scim", handler: users.listUsers },
  { name: "createUser", methods: ["POST"], route: `${SCIM}/Users`, auth: "scim", handler: users.createUser },
  { name: "searchUsers", methods: ["POST"], route: `${SCIM}/Users/.search`, auth: "scim", handler: users.searchUsers },
  { name: "getUser", methods: ["GET"], route: `${SCIM}/Users/{id}`, auth: "scim", handler: users.getUser },
  { name: "replaceUser", methods: ["PUT"], route: `${SCIM}/Users/{id}`, auth: "scim", handler: users.replaceUser },
  { name: "patchUser", methods: ["PATCH"], route: `${SCIM}/Users/{id}`, auth: "scim", handler: users.patchUser },
  { name: "deleteUser", methods: ["DELETE"], route: `${SCIM}/Users/{id}`, auth: "scim", handler: users.deleteUser },

  { name: "listGroups", methods: ["GET"], route: `${SCIM}/Groups`, auth: "scim", handler: groups.listGroups },
  { name: "createGroup", methods: ["POST"], route: `${SCIM}/Groups`, auth: "scim", handler: groups.createGroup },
  { name: "searchGroups", methods: ["POST"], route: `${SCIM}/Groups/.search`, auth: "scim", handler: groups.searchGroups },
  { name: "getGroup", methods: ["GET"], route: `${SCIM}/Groups/{id}`, auth: "scim", handler: groups.getGroup },
  { name: "replaceGroup", methods: ["PUT"], route: `${SCIM}/Groups/{id}`, auth: "scim", handler: groups.replaceGroup },
  { name: "patchGroup", methods: ["PATCH"], route: `${SCIM}/Groups/{id}`, auth: "scim", handler: groups.patchGroup },
  { name: "deleteGroup", methods: ["DELETE"], route: `${SCIM}/Groups/{id}`, auth: "scim", handler: groups.deleteGroup },

  // A literal path, so it wins over the catch-all below on both hosts (route-match.ts).
  { name: "searchAll", methods: ["POST"], route: `${SCIM}/.search`, auth: "scim", handler: searchAllResources },

  { name: "bulk", methods: ["POST"], route: `${SCIM}/Bulk`, auth: "scim", handler: notImplemented("/Bulk") },
  { name: "me", methods: ALL, route: `${SCIM}/Me`, auth: "scim", handler: notImplemented("/Me") },

  { name: "oauthToken", methods: ["POST"], route: "oauth2/token", auth: "none", errors: "oauth", handler: oauthToken },
  { name: "health", methods: ["GET"], route: "health", auth: "none", handler: healthCheck },

  // The vendor's Events API (docs/events.md): a token of scope "events", JSON errors of its own.
  { name: "listEvents", methods: ["GET"], route: "events", auth: "events", errors: "api", handler: eventsApi.listEvents },
  { name: "eventsSnapshot", methods: ["GET"], route: "events/snapshot", auth: "events", errors: "api", handler: eventsApi.snapshot },

  // The operator's admin API (an admin token) and the status page (an admin token or a ticket link): docs/operations.md.
  // Under operator/, not admin/: the Functions host reserves admin/ for its own API.
  { name: "adminActivity", methods: ["GET"], route: "operator/activity", auth: "admin", errors: "api", handler: admin.listActivity },
  { name: "adminStatusJson", methods: ["GET"], route: "operator/status.json", auth: "status", errors: "api", handler: admin.statusJson },
  { name: "adminStatusPage", methods: ["GET"], route: "operator", auth: "status", errors: "html", handler: admin.statusPage },
  { name: "adminReplay", methods: ["POST"], route: "operator/replay", auth: "status", errors: "html", handler: admin.replay },
];

const definedMatcher = new RouteMatcher(defined);

/** A SCIM 404 for an unknown path, or 405 with Allow for a known path and the wrong method. */
export function unmatched(method: string, pathname: string): ScimError {
  const found = definedMatcher.match(method, pathname);
  if (found && "allowed" in found) return ScimError.methodNotAllowed(`${method} is not allowed here.`, found.allowed);
  return ScimError.notFound(`No endpoint at ${pathname}.`);
}

/** Everything else under the SCIM base: a SCIM 404 or 405 instead of the host's default page. */
const fallback: Route = {
  name: "scimFallback",
  methods: ALL,
  route: `${SCIM}/{*rest}`,
  auth: "none",
  handler: (ctx) => Promise.reject(unmatched(ctx.req.method, ctx.req.url.pathname)),
};

export const routes: readonly Route[] = [...defined, fallback];
export const routeMatcher = new RouteMatcher(routes);
