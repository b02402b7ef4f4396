// A tenant's webhook endpoints and their delivery state, in the tenant's own partition (W: rows), so an
// endpoint's cursor and the retry rows of the events it failed commit in one transaction:
//   W:e:<endpoint>            the endpoint: URL, type filter, flags, and its delivery state (the cursor over
//                             the tenant's event log, pause/probe, last success and failure);
//   W:r:<endpoint>:<event>    an event that failed and is retried (attempts, next attempt, last error);
//   W:d:<endpoint>:<event>    an event whose attempts are exhausted (dead letter), until replayed.
// Beside them, one index row per endpoint in the `webhooks` partition (apart from every tenant's `t:`
// partition) names its tenant, so the CLI finds an endpoint by its id alone. Signing secrets are not here
// (they cannot be hashed): the composition root keeps them in Key Vault or a 0600 local file.
//
// Healthy endpoints cost one write per batch of delivered events (the cursor), not one per event; only
// failures write rows of their own.
import { randomBytes } from "node:crypto";
import type { TransactionAction } from "@azure/data-tables";
import { StoreError } from "./errors";
import { ROW, rangeEnd } from "./keys";
import { Partition, type ReadRow, chunk, keyAfter } from "./partition";
import { commit } from "./transactions";

/** Where an endpoint's delivery has got to in the tenant's log (the feed's cursor position). */
export interface WebhookCursor {
  period: string;
  seq: number;
}

export interface WebhookEndpoint {
  id: string;
  tenant: string;
  url: string;
  /** Only these event types (every type when absent). */
  types?: string[];
  /** http and private / loopback addresses allowed (a receiver inside the operator's network, tests). */
  allowPrivateNetwork: boolean;
  createdAt: string;
  /** False once disabled by the operator, by a 410 or by failing for the whole retry schedule. */
  enabled: boolean;
  disabledReason?: string;
  disabledAt?: string;
  cursor: WebhookCursor;
  /** Set while the endpoint is failing: new events wait at the cursor and one probe is sent at probeAt. */
  pausedSince?: string;
  probeAt?: string;
  probes: number;
  consecutiveFailures: number;
  lastSuccessAt?: string;
  lastFailureAt?: string;
  lastFailure?: string;
  /** When the previous secret stops being used for signing (a rotation under way). */
  rotationEndsAt?: string;
  etag: string;
}

/** The fields a delivery pass or an operator changes; `undefined` clears an optional field. */
export type EndpointChange = Partial<Omit<WebhookEndpoint, "id" | "tenant" | "createdAt" | "etag">>;

/** One event an endpoint has to retry (or, as a dead letter, gave up on). */
export interface PendingEvent {
  eventId: string;
  /** Where the event is in the log: the day whose partition holds it and its sequence number. */
  period: string;
  seq: number;
  /** The event's own time (its change's). */
  timestamp: string;
  attempts: number;
  /** Due at (retries), or when it became a dead letter. */
  at: string;
  lastError?: string;
  /** Queued by a replay (delivered even when the endpoint's filter would skip it). */
  replay?: boolean;
}

const INDEX_PARTITION = "webhooks";
const ENDPOINT = ROW.webhook + "e:";
const RETRY = ROW.webhook + "r:";
const DEAD = ROW.webhook + "d:";
const retryPrefix = (endpoint: string) => `${RETRY}${endpoint}:`;
const deadPrefix = (endpoint: string) => `${DEAD}${endpoint}:`;

/** Endpoint ids: `whe_` and 16 hex digits (key-safe, Key Vault-name-safe). */
export const newEndpointId = () => "whe_" + randomBytes(8).toString("hex");
export const isEndpointId = (s: string) => /^whe_[0-9a-f]{16}$/.test(s);

const OPTIONAL = [
  "types",
  "disabledReason",
  "disabledAt",
  "pausedSince",
  "probeAt",
  "lastSuccessAt",
  "lastFailureAt",
  "lastFailure",
  "rotationEndsAt",
] as const;

