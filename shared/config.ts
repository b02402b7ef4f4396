// The app settings as one typed, validated object. `loadConfig` is pure: the composition root
// (shared/root.ts) hands it the environment; tests and the bench hand it their own. Every setting is
// listed in local.settings.sample.json (and set by infra/ on Azure).
export interface Config {
  /** Table Storage by connection string (Azurite or an account); wins over the endpoint when both are set. */
  storageConnectionString?: string;
  /** Table Storage by endpoint with Entra ID (managed identity on Azure). */
  storageTableEndpoint?: string;
  tableName: string;
  /** Key Vault credential store when set; otherwise the local file store. */
  keyVaultUri?: string;
  localCredentialsFile: string;
  /** How long a credential record is cached: revocation reaches every instance within it (≤ 30 s). */
  credentialCacheSeconds: number;
  /** Lifetime of access tokens from /oauth2/token: 60–360 minutes (Entra gallery requirement). */
  accessTokenMinutes: number;
  /** Failed authentications allowed per source and per client within the window before 429. */
  authFailureLimit: number;
  authFailureWindowSeconds: number;
  maxBodyBytes: number;
  /** Requests per second (sustained) and burst per authenticated credential, per instance; past them a request waits. */
  credentialRequestsPerSecond: number;
  credentialBurst: number;
  /** Requests per second and burst per source address for traffic that proves no credential, per instance. */
  anonymousRequestsPerSecond: number;
  anonymousBurst: number;
  /** Longest a credential's request waits for its budget before 429 (well inside Entra's 60 s timeout). */
  limitQueueSeconds: number;
  /** Take the client address from the platform's X-Forwarded-For (Azure Functions host only; the local host never does). */
  trustForwardedFor: boolean;
  /** Public base URL (scheme + host) for meta.location, when a proxy hides the real host. */
  publicBaseUrl?: string;
  /** The schema policy (JSON) of tenants that have none stored: seeds a deployment's rules. */
  defaultPolicy?: string;
  /** Client id of the user-assigned managed identity (read by @azure/identity too). */
  managedIdentityClientId?: string;
  /** Application Insights (telemetry through OpenTelemetry, sent with the managed identity); off when unset. */
  appInsightsConnectionString?: string;
  /** Days of event history kept for the Events API and replay (one table per day, dropped whole). */
  eventRetentionDays: number;
  /** Days of activity (refused requests, writes, hourly counts) kept for the status page and the admin API; one table per day, dropped whole. */
  activityRetentionDays: number;
  /**
   * How a committed change reaches the dispatcher: "in-process" (npm start: this host dispatches at once),
   * "queue" (Azure: a Storage Queue message for the queue-triggered function), or "off" (only the sweeper
   * and Events API reads sequence; fault-injection tests use it so no background call takes their faults).
   */
  eventDispatch: "in-process" | "queue" | "off";
  /** The Storage Queue carrying nudges ("queue" dispatch): the queue trigger reads it by the same setting (%SCIM_EVENT_QUEUE%). */
  eventQueueName: string;
  /** Queue Storage by endpoint with Entra ID (managed identity on Azure); locally the connection string's queue service. */
  storageQueueEndpoint?: string;
  /** npm start's in-process sweeper: seconds between sweeps (on Azure the timer trigger's NCRONTAB schedule). */
  eventSweepSeconds: number;
  /** Optional sink: an Event Grid topic endpoint (https) that receives every tenant's events as CloudEvents 1.0, with the managed identity. */
  eventGridEndpoint?: string;
}

function text(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function positiveInt(env: Environment, name: string, fallback: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`Setting ${name} must be a positive integer, got '${raw}'.`);
  return n;
}

function boundedInt(env: Environment, name: string, fallback: number, min: number, max: number): number {
  const n = positiveInt(env, name, fallback);
  if (n < min || n > max) throw new Error(`Setting ${name} must be between ${min} and ${max}, got ${n}.`);
  return n;
}

function wholeNumber(env: Environment, name: string, fallback: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`Setting ${name} must be a whole number from 0 to ${max}, got '${raw}'.`);
  return n;
}

function flag(env: Environment, name: string, fallback: boolean): boolean {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw !== "true" && raw !== "false") throw new Error(`Setting ${name} must be true or false, got '${raw}'.`);
  return raw === "true";
}

function oneOf<T extends string>(env: Environment, name: string, allowed: readonly T[], fallback: T): T {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new Error(`Setting ${name} must be one of ${allowed.join(", ")}, got '${raw}'.`);
  return raw as T;
}

