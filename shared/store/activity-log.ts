// The tenants' activity log: what happened to each request worth explaining (writes, from their events;
// refused and failed requests, from the pipeline) and per-hour counters, kept for the status page, the
// admin API and `npm run activity`. Rows hold names, ids, codes and keyed hashes only, never values.
//
// Where it lives: one table per UTC day, `<table>ac<yyyymmdd>`, partitioned by tenant, so expiry is one
// deleteTable per day for every tenant at once (as the event log's day tables). In a day's partition:
//   A:<inverted ms>:<suffix>   an entry; inverted time, so a range read returns the newest first
//   H:<hh>:<instance>          one instance's counters of that hour (cumulative, replaced on each flush;
//                              merged over instances when read, so instances never contend for a row)
// In the tenant's main partition, Q:activity holds the activity deliverer's state (its position in the
// event log and the object counts it keeps), replaced under its ETag.
import type { TableClient, TableServiceClient, TransactionAction } from "@azure/data-tables";
import { StoreError } from "./errors";
import { ROW, rangeEnd, tenantPartition } from "./keys";
import { MAX_BATCH, Partition, type ReadRow, chunk } from "./partition";
import { GROUP_KIND, USER_KIND, fromRow } from "./rows";
import { DayTables, periodOf } from "./day-tables";

/** One line of a tenant's activity. Names, ids, codes and hashes only. */
export interface ActivityEntry {
  /** ISO time of the request or the change. */
  at: string;
  /** "write": a committed change (from its event); "request": a refused or failed request. */
  kind: "write" | "request";
  requestId?: string;
  /** The route's name (createUser, patchGroup…) and method. */
  route?: string;
  method?: string;
  status?: number;
  scimType?: string;
  resourceType?: "User" | "Group";
  resourceId?: string;
  /** The event type of a write (user.created, group.member_added…). */
  event?: string;
  /** The write's first event's sequence number and id; how many members a member change named. */
  sequence?: number;
  eventId?: string;
  members?: number;
  /** Attribute names: changed (writes), ignored or missing (requests). */
  attributes?: string[];
  /** Why a request was refused, from a template of ours (never the error's detail text). */
  reason?: string;
  /** HMAC-SHA256 of the folded userName under the stamp's activity key. */
  userHash?: string;
  /** How long the request took (ms). */
  ms?: number;
}

/** One instance's counts for one tenant and hour. */
export interface HourCounters {
  requests: number;
  failures: number;
  /** Count per status code. */
  statuses: Record<string, number>;
  /** Count per refusal reason (the templates of ActivityEntry.reason). */
  reasons: Record<string, number>;
  /** Ignored attribute names and policy-required attributes that were missing, with counts. */
  ignored: Record<string, number>;
  rejected: Record<string, number>;
  lastRequestAt?: string;
  lastRequest?: { route: string; status: number };
  lastWriteAt?: string;
}

/** An hour's counters: `hour` is `yyyymmddhh` (UTC). */
export interface HourRecord {
  hour: string;
  counters: HourCounters;
}

/** What the activity deliverer keeps per tenant (the main partition's Q:activity row). */
export interface ActivityState {
  /** The event-log position after the last event turned into entries. */
  period: string;
  seq: number;
  counts: ObjectCounts;
  /** When the counts were last taken from the rows themselves. */
  censusAt: string;
  /** Memberships may be off (a group was deleted: its one event does not say how many it had). */
  membershipsStale?: boolean;
  membershipsStaleSince?: string;
  /** Events up to this sequence number are in the counts already (they were counted from the rows). */
  countedTo?: number;
  etag?: string;
}

export interface ObjectCounts {
  usersActive: number;
  usersDisabled: number;
  groups: number;
  memberships: number;
}

export interface ActivityQuery {
  /** Inclusive lower and exclusive upper time bounds (ms). */
  since: number;
  until: number;
  limit: number;
  /** A cursor from an earlier page. */
  after?: string;
  /** Which entries to return; the others are passed over (at most `maxScan` rows per call). */
  match?: (e: ActivityEntry) => boolean;
  maxScan?: number;
}

