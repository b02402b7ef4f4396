// The one pipeline and error boundary, for both hosts. Per request, in order: route (the local host;
// the Functions host has routed already) → request id → body limit → authentication → tenant context →
// handler → error boundary → headers → one log line → the one serializer.
import { randomUUID } from "node:crypto";
import { ScimError } from "../scim/errors";
import { authenticateBearer } from "../auth/bearer";
import type { AuthContext } from "../auth/auth-context";
import type { Meter, Store, TenantDirectory } from "../store";
import { SCIM_JSON, type HandlerContext, type ScimRequest, type ScimResponse, type TenantContext } from "../handlers/types";
import { errorResponse } from "./respond";
import { type Route, routeMatcher } from "./routes";
import { type WireResponse, toWire } from "./wire";

export interface Logger {
  info(line: string): void;
  error(line: string): void;
}

export interface PipelineDependencies {
  auth: AuthContext;
  store: Store;
  /** Request body limit in bytes (413 beyond). */
  maxBodyBytes: number;
  /** Scheme + host for meta.location when a proxy hides the real host. */
  publicBaseUrl?: string;
  log: Logger;
}

/** A request as a host received it: the Functions host names the route; the local host leaves routing to us. */
export interface IncomingRequest extends Omit<ScimRequest, "params"> {
  route?: { route: Route; params: Record<string, string> };
  /** The host stopped reading a body larger than the limit. */
  oversized?: boolean;
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
  let routeName = "unmatched";
  let tenantKey: string | undefined;
  let directory: Promise<TenantDirectory> | undefined;
  let meter: Meter | undefined;
  let response: ScimResponse;
  try {
    const found = incoming.route ?? matchRoute(incoming);
    routeName = found.route.name;
    const req: ScimRequest = { ...incoming, params: found.params };
    if (incoming.oversized || (req.body !== undefined && Buffer.byteLength(req.body, "utf8") > deps.maxBodyBytes)) {
      throw ScimError.payloadTooLarge(`The request body is larger than ${deps.maxBodyBytes} bytes.`);
    }
    let tenant: TenantContext | undefined;
    if (found.route.auth === "scim") {
      const key = (await authenticateBearer(req, deps.auth)).tenant;
      tenantKey = key;
      tenant = {
        key,
        directory: () => {
          directory ??= deps.store.tenant(key).then((d) => {
            meter = d.meter;
            return d;
          });
          return directory;
        },
      };
    }
    const ctx: HandlerContext = {
      req,
      tenant,
      auth: deps.auth,
      maxBodyBytes: deps.maxBodyBytes,
      baseUrl: `${deps.publicBaseUrl ?? req.url.origin}/scim/v2`,
      background: (what, work) => {
        work().catch((e: unknown) => log.error(JSON.stringify({ requestId, route: routeName, background: what, error: describe(e) })));
      },
    };
    response = await found.route.handler(ctx);
  } catch (e) {
    const { response: r, unexpected } = errorResponse(e);
    response = r;
    if (unexpected) log.error(JSON.stringify({ requestId, route: routeName, error: e instanceof Error ? e.stack : String(e) }));
  }
  const headers: Record<string, string> = { ...response.headers, "x-request-id": requestId };
  // Counted until the response is produced; a streamed body's reads come after and are not included.
  if (meter) {
    headers["x-storage-round-trips"] = String(meter.trips);
    headers["x-storage-transactions"] = String(meter.transactions);
  }
  const hasBody = response.body !== undefined || response.stream !== undefined || response.text !== undefined;
  if (hasBody && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["Content-Type"] = SCIM_JSON;
  // One line per request: no tokens, no bodies, no personal data (ids and the tenant key only).
  log.info(
    JSON.stringify({
      requestId,
      route: routeName,
      method: incoming.method,
      status: response.status,
      ms: Date.now() - started,
      storageRoundTrips: meter?.trips ?? 0,
      tenant: tenantKey,
    }),
  );
  return toWire(response, headers);
}

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