function endpointRow(
  partitionKey: string,
  e: Omit<WebhookEndpoint, "etag">,
  write: string,
): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  const row: Record<string, unknown> & { partitionKey: string; rowKey: string } = {
    partitionKey,
    rowKey: ENDPOINT + e.id,
    w: write,
    tenant: e.tenant,
    url: e.url,
    allowPrivateNetwork: e.allowPrivateNetwork,
    createdAt: e.createdAt,
    enabled: e.enabled,
    cursorPeriod: e.cursor.period,
    cursorSeq: e.cursor.seq,
    probes: e.probes,
    consecutiveFailures: e.consecutiveFailures,
  };
  for (const k of OPTIONAL) {
    const v = e[k];
    if (v !== undefined) row[k] = k === "types" ? JSON.stringify(v) : v;
  }
  return row;
}

function endpointOf(row: ReadRow): WebhookEndpoint {
  const s = (k: string) => {
    const v = row[k];
    return typeof v === "string" ? v : undefined;
  };
  const e: WebhookEndpoint = {
    id: keyAfter(row, ENDPOINT),
    tenant: s("tenant") ?? "",
    url: s("url") ?? "",
    allowPrivateNetwork: row.allowPrivateNetwork === true,
    createdAt: s("createdAt") ?? "",
    enabled: row.enabled === true,
    cursor: { period: s("cursorPeriod") ?? "", seq: Number(row.cursorSeq ?? 0) },
    probes: Number(row.probes ?? 0),
    consecutiveFailures: Number(row.consecutiveFailures ?? 0),
    etag: row.etag ?? "",
  };
  const types = s("types");
  if (types) e.types = JSON.parse(types) as string[];
  for (const k of OPTIONAL) {
    if (k === "types") continue;
    const v = s(k);
    if (v !== undefined) e[k] = v;
  }
  return e;
}

function pendingRow(partitionKey: string, prefix: string, p: PendingEvent): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  return {
    partitionKey,
    rowKey: prefix + p.eventId,
    period: p.period,
    seq: p.seq,
    timestamp: p.timestamp,
    attempts: p.attempts,
    at: p.at,
    ...(p.lastError ? { lastError: p.lastError } : {}),
    ...(p.replay ? { replay: true } : {}),
  };
}

function pendingOf(row: ReadRow, prefix: string): PendingEvent {
  return {
    eventId: keyAfter(row, prefix),
    period: String(row.period),
    seq: Number(row.seq),
    timestamp: String(row.timestamp),
    attempts: Number(row.attempts ?? 0),
    at: String(row.at),
    ...(typeof row.lastError === "string" ? { lastError: row.lastError } : {}),
    ...(row.replay === true ? { replay: true } : {}),
  };
}

/** The outcome of one retry, recorded in one transaction. */
export type RetryOutcome = { kind: "delivered" } | { kind: "retry"; next: PendingEvent } | { kind: "dead"; dead: PendingEvent };

/** One tenant's endpoints (the deliverer and the CLI). Every write is one transaction of the tenant's partition. */
export class TenantWebhooks {
  constructor(
    private readonly p: Partition,
    private readonly index: Partition,
  ) {}

  /** 1 round trip: the tenant's endpoints. */
  async list(): Promise<WebhookEndpoint[]> {
    const out: WebhookEndpoint[] = [];
    for await (const row of this.p.range(ENDPOINT, rangeEnd(ENDPOINT))) out.push(endpointOf(row));
    return out;
  }

  /** 1 round trip. */
  async get(id: string): Promise<WebhookEndpoint | undefined> {
    const row = await this.p.pointRead(ENDPOINT + id);
    return row ? endpointOf(row) : undefined;
  }

