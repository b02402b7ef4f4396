// Telemetry to Application Insights through the Azure Monitor OpenTelemetry distro, authenticated with the
// managed identity (the stamp disables local auth: an instrumentation key alone is refused). Started on
// first use, not when the host is built: the distro is megabytes of code, and a cold start that answers
// nothing should not pay for it (scripts/build.mjs keeps it in a bundle of its own).
import type { AzureMonitorOpenTelemetryOptions } from "@azure/monitor-opentelemetry";
import { type Telemetry, noTelemetry } from "./index";
import { openTelemetry } from "./open-telemetry";

export interface AzureMonitorSettings {
  /** APPLICATIONINSIGHTS_CONNECTION_STRING: names the resource and its ingestion endpoint; not a secret. */
  connectionString: string;
  /** The user-assigned managed identity (AZURE_CLIENT_ID) that holds Monitoring Metrics Publisher. */
  managedIdentityClientId?: string;
}

// Only what open-telemetry.ts records is exported. The distro's automatic instrumentations are all off: its
// HTTP and Azure SDK spans would carry URLs (a filter's query string holds attribute values; Table Storage
// row keys hold userNames). In the Functions bundle they would find little to patch (the SDKs are bundled
// and loaded first), but from node_modules (npm start with a connection string) they would. Live Metrics is
// off too: a second endpoint, polled every second while someone watches.
const OFF = { enabled: false };
const INSTRUMENTATIONS: AzureMonitorOpenTelemetryOptions["instrumentationOptions"] = {
  http: OFF,
  azureSdk: OFF,
  mongoDb: OFF,
  mySql: OFF,
  postgreSql: OFF,
  redis: OFF,
  redis4: OFF,
  bunyan: OFF,
  winston: OFF,
};

/** Starts the distro on the first request (or storage call); a failure to start leaves telemetry off, said once. */
export function azureMonitorTelemetry(settings: AzureMonitorSettings, onError: (reason: string) => void): Telemetry {
  let started: Telemetry | undefined;
  const telemetry = (): Telemetry => {
    if (started) return started;
    try {
      started = start(settings);
    } catch (e) {
      onError(e instanceof Error ? e.message : String(e));
      started = noTelemetry;
    }
    return started;
  };
  return {
    request: (record) => telemetry().request(record),
    storageCall: (call) => telemetry().storageCall(call),
    delivery: (record) => telemetry().delivery(record),
    eventLag: (ms, tenant) => telemetry().eventLag(ms, tenant),
    shutdown: () => started?.shutdown() ?? Promise.resolve(),
  };
}

function start(settings: AzureMonitorSettings): Telemetry {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, see the top of the file */
  const { useAzureMonitor, shutdownAzureMonitor } = require("@azure/monitor-opentelemetry") as typeof import("@azure/monitor-opentelemetry");
  const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
  const { trace, metrics } = require("@opentelemetry/api") as typeof import("@opentelemetry/api");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const credential = new DefaultAzureCredential(settings.managedIdentityClientId ? { managedIdentityClientId: settings.managedIdentityClientId } : {});
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString: settings.connectionString, credential },
    // A span for every request: the distro's default keeps 5 per second. OTEL_TRACES_SAMPLER (and _ARG)
    // in the app settings still win, for a stamp that wants to sample.
    samplingRatio: 1,
    tracesPerSecond: 0,
    enableLiveMetrics: false,
    instrumentationOptions: INSTRUMENTATIONS,
  });
  return openTelemetry({ tracerProvider: trace.getTracerProvider(), meterProvider: metrics.getMeterProvider(), shutdown: shutdownAzureMonitor });
}
