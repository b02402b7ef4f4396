// The store's public face. `openStore` is called once per host by the composition root; a request asks
// it for its tenant's directory (a fresh round-trip meter per request). The partition comes only from
// the authenticated credential: nothing in a request can name another partition.
import type { TableClient } from "@azure/data-tables";
import { tenantOfPartition, tenantPartition } from "./keys";
import { Partition } from "./partition";
import { TenantDirectory, tenantDirectory } from "./directory";
import { AssertionReplayCache } from "./assertion-replays";
import { TableSettings, createTableClient, createTableServiceClient, tableReadiness } from "./table";
import { EventLog } from "./event-log";
import { TenantSettings } from "./settings";
import { TenantWebhooks, WEBHOOK_INDEX_PARTITION, WebhookIndex } from "./webhooks";
import { ActivityLog } from "./activity-log";

export { StoreError } from "./errors";
export type { StoreErrorCode } from "./errors";
export type { StoredEntity, MemberRef, MemberType, MemberDelta } from "./rows";
export { isResourceId } from "./rows";
export type { TenantDirectory, UserStore, GroupStore, Guard, Change, GroupDeletion } from "./directory";
export type { Meter } from "./partition";
export { AssertionReplayCache } from "./assertion-replays";
export type { TableSettings } from "./table";
export type { TenantSettings } from "./settings";
export { EventLog, CursorExpired, periodOf } from "./event-log";
export type { LogPosition, LogPage, SequencedEntry } from "./event-log";
export { tenantPartition } from "./keys";
export { TenantWebhooks, WebhookIndex, newEndpointId, isEndpointId } from "./webhooks";
export type { WebhookEndpoint, WebhookCursor, EndpointChange, PendingEvent, RetryOutcome } from "./webhooks";
export { ActivityLog, hourOf, isActivityCursor, mergeCounters } from "./activity-log";
export type { ActivityEntry, ActivityPage, ActivityQuery, ActivityState, HourCounters, HourRecord, ObjectCounts } from "./activity-log";

export interface Store {
  /** One request's view of a tenant's directory (opens the table on first use). */
  tenant(tenantKey: string): Promise<TenantDirectory>;
  /**
   * A tenant's settings rows (its schema policy). A view of its own: these reads are not part of a
   * request's round-trip count (the pipeline caches what it reads, ≤ 30 s per instance).
   */
  settings(tenantKey: string): Promise<TenantSettings>;
  /** A tenant's webhook endpoints, their delivery state, retries and dead letters (rows of its partition). */
  webhooks(tenantKey: string): Promise<TenantWebhooks>;
  /** Which tenant each webhook endpoint belongs to (the CLI finds an endpoint by its id). */
  readonly webhookIndex: WebhookIndex;
  /** Used client assertions (replay protection for workload identity federation). */
  readonly assertionReplays: AssertionReplayCache;
  /** The tenants' ordered event logs (sequencer and reader), keyed by tenant partition. */
  readonly events: EventLog;
  /** The tenants' activity (writes, refused requests, hourly counters) in day tables of its own. */
  readonly activity: ActivityLog;
  /** Creates the table if needed; fails with the reason when storage is unreachable. */
  ready(): Promise<void>;
}

export interface StoreSettings extends TableSettings {
  /** Days of event history kept (Events API, replay). */
  eventRetentionDays: number;
  /** Days of activity kept (the status page, the admin API, npm run activity). */
  activityRetentionDays: number;
}

export interface StoreOptions {
  /** Told, per sequenced event entry, its lag from commit to sequence number, and its tenant key. */
  eventLag?: (ms: number, tenantKey: string) => void;
}

export function openStore(settings: StoreSettings, options: StoreOptions = {}): Store {
  let client: TableClient | undefined;
  let ready: (() => Promise<void>) | undefined;
  let service: ReturnType<typeof createTableServiceClient> | undefined;
  const table = async (): Promise<TableClient> => {
    client ??= createTableClient(settings);
    ready ??= tableReadiness(client);
    await ready();
    return client;
  };
  return {
    tenant: async (tenantKey) => tenantDirectory(new Partition(await table(), tenantPartition(tenantKey))),
    settings: async (tenantKey) => new TenantSettings(new Partition(await table(), tenantPartition(tenantKey))),
    webhooks: async (tenantKey) =>
      new TenantWebhooks(new Partition(await table(), tenantPartition(tenantKey)), new Partition(await table(), WEBHOOK_INDEX_PARTITION)),
    webhookIndex: new WebhookIndex(async () => new Partition(await table(), WEBHOOK_INDEX_PARTITION)),
    assertionReplays: new AssertionReplayCache(table),
    events: new EventLog({
      tablePrefix: settings.tableName,
      client: (tableName) => createTableClient({ ...settings, tableName }),
      service: () => (service ??= createTableServiceClient(settings)),
      main: async (partitionKey) => new Partition(await table(), partitionKey),
      retentionDays: settings.eventRetentionDays,
      ...(options.eventLag ? { appended: (ms: number, pk: string) => options.eventLag?.(ms, tenantOfPartition(pk)) } : {}),
    }),
    activity: new ActivityLog({
      tablePrefix: settings.tableName,
      client: (tableName) => createTableClient({ ...settings, tableName }),
      service: () => (service ??= createTableServiceClient(settings)),
      main: async (partitionKey) => new Partition(await table(), partitionKey),
      retentionDays: settings.activityRetentionDays,
    }),
    ready: async () => {
      await table();
    },
  };
}
