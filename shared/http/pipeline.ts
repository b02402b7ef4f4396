// Per request, in order: request id → authentication → handler → error boundary → one log line.
// The only place that turns an error into a response.
import { randomUUID } from "node:crypto";
import { Config, config } from "../config";
import { ScimError } from "../scim/errors";
import { authenticateBearer, Principal } from "../auth/bearer";
import { authContext, resetAuthContext } from "../auth/auth-context";
import { openTenantStore, TenantStore } from "../store";
import { errorResponse, SCIM_JSON } from "./respond";
import { ScimRequest, ScimResponse } from "./types";

export interface HandlerContext {
  req: ScimRequest;
  cfg: Config;
  /** The SCIM base URL, e.g. https://host/scim/v2 (for meta.location). */
  baseUrl: string;
  principal?: Principal;
  /** The authenticated tenant's store (opened on first use). */
  store(): Promise<TenantStore>;
  /** Work that may outlive the response (e.g. finishing a large group's deletion); failures are logged. */
  background(what: string, work: Promise<unknown>): void;
}

export type Handler = (ctx: HandlerContext) => Promise<ScimResponse>;

export interface Logger { info(line: string): void; error(line: string): void }
const consoleLogger: Logger = { info: (l) => console.log(l), error: (l) => console.error(l) };

/** For tests: forget cached settings-derived objects. */
export function resetPipelineCaches(): void {
  resetAuthContext();
}

/** Static token, our OAuth access token or (where enabled) Entra's token; see shared/auth/bearer.ts. */
export async function authenticate(req: ScimRequest, cfg: Config): Promise<Principal> {
  return authenticateBearer(req, authContext(cfg));
}

export async function runPipeline(routeName: string, auth: "scim" | "none", handler: Handler, req: ScimRequest,
  logger: Logger = consoleLogger): Promise<ScimResponse> {
  const started = Date.now();
  const requestId = sanitizeRequestId(req.header("x-request-id")) ?? randomUUID();
  const cfg = config();
  let store: TenantStore | undefined;
  let principal: Principal | undefined;
  let response: ScimResponse;
  try {
    if (auth === "scim") principal = await authenticate(req, cfg);
    const ctx: HandlerContext = {
      req, cfg, principal,
      baseUrl: `${cfg.publicBaseUrl ?? req.url.origin}/scim/v2`,
      store: async () => {
        if (!principal) throw ScimError.unauthorized("Authentication is required.");
        store ??= await openTenantStore(cfg, principal.tenant);
        return store;
      },
      background: (what, work) => {
        work.catch((e) => logger.error(JSON.stringify({ requestId, route: routeName, background: what, error: (e as Error)?.message ?? String(e) })));
      },
    };
    response = await handler(ctx);
  } catch (e) {
    const { response: r, unexpected } = errorResponse(e);
    response = r;
    if (unexpected) logger.error(JSON.stringify({ requestId, route: routeName, error: (e as Error)?.stack ?? String(e) }));
  }
  const headers: Record<string, string> = { ...response.headers, "x-request-id": requestId };
  // Counted until the response is produced; a streamed body's reads come after and are not included.
  if (store) {
    headers["x-storage-round-trips"] = String(store.partition.trips);
    headers["x-storage-transactions"] = String(store.partition.transactions);
  }
  const hasBody = response.body !== undefined || response.stream !== undefined;
  if (hasBody && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["Content-Type"] = SCIM_JSON;
  // One line per request: no tokens, no bodies, no personal data (ids and the tenant key only).
  logger.info(JSON.stringify({
    requestId, route: routeName, method: req.method, status: response.status, ms: Date.now() - started,
    storageRoundTrips: store?.partition.trips ?? 0, tenant: principal?.tenant,
  }));
  return { ...response, headers };
}

function sanitizeRequestId(value: string | null): string | undefined {
  return value && /^[A-Za-z0-9._-]{1,64}$/.test(value) ? value : undefined;
}