export interface ActivityPage {
  entries: ActivityEntry[];
  /** Where the next page starts, when there may be more. */
  next?: string;
  scanned: number;
}

export interface ActivityLogOptions {
  tablePrefix: string;
  client: (tableName: string) => TableClient;
  service: () => TableServiceClient;
  main: (partitionKey: string) => Promise<Partition>;
  retentionDays: number;
  now?: () => number;
}

const ENTRY = "A:";
const HOUR = "H:";
const STATE = ROW.eventLog + "activity";
const MAX_MS = 9_999_999_999_999;
const inverted = (ms: number) => String(MAX_MS - ms).padStart(13, "0");
const DAY_MS = 86_400_000;

export class ActivityLog {
  private readonly now: () => number;
  private readonly days: DayTables;

  constructor(private readonly options: ActivityLogOptions) {
    this.now = options.now ?? Date.now;
    this.days = new DayTables({ ...options, prefix: `${options.tablePrefix}ac`, now: this.now });
  }

  tableOf(period: string): string {
    return this.days.tableOf(period);
  }

  private day(period: string, tenant: string): Partition {
    return this.days.partition(period, tenantPartition(tenant));
  }

  private ensureTable(period: string): Promise<void> {
    return this.days.ensure(period);
  }

  /**
   * Appends entries and replaces this instance's hour counters, per day table in transactions of ≤ 100
   * rows (1 round trip per 100 rows per day touched). Upserts: writing the same entry twice keeps one row.
   */
  async write(tenant: string, entries: readonly ActivityEntry[], hours: readonly HourRecord[], instance: string): Promise<void> {
    const byDay = new Map<string, TransactionAction[]>();
    const add = (period: string, action: TransactionAction) => {
      const list = byDay.get(period) ?? [];
      list.push(action);
      byDay.set(period, list);
    };
    const pk = tenantPartition(tenant);
    for (const e of entries) {
      const ms = Date.parse(e.at);
      add(periodOf(ms), ["upsert", { partitionKey: pk, rowKey: entryKey(e, ms), ...entryColumns(e) }, "Replace"]);
    }
    for (const h of hours) {
      add(h.hour.slice(0, 8), ["upsert", { partitionKey: pk, rowKey: `${HOUR}${h.hour.slice(8, 10)}:${instance}`, c: JSON.stringify(h.counters) }, "Replace"]);
    }
    for (const [period, actions] of byDay) {
      if (period < this.oldestRetained()) continue;
      await this.ensureTable(period);
      const p = this.day(period, tenant);
      // Each row once per transaction: the last write of a key wins.
      const unique = [...new Map(actions.map((a) => [(a[1] as { rowKey: string }).rowKey, a])).values()];
      for (const part of chunk(unique, MAX_BATCH)) await p.submit(part);
    }
  }

  /**
   * Entries newest first within [since, until), across day tables (≥ 1 round trip per day read, one per
   * 1,000 rows). Stops after `limit` matches or `maxScan` rows, with a cursor to go on from.
   */
  async read(tenant: string, q: ActivityQuery): Promise<ActivityPage> {
    const entries: ActivityEntry[] = [];
    const maxScan = q.maxScan ?? 20_000;
    const until = Math.min(q.until, this.now() + DAY_MS);
    const since = Math.max(q.since, Date.parse(isoDay(this.oldestRetained())));
    let scanned = 0;
    const resume = q.after ? decodeAfter(q.after) : undefined;
    const periods = (await this.periods()).filter((p) => p >= periodOf(since) && p <= periodOf(until - 1)).reverse();
    for (const period of periods) {
      if (resume && period > resume.period) continue;
      const from = resume && period === resume.period ? resume.rowKey + "\u0000" : ENTRY + inverted(until - 1);
      const to = ENTRY + inverted(since) + ";"; // ';' follows the ':' after the time
      if (from >= to) continue;
      let rows: AsyncIterable<ReadRow>;
      try {
        rows = this.day(period, tenant).range(from, to);
        for await (const row of rows) {
          scanned++;
          const entry = entryOf(row);
          if (!q.match || q.match(entry)) entries.push(entry);
          if (entries.length >= q.limit || scanned >= maxScan) return { entries, next: encodeAfter(period, row.rowKey ?? ""), scanned };
        }
      } catch (e) {
        if (e instanceof StoreError && e.code === "not-found") continue; // dropped meanwhile
        throw e;
      }
    }
    return { entries, scanned };
  }

