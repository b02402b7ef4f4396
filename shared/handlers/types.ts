// What a handler sees and returns: a host-neutral request, the request's context (its tenant once
// authenticated) and a response the one serializer in shared/http writes for either host.
import type { AuthContext } from "../auth/auth-context";
import type { TenantPolicy, TenantTypes } from "../scim/policy";
import type { ActivityLog, EventLog, TenantDirectory } from "../store";
import type { DeliveryStatus } from "../events/dispatcher";
import type { TicketCheck } from "../auth/status-ticket";

export interface ScimRequest {
  method: string;
  url: URL;
  params: Record<string, string>;
  header(name: string): string | null;
  /** The raw body text (undefined when there is none). */
  body: string | undefined;
  /** Client address for throttling, when the host knows it. */
  sourceIp?: string;
}

export interface ScimResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON body (rendered as application/scim+json unless a Content-Type header says otherwise). */
  body?: unknown;
  /** Pre-rendered text body (non-JSON answers). */
  text?: string;
  /** A JSON body sent chunk by chunk as it is produced (large member lists). */
  stream?: AsyncIterable<string>;
}

/** Who the request acts for, resolved by the pipeline after authentication. */
export interface TenantContext {
  /** The tenant key the credential is bound to: it alone selects the storage partition. */
  readonly key: string;
  /** This request's view of the tenant's directory (opened on first use, one round-trip meter per request). */
  directory(): Promise<TenantDirectory>;
  /** The tenant's schema policy (cached ≤ 30 s per instance) and the resource types it gives. */
  readonly policy: TenantPolicy;
  readonly types: TenantTypes;
  /** Names of attributes this request sent that the tenant's schemas do not define and that were ignored. */
  readonly ignored: string[];
  /** Set when the tenant's policy refused this request: a required attribute was missing (400). */
  rejected?: "required";
}

export interface HandlerContext {
  req: ScimRequest;
  /** The SCIM base URL, e.g. https://host/scim/v2 (for meta.location). */
  baseUrl: string;
  maxBodyBytes: number;
  /** Set on authenticated routes (and on discovery when the caller authenticates). */
  tenant?: TenantContext;
  /** The host's authentication state (the token endpoint and /health use it directly). */
  auth: AuthContext;
  /** The tenants' event logs and long-poll wake-ups (the Events API). */
  events: EventsAccess;
  /** The activity log, delivery status and replay (the admin API and status page). */
  operator?: OperatorAccess;
  /** Work that may outlive the response (e.g. finishing a large group's deletion); failures are logged. */
  background(what: string, work: () => Promise<unknown>): void;
}

export type Handler = (ctx: HandlerContext) => Promise<ScimResponse>;

/** What the Events API needs beyond the tenant: its log, and a wait that ends when new events are sequenced. */
export interface EventsAccess {
  readonly log: EventLog;
  /** Sequences the tenant's committed outbox now (so a reader at the head never waits for a lost nudge). */
  sequence(tenantKey: string): Promise<void>;
  /** Resolves when this host sequences new events for the tenant, or after `ms`; false when the host is shutting down. */
  waitForEvents(tenantKey: string, ms: number): Promise<boolean>;
}

/** What the admin API and status page read beyond the tenant's directory. */
export interface OperatorAccess {
  readonly activity: ActivityLog;
  /** Writes this instance's gathered activity now (a reader on this instance then sees its own requests). */
  flush(): Promise<void>;
  /** The tenant's event delivery per destination, and its outbox entries not yet sequenced. */
  delivery(tenantKey: string): Promise<{ unsequenced: number; oldestUnsequenced?: string; destinations: DeliveryStatus[] }>;
  /** Asks a deliverer to send a destination's dead letters again; undefined when it cannot replay. */
  replay(tenantKey: string, deliverer: string, destinationId: string): Promise<{ replayed: number } | undefined>;
  /** The keyed hash the activity log keeps for a userName. */
  hashUserName(userName: string): Promise<string>;
  checkTicket(ticket: string): Promise<TicketCheck>;
  /** The app's version (package.json). */
  readonly version: string;
}

export const SCIM_JSON = "application/scim+json; charset=utf-8";

export function ok(body: unknown, headers: Record<string, string> = {}): ScimResponse {
  return { status: 200, body, headers };
}

export const noContent = (headers: Record<string, string> = {}): ScimResponse => ({ status: 204, headers });
