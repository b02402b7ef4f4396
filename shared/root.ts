// The composition root: the one place that reads the environment and the one function that builds a
// host's dependencies — settings, the store, credentials, signing keys, the token verifier's caches,
// throttles, request limits, loggers and the pipeline. The Azure Functions entry point, the local host (npm start),
// the CLIs, the tests and the bench each call createService once with their own settings.
import { type Config, loadConfig } from "./config";
import { AuthLog, type AuthLogSink } from "./auth/auth-log";
import { type AuthContext, createAuthContext } from "./auth/auth-context";
import { type CredentialStore, credentialStore } from "./auth/credentials";
import { type SecretClientFactory, defaultSecretClient } from "./auth/key-vault";
import { type SigningKeyStore, signingKeyStore } from "./auth/signing-keys";
import { type Store, openStore } from "./store";
import { IgnoredAttributes, type Logger, type Pipeline, createPipeline } from "./http/pipeline";
import { PolicyCache } from "./http/policies";
import { RequestLimits } from "./http/limits";
import { DEFAULT_POLICY, parsePolicy } from "./scim/policy";
import { type Telemetry, noTelemetry } from "./telemetry";
import { azureMonitorTelemetry } from "./telemetry/azure-monitor";
import { Dispatcher, type Nudger, inProcessNudger } from "./events/dispatcher";
import { WebhookDeliverer } from "./events/webhooks/deliverer";
import { Webhooks } from "./events/webhooks/registry";
import { CachedSecretStore } from "./events/webhooks/signing";
import { webhookSecrets } from "./auth/webhook-secrets";
import { storageQueueNudger } from "./events/queue";
import { type EventJobs, eventJobs } from "./events/jobs";
import { type CloudEventPublisherFactory, defaultCloudEventPublisher, eventGridDeliverer } from "./events/event-grid";
import { randomUUID } from "node:crypto";
import { type StampKeys, stampKeys } from "./auth/stamp-key";
import { checkTicket } from "./auth/status-ticket";
import { type UserHasher, userHasher } from "./activity/user-hash";
import { ActivityRecorder } from "./activity/recorder";
import { ActivityDeliverer } from "./activity/deliverer";
import type { OperatorAccess } from "./handlers/types";
import { version } from "../package.json";

/** The process environment, read here and nowhere else. */
export function settingsFromEnvironment(): Config {
  return loadConfig(process.env);
}

/** A named environment variable, for the entry points' own options (PORT, the dev tenant). */
export function environmentValue(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}

export interface ServiceOptions {
  /** Where request and error log lines go (default: stdout/stderr). */
  log?: Logger;
  /** Where authentication events go (default: stderr). */
  authLog?: AuthLogSink;
  /** How Key Vault clients are built (default: the SDK with the managed identity). */
  secretClients?: SecretClientFactory;
  /** Where spans and metrics go (default: Application Insights when configured, else nowhere). */
  telemetry?: Telemetry;
  /** How a committed change reaches the dispatcher (default: dispatched on this host). */
  nudger?: (dispatcher: Dispatcher) => Nudger;
  /** Webhook delivery's retry schedule (ms before each attempt), timeout and extra trusted CAs: tests scale them down. */
  webhooks?: { schedule?: readonly number[]; timeoutMs?: number; ca?: string | Buffer };
  /** How the Event Grid sink's publisher is built (default: the SDK with the managed identity). */
  cloudEventPublisher?: CloudEventPublisherFactory;
}

export interface Service {
  readonly config: Config;
  readonly store: Store;
  /** The credential records (uncached): the CLI, npm start and tests manage credentials through it. */
  readonly credentials: CredentialStore;
  readonly signingKeyStore: SigningKeyStore;
  readonly auth: AuthContext;
  readonly log: Logger;
  readonly pipeline: Pipeline;
  /** Tenants' schema policies, cached ≤ 30 s (the CLI writes them through the store). */
  readonly policies: PolicyCache;
  readonly ignoredAttributes: IgnoredAttributes;
  /** This host's request budgets per credential and per source (counts of delayed and refused requests). */
  readonly limits: RequestLimits;
  /** Spans and metrics; `shutdown()` exports what is buffered (a host stopping). */
  readonly telemetry: Telemetry;
  /** Sequences outboxes into event logs and runs the deliverers (nudged after writes, and by the sweeper). */
  readonly dispatcher: Dispatcher;
  readonly nudger: Nudger;
  /** Tenants' webhook endpoints (npm run webhooks); their delivery is one of the dispatcher's deliverers. */
  readonly webhooks: Webhooks;
  /** The queue trigger's nudge and the sweeper (every tenant with credentials), as the hosts run them. */
  readonly eventJobs: EventJobs;
  /** The stamp's derived keys (userName hashes of the activity log, status-page tickets). */
  readonly stampKeys: StampKeys;
  readonly userHasher: UserHasher;
  /** Refused and failed requests and the hour counters, written after the answers; `close()` writes what is gathered. */
  readonly activity: ActivityRecorder;
  /** What the admin routes read (also the CLIs'). */
  readonly operator: OperatorAccess;
}

const consoleLog: Logger = { info: (line) => console.log(line), error: (line) => console.error(line) };