  /** The tenant's hour counters since `sinceMs`, merged over instances, oldest first (1 round trip per day). */
  async hours(tenant: string, sinceMs: number): Promise<HourRecord[]> {
    const first = periodOf(sinceMs);
    const sinceHour = hourOf(sinceMs);
    const merged = new Map<string, HourCounters>();
    for (let ms = Date.parse(isoDay(first)); ms <= this.now(); ms += DAY_MS) {
      const period = periodOf(ms);
      try {
        for await (const row of this.day(period, tenant).range(HOUR, rangeEnd(HOUR))) {
          const hour = period + (row.rowKey ?? "").slice(HOUR.length, HOUR.length + 2);
          if (hour < sinceHour) continue;
          merged.set(hour, mergeCounters(merged.get(hour), JSON.parse(String(row.c)) as HourCounters));
        }
      } catch (e) {
        if (e instanceof StoreError && e.code === "not-found") continue; // no table for that day
        throw e;
      }
    }
    return [...merged.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([hour, counters]) => ({ hour, counters }));
  }

  /** 1 round trip: the activity deliverer's state, if it has run for this tenant. */
  async state(tenant: string): Promise<ActivityState | undefined> {
    const row = await (await this.options.main(tenantPartition(tenant))).pointRead(STATE);
    if (!row) return undefined;
    return { ...(JSON.parse(String(row.s)) as ActivityState), etag: String(row.etag) };
  }

  /** 1 transaction: replaces the state under the ETag it was read with (creates it when there was none); false when another instance moved it. */
  async saveState(tenant: string, state: ActivityState): Promise<boolean> {
    const main = await this.options.main(tenantPartition(tenant));
    const { etag, ...rest } = state;
    const row = { partitionKey: main.partitionKey, rowKey: STATE, s: JSON.stringify(rest) };
    try {
      await main.submit([etag ? ["update", row, "Replace", { etag }] : ["create", row]]);
      return true;
    } catch (e) {
      if (e instanceof StoreError && (e.code === "precondition-failed" || e.code === "conflict")) return false;
      throw e;
    }
  }

  /**
   * The tenant's objects counted from its rows: ⌈users/1000⌉ + ⌈groups/1000⌉ + ⌈memberships/1000⌉ round
   * trips (keys only, except users, whose documents say whether they are active). The activity deliverer
   * runs it once per tenant and then daily; the status page never does.
   */
  async census(tenant: string, only?: "memberships"): Promise<Partial<ObjectCounts>> {
    const main = await this.options.main(tenantPartition(tenant));
    const count = async (prefix: string) => {
      let n = 0;
      for await (const row of main.range(prefix, rangeEnd(prefix), ["RowKey"])) if (row.rowKey) n++;
      return n;
    };
    const memberships = await count(ROW.member);
    if (only === "memberships") return { memberships };
    let usersActive = 0;
    let usersDisabled = 0;
    for await (const row of main.range(USER_KIND.row, rangeEnd(USER_KIND.row))) {
      if (fromRow(row, true).doc.active === false) usersDisabled++;
      else usersActive++;
    }
    return { usersActive, usersDisabled, groups: await count(GROUP_KIND.row), memberships };
  }

