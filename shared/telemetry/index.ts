// What the pipeline tells telemetry: one record per request, one per storage call. The interface holds
// names, numbers, route templates and the tenant key only: never a body, a header, an attribute value or a
// token. No OpenTelemetry here: the no-op is what runs when Application Insights is not configured, and
// the OpenTelemetry implementation (open-telemetry.ts) is loaded only when it is (azure-monitor.ts).

/** One request, told once its answer is produced (a streamed body's later reads are not part of it). */
export interface RequestRecord {
  /** Route name from the route table (`createUser`), or "unmatched". */
  route: string;
  /** The route's template (`scim/v2/Users/{id}`): ids never appear, only the placeholder. */
  routeTemplate?: string;
  method: string;
  status: number;
  requestId: string;
  /** Set once the credential is verified. */
  tenant?: string;
  storageRoundTrips: number;
  storageTransactions: number;
  /** Distinct names of attributes outside the tenant's schemas that were ignored (counted, not exported). */
  ignoredAttributes: readonly string[];
  /** The tenant's policy rejected the request (a required attribute was missing): 400 invalidValue. */
  rejectedByPolicy?: "required";
  /** Date.now() when the request arrived and when its answer was ready. */
  startedAt: number;
  endedAt: number;
}

/** One Table Storage call of a request's directory (shared/store/partition.ts StorageCall). */
export interface StorageCallRecord {
  operation: string;
  ms: number;
  /** "ok" or the store's error code. */
  outcome: string;
}

/** One delivery attempt: which deliverer, how it ended, the HTTP status class. Never a URL, a header or a body. */
export interface DeliveryRecord {
  /** "webhooks" (later: Event Grid). */
  deliverer: string;
  /** "delivered", or why not: http-error, redirect, throttled, gone, timeout, unreachable, refused. */
  outcome: string;
  /** "2xx" … "5xx" when the receiver answered. */
  statusClass?: string;
  /** 1 for the first attempt of an event, more for its retries; 0 for a test ping. */
  attempt: number;
  tenant: string;
  ms: number;
}

export interface Telemetry {
  /** A span (scim.request) and the request metrics. */
  request(record: RequestRecord): void;
  /** Storage latency (scim.storage.duration). */
  storageCall(call: StorageCallRecord): void;
  /** One delivery attempt of an event (scim.events.deliveries; failures also scim.events.delivery_failures). */
  delivery(record: DeliveryRecord): void;
  /** Event lag: from a change's commit to its event's place in the log (scim.events.lag), per sequenced entry. */
  eventLag(ms: number, tenant: string): void;
  /** Exports what is buffered and stops (a host shutting down). */
  shutdown(): Promise<void>;
}

/** Application Insights not configured: nothing recorded, nothing loaded. */
export const noTelemetry: Telemetry = {
  request: () => undefined,
  storageCall: () => undefined,
  delivery: () => undefined,
  eventLag: () => undefined,
  shutdown: () => Promise.resolve(),
};