  /** 2 transactions: the index row, then the endpoint (an index row without its endpoint reads as absent). */
  async create(e: Omit<WebhookEndpoint, "etag">): Promise<void> {
    await commit(this.index, {
      own: [["upsert", { partitionKey: INDEX_PARTITION, rowKey: e.id, tenant: e.tenant }, "Replace"]],
      ownAt: "first",
      pairs: [],
    });
    const write = randomBytes(6).toString("hex");
    await commit(this.p, { own: [["create", endpointRow(this.p.partitionKey, e, write)]], ownAt: "first", pairs: [], committed: this.wrote(e.id, write) });
  }

  /**
   * Read-modify-write under the row's ETag (again after a concurrent change): `change` sees the stored
   * endpoint and returns what to set, or undefined to leave it. `extra` rows (retry rows, a cursor's
   * failures) commit in the same transaction. Returns the endpoint as written (or as found).
   */
  async update(
    id: string,
    change: (e: WebhookEndpoint) => EndpointChange | undefined,
    extra: (e: WebhookEndpoint) => TransactionAction[] = () => [],
  ): Promise<WebhookEndpoint | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const found = await this.get(id);
      if (!found) return undefined;
      const patch = change(found);
      if (patch === undefined) return found;
      const next: WebhookEndpoint = { ...found, ...patch };
      for (const k of OPTIONAL) if (k in patch && patch[k] === undefined) delete next[k];
      const write = randomBytes(6).toString("hex");
      try {
        await commit(this.p, {
          own: [["update", endpointRow(this.p.partitionKey, next, write), "Replace", { etag: found.etag }], ...extra(found)],
          ownAt: "first",
          pairs: [],
          committed: this.wrote(id, write),
        });
        return next;
      } catch (e) {
        if (e instanceof StoreError && e.code === "precondition-failed" && e.failedIndex === 0) continue; // changed meanwhile
        throw e;
      }
    }
    throw new StoreError("unavailable", "The webhook endpoint is changing too often; retry later.");
  }

  /** Whether the endpoint row holds our write (an answer lost after the commit). */
  private wrote(id: string, write: string) {
    return async () => (await this.p.pointRead(ENDPOINT + id, ["w"]))?.w === write;
  }

  /** Retry rows to upsert beside an endpoint update (a batch's failures), ≤ 98 of them. */
  retryActions(endpointId: string, events: readonly PendingEvent[]): TransactionAction[] {
    return events.map((ev) => ["upsert", pendingRow(this.p.partitionKey, retryPrefix(endpointId), ev), "Replace"]);
  }

  /** Dead-letter rows to upsert beside an endpoint update (events whose only attempt was the last). */
  deadActions(endpointId: string, events: readonly PendingEvent[]): TransactionAction[] {
    return events.map((ev) => ["upsert", pendingRow(this.p.partitionKey, deadPrefix(endpointId), ev), "Replace"]);
  }

  /** ⌈n/1000⌉ round trips: the endpoint's retry rows. */
  async retries(endpointId: string): Promise<PendingEvent[]> {
    const out: PendingEvent[] = [];
    const prefix = retryPrefix(endpointId);
    for await (const row of this.p.range(prefix, rangeEnd(prefix))) out.push(pendingOf(row, prefix));
    return out;
  }

  /** ⌈n/1000⌉ round trips: the endpoint's dead letters, oldest first. */
  async deadLetters(endpointId: string): Promise<PendingEvent[]> {
    const out: PendingEvent[] = [];
    const prefix = deadPrefix(endpointId);
    for await (const row of this.p.range(prefix, rangeEnd(prefix))) out.push(pendingOf(row, prefix));
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** 1 transaction: a retry delivered (row gone), rescheduled, or moved to the dead letters. */
  async settle(endpointId: string, eventId: string, outcome: RetryOutcome): Promise<void> {
    const pk = this.p.partitionKey;
    const retryKey = retryPrefix(endpointId) + eventId;
    const own: TransactionAction[] =
      outcome.kind === "retry"
        ? [["upsert", pendingRow(pk, retryPrefix(endpointId), outcome.next), "Replace"]]
        : outcome.kind === "dead"
          ? [
              ["delete", { partitionKey: pk, rowKey: retryKey }],
              ["upsert", pendingRow(pk, deadPrefix(endpointId), outcome.dead), "Replace"],
            ]
          : [["delete", { partitionKey: pk, rowKey: retryKey }]];
    try {
      await commit(this.p, { own, ownAt: "first", pairs: [], committed: (e) => Promise.resolve(e.code === "not-found") });
    } catch (e) {
      // The retry row was settled by someone else meanwhile (another instance, a replay): nothing to do.
      if (e instanceof StoreError && e.code === "not-found") return;
      throw e;
    }
  }

  /** ⌈n/100⌉ transactions: events queued for delivery now (a replay), replacing retry rows of the same events. */
  async queue(endpointId: string, events: readonly PendingEvent[]): Promise<void> {
    for (const part of chunk(events, 100)) await commit(this.p, { own: this.retryActions(endpointId, part), ownAt: "first", pairs: [] });
  }

  /** ⌈n/50⌉ transactions: dead letters moved back to the retry rows, due now, attempts from zero. */
  async revive(endpointId: string, dead: readonly PendingEvent[], at: string): Promise<void> {
    const pk = this.p.partitionKey;
    for (const part of chunk(dead, 50)) {
      const own: TransactionAction[] = part.flatMap((d): TransactionAction[] => [
        ["delete", { partitionKey: pk, rowKey: deadPrefix(endpointId) + d.eventId }],
        ["upsert", pendingRow(pk, retryPrefix(endpointId), { ...d, attempts: 0, at, replay: true }), "Replace"],
      ]);
      await commit(this.p, { own, ownAt: "first", pairs: [], committed: (e) => Promise.resolve(e.code === "not-found") });
    }
  }

  /** The endpoint, its retry rows and dead letters, and its index row. False when there was none. */
  async remove(endpointId: string): Promise<boolean> {
    const found = await this.get(endpointId);
    const keys: string[] = [];
    for (const prefix of [retryPrefix(endpointId), deadPrefix(endpointId)])
      for await (const row of this.p.range(prefix, rangeEnd(prefix), ["RowKey"])) keys.push(row.rowKey ?? "");
    if (found) keys.push(ENDPOINT + endpointId);
    for (const part of chunk(keys, 100)) {
      await commit(this.p, {
        own: part.map((rowKey): TransactionAction => ["delete", { partitionKey: this.p.partitionKey, rowKey }]),
        ownAt: "first",
        pairs: [],
        committed: (e) => Promise.resolve(e.code === "not-found"),
      });
    }
    try {
      await commit(this.index, {
        own: [["delete", { partitionKey: INDEX_PARTITION, rowKey: endpointId }]],
        ownAt: "first",
        pairs: [],
        committed: (e) => Promise.resolve(e.code === "not-found"),
      });
    } catch (e) {
      if (!(e instanceof StoreError && e.code === "not-found")) throw e;
    }
    return found !== undefined;
  }
}

/** The index of every tenant's endpoints (the CLI's `list` and lookups by id). */
export class WebhookIndex {
  constructor(private readonly index: () => Promise<Partition>) {}

  /** 1 round trip: the tenant an endpoint belongs to. */
  async tenantOf(endpointId: string): Promise<string | undefined> {
    const row = await (await this.index()).pointRead(endpointId);
    return typeof row?.tenant === "string" ? row.tenant : undefined;
  }

  /** ⌈n/1000⌉ round trips: every endpoint's id and tenant. */
  async all(): Promise<Array<{ id: string; tenant: string }>> {
    const out: Array<{ id: string; tenant: string }> = [];
    for await (const row of (await this.index()).range("", "~")) out.push({ id: row.rowKey ?? "", tenant: String(row.tenant) });
    return out;
  }
}

export const WEBHOOK_INDEX_PARTITION = INDEX_PARTITION;