  /** The days that have a table, oldest first (1 round trip). */
  periods(): Promise<string[]> {
    return this.days.periods();
  }

  /** The oldest day kept: today minus the retention. */
  oldestRetained(): string {
    return this.days.oldestRetained();
  }

  /** Drops the day tables past retention (1 round trip to list, 1 per table dropped); returns the days dropped. */
  prune(): Promise<string[]> {
    return this.days.prune();
  }
}

/** `yyyymmddhh` of a moment (UTC). */
export const hourOf = (ms: number) => new Date(ms).toISOString().slice(0, 13).replace(/[-T]/g, "");

const isoDay = (period: string) => `${period.slice(0, 4)}-${period.slice(4, 6)}-${period.slice(6, 8)}T00:00:00.000Z`;

function entryKey(e: ActivityEntry, ms: number): string {
  const suffix = e.kind === "write" ? `e:${String(e.sequence ?? 0).padStart(12, "0")}:${e.event ?? ""}` : `r:${e.requestId ?? ""}`;
  return `${ENTRY}${inverted(ms)}:${suffix.replace(/[^A-Za-z0-9._:-]/g, "_")}`;
}

const COLUMNS = [
  "kind",
  "requestId",
  "route",
  "method",
  "status",
  "scimType",
  "resourceType",
  "resourceId",
  "event",
  "sequence",
  "eventId",
  "members",
  "reason",
  "userHash",
  "ms",
] as const;

function entryColumns(e: ActivityEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { at: e.at };
  for (const c of COLUMNS) if (e[c] !== undefined) out[c] = e[c];
  if (e.attributes && e.attributes.length > 0) out.attributes = JSON.stringify(e.attributes);
  return out;
}

function entryOf(row: ReadRow): ActivityEntry {
  const e: Record<string, unknown> = { at: String(row.at), kind: row.kind === "write" ? "write" : "request" };
  for (const c of COLUMNS) if (c !== "kind" && row[c] !== undefined && row[c] !== null) e[c] = row[c];
  if (typeof row.attributes === "string") e.attributes = JSON.parse(row.attributes) as string[];
  return e as unknown as ActivityEntry;
}

function encodeAfter(period: string, rowKey: string): string {
  return Buffer.from(`${period}|${rowKey}`, "utf8").toString("base64url");
}

function decodeAfter(cursor: string): { period: string; rowKey: string } | undefined {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const m = /^(\d{8})\|(A:[0-9]{13}:[A-Za-z0-9._:-]*)$/.exec(text);
  return m ? { period: m[1] ?? "", rowKey: m[2] ?? "" } : undefined;
}

/** Whether a cursor is one `read` returned. */
export const isActivityCursor = (cursor: string) => decodeAfter(cursor) !== undefined;

const addCounts = (a: Record<string, number>, b: Record<string, number>) => {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
};
const later = (a: string | undefined, b: string | undefined) => (a === undefined ? b : b === undefined ? a : a > b ? a : b);

/** Two instances' counters of the same hour, added up (the latest request and write kept). */
export function mergeCounters(a: HourCounters | undefined, b: HourCounters): HourCounters {
  if (!a) return b;
  const lastRequestAt = later(a.lastRequestAt, b.lastRequestAt);
  const lastRequest = lastRequestAt === a.lastRequestAt ? a.lastRequest : b.lastRequest;
  const lastWriteAt = later(a.lastWriteAt, b.lastWriteAt);
  return {
    requests: a.requests + b.requests,
    failures: a.failures + b.failures,
    statuses: addCounts(a.statuses, b.statuses),
    reasons: addCounts(a.reasons, b.reasons),
    ignored: addCounts(a.ignored, b.ignored),
    rejected: addCounts(a.rejected, b.rejected),
    ...(lastRequestAt ? { lastRequestAt } : {}),
    ...(lastRequest ? { lastRequest } : {}),
    ...(lastWriteAt ? { lastWriteAt } : {}),
  };
}