export type Environment = Record<string, string | undefined>;

export function loadConfig(env: Environment): Config {
  const tableName = text(env, "SCIM_TABLE_NAME") ?? "scim";
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(tableName)) throw new Error(`Setting SCIM_TABLE_NAME '${tableName}' is not a valid table name.`);
  const publicBaseUrl = text(env, "SCIM_PUBLIC_BASE_URL")?.replace(/\/+$/, "");
  const eventDispatch = oneOf(env, "SCIM_EVENT_DISPATCH", ["in-process", "queue", "off"] as const, "in-process");
  // A queue name (lowercase letters, digits, single hyphens) of 3-56 characters, so that the host's "<name>-poison" fits 63.
  const eventQueueName = text(env, "SCIM_EVENT_QUEUE") ?? "scim-events";
  if (!/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,55}$/.test(eventQueueName))
    throw new Error(`Setting SCIM_EVENT_QUEUE '${eventQueueName}' is not a valid queue name.`);
  if (eventDispatch === "queue" && !text(env, "SCIM_STORAGE_QUEUE_ENDPOINT") && !text(env, "SCIM_STORAGE_CONNECTION_STRING"))
    throw new Error("Setting SCIM_EVENT_DISPATCH=queue needs SCIM_STORAGE_QUEUE_ENDPOINT (or a SCIM_STORAGE_CONNECTION_STRING with a queue service).");
  const eventGridEndpoint = text(env, "SCIM_EVENT_GRID_ENDPOINT");
  if (eventGridEndpoint !== undefined && !/^https:\/\/[^/?#\s]+\/[^?#\s]*$/.test(eventGridEndpoint))
    throw new Error(`Setting SCIM_EVENT_GRID_ENDPOINT must be an https URL (the topic endpoint, https://<topic>.<region>-1.eventgrid.azure.net/api/events).`);
  return {
    storageConnectionString: text(env, "SCIM_STORAGE_CONNECTION_STRING"),
    storageTableEndpoint: text(env, "SCIM_STORAGE_TABLE_ENDPOINT"),
    tableName,
    keyVaultUri: text(env, "SCIM_KEY_VAULT_URI"),
    localCredentialsFile: text(env, "SCIM_LOCAL_CREDENTIALS_FILE") ?? ".local/credentials.json",
    credentialCacheSeconds: boundedInt(env, "SCIM_CREDENTIAL_CACHE_SECONDS", 30, 1, 30),
    accessTokenMinutes: boundedInt(env, "SCIM_ACCESS_TOKEN_MINUTES", 60, 60, 360),
    authFailureLimit: positiveInt(env, "SCIM_AUTH_FAILURE_LIMIT", 20),
    authFailureWindowSeconds: positiveInt(env, "SCIM_AUTH_FAILURE_WINDOW_SECONDS", 60),
    maxBodyBytes: positiveInt(env, "SCIM_MAX_BODY_BYTES", 1024 * 1024),
    credentialRequestsPerSecond: positiveInt(env, "SCIM_CREDENTIAL_REQUESTS_PER_SECOND", 200),
    credentialBurst: positiveInt(env, "SCIM_CREDENTIAL_BURST", 400),
    anonymousRequestsPerSecond: positiveInt(env, "SCIM_ANONYMOUS_REQUESTS_PER_SECOND", 10),
    anonymousBurst: positiveInt(env, "SCIM_ANONYMOUS_BURST", 50),
    limitQueueSeconds: wholeNumber(env, "SCIM_LIMIT_QUEUE_SECONDS", 5, 30),
    trustForwardedFor: flag(env, "SCIM_TRUST_FORWARDED_FOR", false),
    publicBaseUrl,
    managedIdentityClientId: text(env, "AZURE_CLIENT_ID"),
    defaultPolicy: text(env, "SCIM_DEFAULT_POLICY"),
    appInsightsConnectionString: text(env, "APPLICATIONINSIGHTS_CONNECTION_STRING"),
    eventRetentionDays: boundedInt(env, "SCIM_EVENT_RETENTION_DAYS", 30, 1, 400),
    eventDispatch,
    eventQueueName,
    storageQueueEndpoint: text(env, "SCIM_STORAGE_QUEUE_ENDPOINT"),
    eventSweepSeconds: boundedInt(env, "SCIM_EVENT_SWEEP_SECONDS", 60, 5, 3600),
    eventGridEndpoint,
    activityRetentionDays: boundedInt(env, "SCIM_ACTIVITY_RETENTION_DAYS", 30, 1, 400),
  };
}
