// The nudge as a Storage Queue message (SCIM_EVENT_DISPATCH=queue, on Azure): after a write commits, the
// pipeline sends {"tenant": "<key>"} to the queue; the queue-triggered function (functions/index.ts)
// hands the message to eventJobs().onNudge, which runs the dispatcher for that tenant. The message names
// the tenant only: the outbox rows are the truth, so a duplicate message costs one empty dispatch and a
// lost one is caught by the sweeper.
//
// The Functions queue extension decodes messages as base64 by default (host.json
// extensions.queues.messageEncoding = "base64", written out there), so the text is sent base64-encoded;
// the worker hands a JSON message to the handler parsed. @azure/storage-queue is loaded on first send, as
// the other SDKs are (cold start), and only here: .dependency-cruiser.cjs keeps it in this file.
import type * as StorageQueue from "@azure/storage-queue";
import type { TokenCredential } from "@azure/core-auth";
import type { Nudger } from "./dispatcher";

export interface QueueSettings {
  /** Locally: Azurite's (or an account's) connection string with its queue service; wins over the endpoint. */
  storageConnectionString?: string;
  /** On Azure: https://<account>.queue.core.windows.net, reached with the managed identity. */
  storageQueueEndpoint?: string;
  eventQueueName: string;
  managedIdentityClientId?: string;
}

/** A nudge's message: the tenant key, nothing else (no attribute value, no token). */
export interface NudgeMessage {
  tenant: string;
}

export function encodeNudge(tenantKey: string): string {
  return Buffer.from(JSON.stringify({ tenant: tenantKey } satisfies NudgeMessage), "utf8").toString("base64");
}

/**
 * The tenant a queue trigger's message names, or undefined when it is not a nudge. The worker hands a
 * JSON message over parsed; a plain string (a message sent without base64 by hand, or another host
 * setting) is accepted as JSON text too.
 */
export function decodeNudge(message: unknown): string | undefined {
  let value = message;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }
  if (typeof value !== "object" || value === null) return undefined;
  const tenant = (value as { tenant?: unknown }).tenant;
  return typeof tenant === "string" && /^[A-Za-z0-9._-]{1,64}$/.test(tenant) ? tenant : undefined;
}

/** The SDK, required on first send rather than at import (the entry module's load is every cold start). */
function storageQueue(): typeof StorageQueue {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (cold start)
  return require("@azure/storage-queue") as typeof StorageQueue;
}

/** Storage Queue's longest visibility timeout (7 days); a retry due later waits for a sweep. */
const MAX_DELAY_SECONDS = 7 * 24 * 3600;

/** Two quick retries, as for the table: the nudge has 2 s (the pipeline's bound) and the sweeper behind it. */
const RETRY = { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 1000 };

export function createQueueClient(s: QueueSettings): StorageQueue.QueueClient {
  const { QueueClient } = storageQueue();
  if (s.storageConnectionString) return new QueueClient(s.storageConnectionString, s.eventQueueName, { retryOptions: RETRY });
  if (s.storageQueueEndpoint) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- @azure/identity is large; a connection string never needs it
    const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
    const credential: TokenCredential = new DefaultAzureCredential(s.managedIdentityClientId ? { managedIdentityClientId: s.managedIdentityClientId } : {});
    return new QueueClient(`${s.storageQueueEndpoint.replace(/\/+$/, "")}/${s.eventQueueName}`, credential, { retryOptions: RETRY });
  }
  throw new Error("No Queue Storage configured: set SCIM_STORAGE_QUEUE_ENDPOINT or SCIM_STORAGE_CONNECTION_STRING.");
}

/**
 * Sends a message per nudge, coalescing bursts: while a tenant's message is being sent, further nudges
 * share one follow-up send that starts when it ends. Not the send under way: the service may already have
 * enqueued that message, and a dispatch started from it may read the outbox before their commits; the
 * follow-up is enqueued after them. With a connection string (Azurite) the queue is created on first use;
 * on Azure the template creates it.
 */
export function storageQueueNudger(settings: QueueSettings): Nudger {
  let client: StorageQueue.QueueClient | undefined;
  let ready: Promise<unknown> | undefined;
  const queue = async () => {
    client ??= createQueueClient(settings);
    if (settings.storageConnectionString)
      ready ??= client.createIfNotExists().catch((e: unknown) => {
        ready = undefined;
        throw e;
      });
    await ready;
    return client;
  };
  const send = async (tenantKey: string, delayMs = 0) => {
    const visibilityTimeout = Math.min(MAX_DELAY_SECONDS, Math.ceil(delayMs / 1000));
    await (await queue()).sendMessage(encodeNudge(tenantKey), visibilityTimeout > 0 ? { visibilityTimeout } : {});
  };
  // Delayed nudges already sent, per tenant: the time each arrives (a later or equal one is not sent again).
  const later = new Map<string, number[]>();
  const current = new Map<string, Promise<void>>();
  const next = new Map<string, Promise<void>>();
  const start = (tenantKey: string): Promise<void> => {
    const run = send(tenantKey).finally(() => {
      if (current.get(tenantKey) === run) current.delete(tenantKey);
    });
    current.set(tenantKey, run);
    return run;
  };
  return {
    async nudgeLater(tenantKey, ms) {
      const at = Date.now() + ms;
      const pending = (later.get(tenantKey) ?? []).filter((t) => t > Date.now());
      // One message covers every retry due from its arrival on: skip when one arrives at most 1 s after this one would.
      if (pending.some((t) => t <= at + 1000 && t >= Date.now())) {
        later.set(tenantKey, pending);
        return;
      }
      await send(tenantKey, ms);
      later.set(tenantKey, [...pending, at].slice(-20));
    },
    nudge(tenantKey) {
      const queued = next.get(tenantKey);
      if (queued) return queued;
      const underway = current.get(tenantKey);
      if (!underway) return start(tenantKey);
      const followUp = underway
        .catch(() => undefined)
        .then(() => {
          next.delete(tenantKey);
          return start(tenantKey);
        });
      next.set(tenantKey, followUp);
      return followUp;
    },
  };
}