export function createService(config: Config, options: ServiceOptions = {}): Service {
  const secretClients = options.secretClients ?? defaultSecretClient;
  const log = options.log ?? consoleLog;
  const telemetry = options.telemetry ?? telemetryFor(config, log);
  const store = openStore(config, { eventLag: (ms, tenant) => telemetry.eventLag(ms, tenant) });
  const credentials = credentialStore(config, secretClients);
  const keys = signingKeyStore(config, secretClients);
  const auth = createAuthContext({
    settings: config,
    credentialStore: credentials,
    signingKeyStore: keys,
    replay: store.assertionReplays,
    log: new AuthLog(options.authLog ?? ((line) => console.warn(line))),
  });
  const policies = new PolicyCache(store, config.defaultPolicy ? parsePolicy(JSON.parse(config.defaultPolicy)) : DEFAULT_POLICY, (tenant, reason) =>
    log.error(JSON.stringify({ event: "policy.invalid", tenant, reason })),
  );
  const ignoredAttributes = new IgnoredAttributes();
  const limits = new RequestLimits(config);
  const dispatcher = new Dispatcher(store, log);
  const nudger = (options.nudger ?? nudgerFor(config))(dispatcher);
  const secrets = new CachedSecretStore(webhookSecrets(config, secretClients));
  const deliverer = new WebhookDeliverer({
    store,
    secrets,
    telemetry,
    log,
    ...options.webhooks,
    ...(config.publicBaseUrl ? { baseUrl: `${config.publicBaseUrl}/scim/v2` } : {}),
    // A retry coming due wakes the dispatcher: this host's timer in-process, a delayed queue message on
    // Azure (queue); with dispatch off, the sweeper picks it up.
    ...(config.eventDispatch === "in-process" ? { wake: wakeTimers(dispatcher) } : {}),
    ...(config.eventDispatch === "queue" && nudger.nudgeLater
      ? {
          wake: (tenantKey: string, ms: number) =>
            void nudger
              .nudgeLater?.(tenantKey, ms)
              .catch((e: unknown) =>
                log.error(JSON.stringify({ event: "events.nudge-failed", tenant: tenantKey, reason: e instanceof Error ? e.message : String(e) })),
              ),
        }
      : {}),
  });
  dispatcher.use(deliverer);
  const webhooks = new Webhooks(store, secrets, deliverer, nudger);
  if (config.eventGridEndpoint)
    dispatcher.use(
      eventGridDeliverer({
        endpoint: config.eventGridEndpoint,
        store,
        publisher: options.cloudEventPublisher ?? defaultCloudEventPublisher(config.managedIdentityClientId),
        ...(config.publicBaseUrl ? { publicBaseUrl: config.publicBaseUrl } : {}),
      }),
    );
  const jobs = eventJobs(dispatcher, async () => (await credentials.listSummaries()).map((c) => c.tenant), log);
  const stamp = stampKeys(config, secretClients);
  const hasher = userHasher(() => stamp.key("activity-user-hash"));
  const instance = randomUUID();
  const activity = new ActivityRecorder({
    log: store.activity,
    hasher,
    instance,
    tenantOfCredential: async (id) => (await auth.credentials.get(id))?.tenant,
    onError: (line) => log.error(line),
  });
  dispatcher.use(new ActivityDeliverer({ activity: store.activity, events: store.events, hasher, instance }));
  const operator: OperatorAccess = {
    activity: store.activity,
    flush: () => activity.flush(),
    delivery: (tenantKey) => dispatcher.status(tenantKey),
    replay: (tenantKey, deliverer, destinationId) => dispatcher.replay(tenantKey, deliverer, destinationId),
    hashUserName: (userName) => hasher.hash(userName),
    checkTicket: (ticket) => checkTicket(stamp, ticket),
    version,
  };
  const pipeline = createPipeline({
    operator,
    observer: activity,
    nudger,
    events: {
      log: store.events,
      sequence: (tenantKey) => dispatcher.catchUp(tenantKey),
      waitForEvents: (tenantKey, ms) => dispatcher.waitForEvents(tenantKey, ms),
    },
    policies,
    ignoredAttributes,
    telemetry,
    auth,
    store,
    maxBodyBytes: config.maxBodyBytes,
    limits,
    trustForwardedFor: config.trustForwardedFor,
    log,
    ...(config.publicBaseUrl ? { publicBaseUrl: config.publicBaseUrl } : {}),
  });
  return {
    config,
    store,
    credentials,
    signingKeyStore: keys,
    auth,
    log,
    pipeline,
    policies,
    ignoredAttributes,
    limits,
    telemetry,
    dispatcher,
    nudger,
    webhooks,
    eventJobs: jobs,
    stampKeys: stamp,
    userHasher: hasher,
    activity,
    operator,
  };
}

/** One timer per tenant, at the earliest time asked for; unref'd (never keeps a process alive); a closed dispatcher ignores it. */
function wakeTimers(dispatcher: Dispatcher): (tenantKey: string, ms: number) => void {
  const timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  return (tenantKey, ms) => {
    const at = Date.now() + ms;
    const existing = timers.get(tenantKey);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        timers.delete(tenantKey);
        void dispatcher.schedule(tenantKey);
      },
      Math.min(ms, 2 ** 31 - 1),
    );
    timer.unref();
    timers.set(tenantKey, { at, timer });
  };
}

/** in-process: this host dispatches; queue: a Storage Queue message per nudge; off: only the sweeper and Events API reads sequence. */
function nudgerFor(config: Config): (dispatcher: Dispatcher) => Nudger {
  if (config.eventDispatch === "in-process") return inProcessNudger;
  if (config.eventDispatch === "queue") return () => storageQueueNudger(config);
  return () => noNudge;
}

const noNudge: Nudger = { nudge: () => Promise.resolve() };

/** Application Insights when its connection string is set (the SDK starts on first use); otherwise none. */
function telemetryFor(config: Config, log: Logger): Telemetry {
  const connectionString = config.appInsightsConnectionString;
  if (!connectionString) return noTelemetry;
  return azureMonitorTelemetry({ connectionString, managedIdentityClientId: config.managedIdentityClientId }, (reason) =>
    log.error(JSON.stringify({ event: "telemetry.unavailable", reason })),
  );
}
