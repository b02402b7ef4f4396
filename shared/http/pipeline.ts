// The one pipeline and error boundary, for both hosts. Per request, in order: route (the local host;
// the Functions host has routed already) → request id → body limit → authentication → request limits →
// tenant context → handler → error boundary → headers → one log line and one telemetry record → the one
// serializer.
import { randomUUID } from "node:crypto";
import { ScimError } from "../scim/errors";
import { type Principal, authenticateBearer, claimedCredentialId } from "../auth/bearer";
import type { AuthContext } from "../auth/auth-context";
import type { Meter, Store, TenantDirectory } from "../store";
import {
  SCIM_JSON,
  type EventsAccess,
  type HandlerContext,
  type OperatorAccess,
  type ScimRequest,
  type ScimResponse,
  type TenantContext,
} from "../handlers/types";
import { errorResponse } from "./respond";
import { STATUS_COOKIE } from "../auth/status-ticket";
import { safeName } from "../activity/reasons";
import { type RequestLimits, clientFromForwardedFor } from "./limits";
import type { PolicyCache } from "./policies";
import type { Telemetry } from "../telemetry";
import type { Nudger } from "../events/dispatcher";
import type { RequestOutcome } from "../activity/recorder";
import type { TokenScope } from "../auth/records";
import { type Route, routeMatcher } from "./routes";
import { type WireResponse, toWire } from "./wire";

export interface Logger {
  info(line: string): void;
  error(line: string): void;
}

export interface PipelineDependencies {
  auth: AuthContext;
  store: Store;
  policies: PolicyCache;
  /** Counts of ignored attribute names per tenant (what an operator reads to fix a mapping). */
  ignoredAttributes: IgnoredAttributes;
  /** Request body limit in bytes (413 beyond). */
  maxBodyBytes: number;
  /** Per-credential and per-source request budgets of this host (shared/http/limits.ts). */
  limits: RequestLimits;
  /** Whether a host's forwarded-for header names the client (the platform front end on Azure sets it). */
  trustForwardedFor: boolean;
  /** Scheme + host for meta.location when a proxy hides the real host. */
  publicBaseUrl?: string;
  log: Logger;
  /** A span per request, request metrics and storage latency (noTelemetry when off). */
  telemetry: Telemetry;
  /** Told after a request committed change events (in-process dispatch locally, a queue message on Azure). */
  nudger: Nudger;
  /** The event log and long-poll wake-ups, for the Events API. */
  events: EventsAccess;
  /** The activity log, delivery status, replay and status-page tickets (the admin routes). */
  operator?: OperatorAccess;
  /** Told about every finished request, after its answer is produced (the activity log); must not throw or wait. */
  observer?: RequestObserver;
}

/** A finished request as the observer hears of it: names, ids and codes; `body` only to hash a userName, never kept. */
export type FinishedRequest = RequestOutcome;

export interface RequestObserver {
  finished(request: FinishedRequest): void;
}

/** A request as a host received it: the Functions host names the route; the local host leaves routing to us. */
export interface IncomingRequest extends Omit<ScimRequest, "params"> {
  route?: { route: Route; params: Record<string, string> };
  /** The host stopped reading a body larger than the limit. */
  oversized?: boolean;
  /** X-Forwarded-For as the Functions host received it; the source only when the settings trust it (the local host gives its socket's address instead). */
  forwardedFor?: string;
}

/** Per tenant and attribute name: how many requests this instance saw carrying it, ignored. */
export class IgnoredAttributes {
  private readonly counts = new Map<string, Map<string, number>>();
  record(tenant: string, names: readonly string[]): void {
    const mine = this.counts.get(tenant) ?? new Map<string, number>();
    for (const name of new Set(names)) mine.set(name, (mine.get(name) ?? 0) + 1);
    this.counts.set(tenant, mine);
  }
  of(tenant: string): Record<string, number> {
    return Object.fromEntries(this.counts.get(tenant) ?? []);
  }
}

export interface Pipeline {
  /** Answers one request; never throws. */
  handle(req: IncomingRequest, log?: Logger): Promise<WireResponse>;
}

export function createPipeline(deps: PipelineDependencies): Pipeline {
  return { handle: (req, log = deps.log) => handle(deps, req, log) };
}

