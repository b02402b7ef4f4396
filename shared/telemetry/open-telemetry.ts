// Telemetry over OpenTelemetry's API: one SERVER span per request (Application Insights shows it as a
// request) and the service's metrics. Given its providers: the global ones the Azure Monitor distro
// registers (azure-monitor.ts), or a test's in-memory ones. Attributes are route names and templates,
// methods, statuses, counts, the request id and the tenant key: never a body, a header, a URL (its query
// holds filter values), an attribute value or a token.
import type { Attributes, MeterProvider, TracerProvider } from "@opentelemetry/api";
import type { DeliveryRecord, RequestRecord, StorageCallRecord, Telemetry } from "./index";

export interface OpenTelemetryProviders {
  tracerProvider: TracerProvider;
  meterProvider: MeterProvider;
  /** Flushes and stops whatever exports (the distro, or the test's providers). */
  shutdown?: () => Promise<void>;
}

/** The instrumentation scope every span and metric is recorded under. */
export const SCOPE = "scim-functions";

/** Metric names, one per thing measured. */
export const METRICS = {
  requests: "scim.requests",
  requestDuration: "scim.request.duration",
  storageDuration: "scim.storage.duration",
  policyRejections: "scim.policy.rejections",
  deliveries: "scim.events.deliveries",
  deliveryFailures: "scim.events.delivery_failures",
  deliveryDuration: "scim.events.delivery.duration",
  eventLag: "scim.events.lag",
} as const;

export function openTelemetry(providers: OpenTelemetryProviders): Telemetry {
  // Loaded here, not at the top: only a host with telemetry on needs the API (the Functions bundle keeps it
  // in a file of its own, scripts/build.mjs LAZY).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SpanKind, SpanStatusCode } = require("@opentelemetry/api") as typeof import("@opentelemetry/api");
  const tracer = providers.tracerProvider.getTracer(SCOPE);
  const meter = providers.meterProvider.getMeter(SCOPE);
  const requests = meter.createCounter(METRICS.requests, { description: "Requests answered, by route, method and status." });
  const requestDuration = meter.createHistogram(METRICS.requestDuration, {
    description: "Time from a request's arrival to its answer, by route, method and status.",
    unit: "ms",
  });
  const storageDuration = meter.createHistogram(METRICS.storageDuration, {
    description: "Table Storage calls of request directories, by operation (read, query, transaction) and outcome.",
    unit: "ms",
  });
  const policyRejections = meter.createCounter(METRICS.policyRejections, {
    description: "What a tenant's schema policy turned away: requests lacking a required attribute, attributes ignored as unknown.",
  });
  const deliveries = meter.createCounter(METRICS.deliveries, { description: "Event delivery attempts, by deliverer, outcome and status class." });
  const deliveryFailures = meter.createCounter(METRICS.deliveryFailures, { description: "Event delivery attempts that failed, by deliverer and reason." });
  const eventLag = meter.createHistogram(METRICS.eventLag, {
    description: "Time from a change's commit to its event's sequence number in the tenant's log, per sequenced entry.",
    unit: "ms",
  });
  const deliveryDuration = meter.createHistogram(METRICS.deliveryDuration, {
    description: "Time of one delivery attempt (connect to answer), by deliverer and outcome.",
    unit: "ms",
  });

  return {
    request(r: RequestRecord) {
      const byRoute: Attributes = { "scim.route": r.route, "http.request.method": r.method, "http.response.status_code": r.status };
      const span = tracer.startSpan(r.routeTemplate ? `${r.method} /${r.routeTemplate}` : r.method, {
        kind: SpanKind.SERVER,
        startTime: r.startedAt,
        attributes: {
          ...byRoute,
          ...(r.routeTemplate ? { "http.route": `/${r.routeTemplate}` } : {}),
          "scim.request_id": r.requestId,
          ...(r.tenant !== undefined ? { "scim.tenant": r.tenant } : {}),
          "scim.storage.round_trips": r.storageRoundTrips,
          "scim.storage.transactions": r.storageTransactions,
          ...(r.ignoredAttributes.length > 0 ? { "scim.policy.ignored_attributes": r.ignoredAttributes.length } : {}),
          ...(r.rejectedByPolicy ? { "scim.policy.rejection": r.rejectedByPolicy } : {}),
        },
      });
      // OpenTelemetry's HTTP conventions: a server span is an error for 5xx only (4xx is the client's).
      if (r.status >= 500) {
        span.setAttribute("error.type", String(r.status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end(r.endedAt);

      requests.add(1, byRoute);
      requestDuration.record(r.endedAt - r.startedAt, byRoute);
      const tenant = r.tenant !== undefined ? { "scim.tenant": r.tenant } : {};
      if (r.rejectedByPolicy) policyRejections.add(1, { "scim.route": r.route, ...tenant, "scim.policy.reason": r.rejectedByPolicy });
      if (r.ignoredAttributes.length > 0)
        policyRejections.add(r.ignoredAttributes.length, { "scim.route": r.route, ...tenant, "scim.policy.reason": "unknown-attribute" });
    },
    storageCall(c: StorageCallRecord) {
      storageDuration.record(c.ms, { "scim.storage.operation": c.operation, "scim.storage.outcome": c.outcome });
    },
    delivery(d: DeliveryRecord) {
      const by: Attributes = {
        "scim.events.deliverer": d.deliverer,
        "scim.events.outcome": d.outcome,
        "scim.tenant": d.tenant,
        "scim.events.retry": d.attempt > 1,
        ...(d.statusClass ? { "http.response.status_class": d.statusClass } : {}),
      };
      deliveries.add(1, by);
      deliveryDuration.record(d.ms, by);
      if (d.outcome !== "delivered") deliveryFailures.add(1, by);
    },
    eventLag(ms: number, tenant: string) {
      eventLag.record(ms, { "scim.tenant": tenant });
    },
    shutdown: () => providers.shutdown?.() ?? Promise.resolve(),
  };
}
