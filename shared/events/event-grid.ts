// The optional Event Grid sink (SCIM_EVENT_GRID_ENDPOINT): every tenant's events published to one Event
// Grid topic as CloudEvents 1.0, with the managed identity (role EventGrid Data Sender on the topic), for
// vendors already on Azure. A deliverer like the others: the dispatcher runs it after sequencing (on a
// nudge, and on every sweep), and it publishes what follows its own per-tenant cursor, kept in a settings
// row of the tenant's partition (P:eventgrid.cursor), in batches, moving the cursor after each batch the
// topic accepted. At least once: a batch whose answer is lost, or two instances delivering the same
// tenant at once, publish an event twice; consumers deduplicate by `id` (+ `source`), which never changes.
//
// @azure/eventgrid is loaded on first use, and only here (.dependency-cruiser.cjs).
import type * as EventGrid from "@azure/eventgrid";
import type { TokenCredential } from "@azure/core-auth";
import type { ChangeEvent } from "../scim/events";
import type { Store } from "../store";
import { tenantPartition } from "../store";
import { CursorExpired, decodeCursor, readEvents } from "./feed";
import type { DeliveryStatus, Deliverer } from "./dispatcher";

/** What the deliverer needs of a publisher: EventGridPublisherClient's CloudEvent `send`. */
export interface CloudEventPublisher {
  send(events: EventGrid.SendCloudEventInput<ChangeEvent>[]): Promise<void>;
}

/** Builds the publisher for a topic endpoint (injected by the composition root; tests give one with their own TLS trust). */
export type CloudEventPublisherFactory = (endpoint: string) => CloudEventPublisher;

export interface EventGridOptions {
  /** The topic's endpoint, `https://<topic>.<region>-1.eventgrid.azure.net/api/events`. */
  endpoint: string;
  store: Store;
  publisher: CloudEventPublisherFactory;
  /** The stamp's public base URL: the CloudEvents `source` is `<base>/tenants/<tenant>`. */
  publicBaseUrl?: string;
}

export const EVENT_TYPE_PREFIX = "com.scim-functions.";
const CURSOR_SETTING = "eventgrid.cursor";
/** Event Grid takes up to 1 MB per request; a batch stays under it with room for the envelopes. */
const MAX_BATCH_BYTES = 900_000;
const MAX_BATCH_EVENTS = 100;

/** One change event as a CloudEvent 1.0: id, source, type, subject, time, the event as data, and its sequence. */
export function toCloudEvent(event: ChangeEvent, publicBaseUrl: string | undefined): EventGrid.SendCloudEventInput<ChangeEvent> {
  const tenant = encodeURIComponent(event.tenant);
  return {
    id: event.id,
    source: publicBaseUrl ? `${publicBaseUrl}/tenants/${tenant}` : `urn:scim-functions:tenant:${tenant}`,
    type: EVENT_TYPE_PREFIX + event.type,
    subject: `${event.data.resourceType === "Group" ? "Groups" : "Users"}/${event.data.id}`,
    time: new Date(event.timestamp),
    datacontenttype: "application/json",
    data: event,
    // The CloudEvents sequence extension: a string that orders the tenant's events (per source).
    extensionAttributes: { sequence: String(event.sequence), sequencetype: "Integer" },
  };
}

export function eventGridDeliverer(options: EventGridOptions): Deliverer {
  let publisher: CloudEventPublisher | undefined;
  const outcomes = new Map<string, { lastSuccessAt?: string; lastFailureAt?: string; lastFailure?: string }>();
  const label = new URL(options.endpoint).origin;
  const scimBase = options.publicBaseUrl ? `${options.publicBaseUrl}/scim/v2` : undefined;

  const publish = async (tenantKey: string) => {
    publisher ??= options.publisher(options.endpoint);
    const settings = await options.store.settings(tenantKey);
    const stored = await settings.get(CURSOR_SETTING);
    let saved = stored;
    let from = stored ? decodeCursor(stored) : undefined;
    for (let page = 0; page < 100; page++) {
      let read;
      try {
        read = await readEvents(options.store.events, tenantKey, from, { limit: MAX_BATCH_EVENTS, ...(scimBase ? { baseUrl: scimBase } : {}) });
      } catch (e) {
        // Days past retention are gone; what is still kept is published from its start.
        if (!(e instanceof CursorExpired) || from === undefined) throw e;
        from = undefined;
        continue;
      }
      if (read.events.length > 0) {
        for (const batch of batches(read.events.map((e) => toCloudEvent(e, options.publicBaseUrl)))) await publisher.send(batch);
      }
      if (read.cursor !== saved) {
        await settings.put(CURSOR_SETTING, read.cursor);
        saved = read.cursor;
      }
      from = decodeCursor(read.cursor);
      if (read.atEnd) return;
    }
  };

  return {
    name: "event-grid",
    async deliver(tenantKey) {
      const outcome = outcomes.get(tenantKey) ?? {};
      outcomes.set(tenantKey, outcome);
      try {
        await publish(tenantKey);
        outcome.lastSuccessAt = new Date().toISOString();
      } catch (e) {
        outcome.lastFailureAt = new Date().toISOString();
        outcome.lastFailure = reason(e);
        // The status code or network reason only: the topic's answer may quote what it was sent.
        throw new Error(`Event Grid publish failed: ${outcome.lastFailure}`, { cause: e });
      }
    },
    async status(tenantKey): Promise<DeliveryStatus[]> {
      const stored = await (await options.store.settings(tenantKey)).get(CURSOR_SETTING);
      const cursor = stored ? decodeCursor(stored) : undefined;
      const head = await options.store.events.head(tenantPartition(tenantKey));
      const start = cursor ?? (await options.store.events.start(tenantPartition(tenantKey)));
      return [
        {
          deliverer: "event-grid",
          id: "event-grid",
          label,
          state: "active",
          backlog: Math.max(0, head.seq - start.seq),
          deadLetters: 0,
          ...outcomes.get(tenantKey),
        },
      ];
    },
  };
}

/** Consecutive groups of at most MAX_BATCH_EVENTS events and about MAX_BATCH_BYTES of JSON. */
function batches<T>(events: T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const e of events) {
    const size = Buffer.byteLength(JSON.stringify(e), "utf8");
    if (current.length > 0 && (bytes + size > MAX_BATCH_BYTES || current.length >= MAX_BATCH_EVENTS)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** A status code or a network reason; never a response body. */
function reason(e: unknown): string {
  const status = (e as { statusCode?: unknown }).statusCode;
  if (typeof status === "number") return `HTTP ${status}`;
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" ? code : e instanceof Error ? e.name : "error";
}

/** The SDK's publisher with the managed identity (DefaultAzureCredential), both loaded on first use. */
export function defaultCloudEventPublisher(managedIdentityClientId: string | undefined): CloudEventPublisherFactory {
  return (endpoint) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (cold start)
    const { EventGridPublisherClient } = require("@azure/eventgrid") as typeof EventGrid;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- @azure/identity is large
    const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
    const credential: TokenCredential = new DefaultAzureCredential(managedIdentityClientId ? { managedIdentityClientId } : {});
    return cloudEventPublisher(new EventGridPublisherClient(endpoint, "CloudEvent", credential));
  };
}

/** Adapts an EventGridPublisherClient (built by the caller: credential, TLS options) to the deliverer. */
export function cloudEventPublisher(client: EventGrid.EventGridPublisherClient<"CloudEvent">): CloudEventPublisher {
  return { send: (events) => client.send(events) };
}