async function handle(deps: PipelineDependencies, incoming: IncomingRequest, log: Logger): Promise<WireResponse> {
  const started = Date.now();
  const requestId = sanitizeRequestId(incoming.header("x-request-id")) ?? randomUUID();
  const sourceIp = incoming.sourceIp ?? (deps.trustForwardedFor ? clientFromForwardedFor(incoming.forwardedFor) : undefined);
  let limited = false;
  let routeName = "unmatched";
  let routeTemplate: string | undefined;
  let errorFormat: Route["errors"];
  let tenantKey: string | undefined;
  let tenant: TenantContext | undefined;
  let directory: Promise<TenantDirectory> | undefined;
  let meter: Meter | undefined;
  let response: ScimResponse;
  let params: Record<string, string> = {};
  let failure: unknown;
  try {
    const found = incoming.route ?? matchRoute(incoming);
    routeName = found.route.name;
    routeTemplate = found.route.route;
    errorFormat = found.route.errors;
    params = found.params;
    const req: ScimRequest = { ...incoming, params: found.params, sourceIp };
    if (incoming.oversized || (req.body !== undefined && Buffer.byteLength(req.body, "utf8") > deps.maxBodyBytes)) {
      throw ScimError.payloadTooLarge(`The request body is larger than ${deps.maxBodyBytes} bytes.`);
    }
    // "optional": discovery answers anonymously with the base schemas, and for an authenticated tenant with its own.
    const scope = scopeOf(found.route.auth, req.header("authorization") !== null);
    const principal = found.route.auth === "status" ? await statusPrincipal(req, deps) : scope ? await authenticateBearer(req, deps.auth, scope) : undefined;
    limited = true;
    const refused = principal ? await deps.limits.credential(principal.credentialId) : deps.limits.anonymous(sourceIp);
    if (refused) throw refused;
    if (principal && principal.scope !== scope) throw ScimError.forbidden(SCOPE_REFUSAL[principal.scope]);
    if (principal) {
      const key = principal.tenant;
      tenantKey = key;
      const { policy, types } = await deps.policies.get(key);
      tenant = {
        key,
        policy,
        types,
        ignored: [],
        directory: () => {
          directory ??= deps.store.tenant(key).then((d) => {
            meter = d.meter;
            meter.observe = (call) => deps.telemetry.storageCall(call);
            return d;
          });
          return directory;
        },
      };
    }
    const ctx: HandlerContext = {
      req,
      tenant,
      events: deps.events,
      ...(deps.operator ? { operator: deps.operator } : {}),
      auth: deps.auth,
      maxBodyBytes: deps.maxBodyBytes,
      baseUrl: `${deps.publicBaseUrl ?? req.url.origin}/scim/v2`,
      background: (what, work) => {
        work().catch((e: unknown) => log.error(JSON.stringify({ requestId, route: routeName, background: what, error: describe(e) })));
      },
    };
    response = await found.route.handler(ctx);
  } catch (caught) {
    failure = caught;
    // Refused before it proved a credential (401, 404, 405, 413): anonymous traffic, spending its source's budget.
    const e = limited || !(caught instanceof ScimError && caught.status < 500) ? caught : (deps.limits.anonymous(sourceIp) ?? caught);
    const { response: r, unexpected } = errorResponse(e, errorFormat);
    response = r;
    if (unexpected) log.error(JSON.stringify({ requestId, route: routeName, error: e instanceof Error ? e.stack : String(e) }));
  }
  // Something committed with events: nudge the dispatcher (a hint; the sweeper catches a lost one).
  if (tenantKey && meter && meter.events > 0) await nudge(deps, tenantKey, log, requestId);
  const headers: Record<string, string> = { ...response.headers, "x-request-id": requestId };
  // Counted until the response is produced; a streamed body's reads come after and are not included.
  if (meter) {
    headers["x-storage-round-trips"] = String(meter.trips);
    headers["x-storage-transactions"] = String(meter.transactions);
  }
  const hasBody = response.body !== undefined || response.stream !== undefined || response.text !== undefined;
  if (hasBody && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["Content-Type"] = SCIM_JSON;
  // Names only, and only what looks like an attribute name (a key named like an address is not logged).
  const ignored = (tenant?.ignored ?? []).map(safeName);
  if (tenantKey && ignored.length > 0) deps.ignoredAttributes.record(tenantKey, ignored);
  const ended = Date.now();
  // One line per request: no tokens, no bodies, no personal data (ids, the tenant key, attribute names only).
  log.info(
    JSON.stringify({
      requestId,
      route: routeName,
      method: incoming.method,
      status: response.status,
      ms: ended - started,
      storageRoundTrips: meter?.trips ?? 0,
      tenant: tenantKey,
      ...(ignored.length > 0 ? { ignoredAttributes: [...new Set(ignored)] } : {}),
    }),
  );
  // The same facts as the log line, as a span and metrics (shared/telemetry: names and counts only).
  deps.telemetry.request({
    route: routeName,
    routeTemplate,
    method: incoming.method,
    status: response.status,
    requestId,
    tenant: tenantKey,
    storageRoundTrips: meter?.trips ?? 0,
    storageTransactions: meter?.transactions ?? 0,
    ignoredAttributes: [...new Set(ignored)],
    ...(tenant?.rejected ? { rejectedByPolicy: tenant.rejected } : {}),
    startedAt: started,
    endedAt: ended,
  });
  deps.observer?.finished({
    requestId,
    route: routeName,
    ...(routeTemplate ? { routeTemplate } : {}),
    method: incoming.method,
    status: response.status,
    ...scimTypeOf(response.body),
    ...(tenantKey ? { tenant: tenantKey } : {}),
    ...(!tenantKey && response.status >= 400 ? { claimedCredential: claimedCredentialId(incoming.header("authorization")) } : {}),
    ...(params.id ? { resourceId: params.id } : {}),
    ignored,
    ...(tenant?.rejected ? { rejected: tenant.rejected } : {}),
    ...(tenant && response.status === 400 ? { requiredPaths: [...tenant.policy.required.User, ...tenant.policy.required.Group] } : {}),
    ...(failure !== undefined ? { error: failure } : {}),
    ...(incoming.body !== undefined ? { body: incoming.body } : {}),
    startedAt: started,
    endedAt: ended,
  });
  return toWire(response, headers);
}

/** The credential scope a route needs; undefined when it takes no credential (or an optional one was not sent). */
function scopeOf(auth: Route["auth"], sentCredential: boolean): TokenScope | undefined {
  if (auth === "none" || (auth === "optional" && !sentCredential)) return undefined;
  if (auth === "optional") return "scim";
  return auth === "status" ? "admin" : auth;
}

const scimTypeOf = (body: unknown): { scimType?: string } => {
  const t = (body as { scimType?: unknown } | undefined)?.scimType;
  return typeof t === "string" ? { scimType: t } : {};
};

/**
 * The status page's caller: an admin token in the Authorization header (the vendor's operators), else a
 * ticket from `npm run admin -- link`, in the link's query or in the cookie the page set from it.
 */
async function statusPrincipal(req: ScimRequest, deps: PipelineDependencies): Promise<Principal> {
  if (req.header("authorization") !== null) return authenticateBearer(req, deps.auth, "admin");
  const ticket = req.url.searchParams.get("ticket") ?? cookie(req.header("cookie"), STATUS_COOKIE);
  if (!ticket) throw ScimError.unauthorized("This page needs the link your vendor sent you, or an admin token.", 'Bearer realm="admin"');
  const check = deps.operator ? await deps.operator.checkTicket(ticket) : undefined;
  if (!check?.ok) throw ScimError.forbidden("This link has expired or is not valid; ask your vendor for a new one.");
  return { tenant: check.tenant, scope: "admin", credentialId: `ticket:${check.tenant}` };
}

function cookie(header: string | null, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}

const SCOPE_REFUSAL: Record<TokenScope, string> = {
  scim: "This credential is for the SCIM endpoint only.",
  events: "This credential is for the Events API only.",
  admin: "This credential is for the admin API only.",
};

/** Bounded: a slow queue must not hold the answer (the event is committed; the sweeper delivers it). */
async function nudge(deps: PipelineDependencies, tenantKey: string, log: Logger, requestId: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([deps.nudger.nudge(tenantKey), new Promise<void>((resolve) => (timer = setTimeout(resolve, NUDGE_WAIT_MS)))]);
  } catch (e) {
    log.error(JSON.stringify({ requestId, event: "events.nudge-failed", tenant: tenantKey, reason: describe(e) }));
  } finally {
    clearTimeout(timer);
  }
}

const NUDGE_WAIT_MS = 2000;

function matchRoute(req: IncomingRequest): { route: Route; params: Record<string, string> } {
  const match = routeMatcher.match(req.method, req.url.pathname);
  if (match && "item" in match) return { route: match.item, params: match.params };
  if (match) throw ScimError.methodNotAllowed(`${req.method} is not allowed here.`, match.allowed);
  throw ScimError.notFound(`No endpoint at ${req.url.pathname}.`);
}

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e));

function sanitizeRequestId(value: string | null): string | undefined {
  return value && /^[A-Za-z0-9._-]{1,64}$/.test(value) ? value : undefined;
}
