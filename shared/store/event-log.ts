// The tenant's ordered event log: the sequencer that moves outbox entries (E: rows, written in the
// change's own transaction) into a gap-free, per-tenant sequence, and the reader behind the Events API,
// webhooks and snapshots.
//
// Why a sequencer: outbox keys are made by writers before they commit, so two writers can commit in the
// opposite order of their keys, and a reader paging over outbox keys could pass an entry that appears
// behind it later. The sequencer numbers only entries that are already committed, and appends them with
// their numbers in one transaction that also advances the log's state row under its ETag: an entry is
// readable only with its number, and every smaller number is readable before it. Writers never wait for
// it and never touch a shared row (create stays 1 round trip, PATCH 2); only the sequencer is serialized,
// per tenant, and it appends up to 99 entries per transaction.
//
// Where the log lives: one table per UTC day, `<table>ev<yyyymmdd>`, partitioned by tenant, so expiry is
// one deleteTable per day for every tenant at once (Table Storage has no TTL). In a day's partition:
//   S                   the state row: last sequence number, the ids of the last appended batch, and
//                       `closed`/`next` once the tenant's log has moved on to a later day;
//   L:<12-digit end>    a sequenced entry (its events are numbered first … end); or, at last+1 of a
//                       closed day, the marker that sends readers on to the next day's partition.
// The tenant's main partition keeps Q:events: which day is current and its last number (in the same
// transaction that clears the sequenced outbox rows), so numbering survives a day's table expiring.
//
// Crash safety: appending and clearing the outbox are two transactions (two tables). The state row
// remembers the last batch's entry ids; a sequencer that finds outbox rows with those ids knows they are
// already in the log and only clears them. So an entry is appended exactly once.
import type { TableClient, TableServiceClient, TransactionAction } from "@azure/data-tables";
import { type OutboxEntry, eventCount } from "../scim/events";
import { StoreError } from "./errors";
import { ROW, rangeEnd } from "./keys";
import { Partition, type ReadRow } from "./partition";
import { outboxEntryOf, textOf, withText } from "./rows";
import { DayTables, periodOf } from "./day-tables";

export { periodOf } from "./day-tables";

/** A position in a tenant's log: the day whose partition holds the next entry, and the last number read. */
export interface LogPosition {
  period: string;
  seq: number;
}

/** One sequenced entry: its events are numbered first … first + count − 1. */
export interface SequencedEntry {
  /** The day whose partition holds it. */
  period: string;
  first: number;
  count: number;
  entry: OutboxEntry;
}

export interface LogPage {
  entries: SequencedEntry[];
  /** Storage round trips this read made. */
  trips: number;
  /** Where the next read continues (the last entry read, or the position read from when none). */
  position: LogPosition;
}

export interface EventLogOptions {
  /** The main table's name: day tables are `<name>ev<yyyymmdd>`. */
  tablePrefix: string;
  /** A TableClient for another table of the same account. */
  client: (tableName: string) => TableClient;
  /** The account's table service (listing and dropping day tables). */
  service: () => TableServiceClient;
  /** A tenant's main partition (its outbox and the Q:events pointer). */
  main: (partitionKey: string) => Promise<Partition>;
  /** Whole days of history kept (a day's table is dropped once every event in it is older). */
  retentionDays: number;
  now?: () => number;
  /** Told, per appended entry, how long after its change it got its sequence number (telemetry's event lag). */
  appended?: (lagMs: number, partitionKey: string) => void;
}

/** The reader asked for a position whose day has expired: the consumer must start again from a snapshot. */
export class CursorExpired extends Error {
  constructor(readonly period: string) {
    super(`Events of ${period} are past the retention period.`);
    this.name = "CursorExpired";
  }
}

const STATE = "S";
const LOG = "L:";
const POINTER = ROW.eventLog + "events";
/** Entries per append transaction: the state row and 99 log rows. */
const BATCH_ENTRIES = 99;
/** Text per append transaction, inside the 4 MiB limit of an entity-group transaction. */
const BATCH_CHARS = 1_500_000;
/** Outbox rows read per sequencing pass. */
const OUTBOX_READ = 2000;

const pad = (n: number) => String(n).padStart(12, "0");
const logKey = (end: number) => LOG + pad(end);

interface State {
  period: string;
  last: number;
  batch: string[];
  closed: boolean;
  next?: string;
  etag: string;
}

/** Opens the tables of the log; `client(name)` builds a TableClient for a table of the same account. */
export class EventLog {
  private readonly slots = new Map<string, { run: Promise<number>; again?: Promise<number> }>();
  private readonly main: (partitionKey: string) => Promise<Partition>;
  private readonly now: () => number;
  private readonly days: DayTables;

  constructor(private readonly options: EventLogOptions) {
    this.main = options.main;
    this.now = options.now ?? Date.now;
    this.days = new DayTables({ ...options, prefix: `${options.tablePrefix}ev`, now: this.now });
  }

  tableOf(period: string): string {
    return this.days.tableOf(period);
  }

  private ensureTable(period: string): Promise<void> {
    return this.days.ensure(period);
  }

  private day(period: string, partitionKey: string): Partition {
    return this.days.partition(period, partitionKey);
  }

  /**
   * Moves the tenant's committed outbox entries into its log, in commit order; returns how many entries
   * were appended. Calls for the same tenant in one process share one run; across processes the state
   * row's ETag keeps one appender at a time.
   */
  sequence(partitionKey: string): Promise<number> {
    const slot = this.slots.get(partitionKey);
    if (!slot) return this.startRun(partitionKey);
    // One follow-up run for everyone who asked while a run was under way: it sees what they committed.
    slot.again ??= slot.run.catch(() => 0).then(() => this.startRun(partitionKey));
    return slot.again;
  }

  private startRun(partitionKey: string): Promise<number> {
    const slot: { run: Promise<number>; again?: Promise<number> } = { run: Promise.resolve(0) };
    slot.run = this.sequenceNow(partitionKey).finally(() => {
      if (this.slots.get(partitionKey) === slot) this.slots.delete(partitionKey);
    });
    this.slots.set(partitionKey, slot);
    return slot.run;
  }

  private async sequenceNow(partitionKey: string): Promise<number> {
    const main = await this.main(partitionKey);
    let appended = 0;
    // Nothing committed, nothing to do (and no state row made for a tenant that has no events).
    if (!(await hasOutbox(main))) return appended;
    for (let pass = 0; pass < 50; pass++) {
      // The state first, then the outbox: whatever another sequencer appends after our state read fails
      // our append's ETag condition. Read the other way round, an outbox read older than the state could
      // hold entries appended (and cleared) in between, under a batch no longer in the state row's list,
      // and they would be appended twice.
      const state = await this.openState(partitionKey, main);
      const rows = await readOutbox(main);
      if (rows.length === 0) return appended;
      // Batches from this one read of the outbox, each appended under the ETag our previous append
      // returned: if any other appender got in between, our next append fails and we read again, so the
      // outbox read is never older than the state an append is conditioned on.
      let current: State | undefined = state;
      let rest = rows;
      while (rest.length > 0) {
        const already = new Set(current.batch);
        const leftovers = rest.filter((r) => already.has(r.entry.id));
        if (leftovers.length > 0) await clearOutbox(main, leftovers, undefined);
        rest = rest.filter((r) => !already.has(r.entry.id));
        if (rest.length === 0) break;
        const batch = takeBatch(rest);
        current = await this.append(partitionKey, current, batch);
        if (!current) break; // another appender moved the state on: read again
        await clearOutbox(main, batch, { period: current.period, last: current.last });
        appended += batch.length;
        const now = this.now();
        for (const { entry } of batch) this.options.appended?.(Math.max(0, now - Date.parse(entry.at)), partitionKey);
        rest = rest.slice(batch.length);
        if (!current.etag) break; // the service did not say the new ETag: read the state (then the outbox) again
      }
      if (current && rows.length < OUTBOX_READ && rest.length === 0) return appended;
    }
    return appended;
  }

  /** One transaction: the state row (under its ETag) and the batch's log rows. Undefined when the state had moved. */
  private async append(partitionKey: string, state: State, batch: OutboxRow[]): Promise<State | undefined> {
    let last = state.last;
    const rows: TransactionAction[] = [];
    for (const { entry } of batch) {
      const count = eventCount(entry);
      const first = last + 1;
      last += count;
      rows.push(["create", withText({ partitionKey, rowKey: logKey(last), k: "L", f: first, c: count }, JSON.stringify(entry), "event")]);
    }
    const ids = batch.map((b) => b.entry.id);
    const stateRow = { partitionKey, rowKey: STATE, last, batch: JSON.stringify(ids), closed: false };
    let etag: string | undefined;
    try {
      const answer = await this.day(state.period, partitionKey).submit([["update", stateRow, "Replace", { etag: state.etag }], ...rows]);
      etag = answer?.getResponseForEntity(STATE)?.etag;
    } catch (e) {
      if (e instanceof StoreError && (e.code === "precondition-failed" || e.code === "conflict" || e.code === "not-found")) return undefined;
      throw e;
    }
    // Without the new ETag (Azurite does not report it per entity), etag is "": the caller reads again.
    return { ...state, last, batch: ids, etag: etag ?? "" };
  }

  /** The tenant's open state row: today's, or a later day's when another clock got there first. */
  private async openState(partitionKey: string, main: Partition): Promise<State> {
    const today = periodOf(this.now());
    for (let hop = 0; hop < 10; hop++) {
      const pointer = await main.pointRead(POINTER);
      if (!pointer) {
        await this.ensureTable(today);
        const created = await this.createState(today, partitionKey, 0, []);
        await upsertPointer(main, today, created.last);
        return created;
      }
      const state = await this.currentState(String(pointer.period), partitionKey);
      if (!state) {
        // The current day's table expired while the tenant was idle: continue the numbering today.
        await this.ensureTable(today);
        const created = await this.createState(today, partitionKey, Number(pointer.last ?? 0), []);
        await upsertPointer(main, today, created.last);
        return created;
      }
      if (state.period !== String(pointer.period)) await upsertPointer(main, state.period, state.last);
      if (state.period >= today) return state;
      // Close the old day: its state moves on and the marker at last+1 sends readers to today.
      await this.ensureTable(today);
      try {
        await this.day(state.period, partitionKey).submit([
          [
            "update",
            { partitionKey, rowKey: STATE, last: state.last, batch: JSON.stringify(state.batch), closed: true, next: today },
            "Replace",
            { etag: state.etag },
          ],
          ["create", { partitionKey, rowKey: logKey(state.last + 1), k: "M", next: today }],
        ]);
      } catch (e) {
        if (!(e instanceof StoreError) || (e.code !== "precondition-failed" && e.code !== "conflict")) throw e;
        continue; // someone appended or closed meanwhile: look again
      }
      const opened = await this.createState(today, partitionKey, state.last, state.batch, state.period);
      await upsertPointer(main, today, opened.last);
      return opened;
    }
    throw new StoreError("unavailable", "The event log is changing too often; retry later.");
  }

  private async createState(period: string, partitionKey: string, last: number, batch: string[], prev?: string): Promise<State> {
    const p = this.day(period, partitionKey);
    try {
      await p.submit([["create", { partitionKey, rowKey: STATE, last, batch: JSON.stringify(batch), closed: false, ...(prev ? { prev } : {}) }]]);
    } catch (e) {
      if (!(e instanceof StoreError) || e.code !== "conflict") throw e;
    }
    const state = await this.readState(period, partitionKey);
    if (!state) throw new StoreError("unavailable", "The event log's state row could not be read back.");
    return state;
  }

  /** The state row of the day the pointer names, following closed days on to the open one (1 read per day). */
  private async currentState(period: string, partitionKey: string): Promise<State | undefined> {
    let state = await this.readState(period, partitionKey);
    for (let follow = 0; state?.closed && state.next && follow < 40; follow++) state = await this.readState(state.next, partitionKey);
    return state;
  }

  private async readState(period: string, partitionKey: string): Promise<State | undefined> {
    let row: ReadRow | undefined;
    try {
      row = await this.day(period, partitionKey).pointRead(STATE);
    } catch (e) {
      if (e instanceof StoreError && e.code === "not-found") return undefined; // the table itself is gone
      throw e;
    }
    if (!row) return undefined;
    return {
      period,
      last: Number(row.last),
      batch: JSON.parse(typeof row.batch === "string" ? row.batch : "[]") as string[],
      closed: row.closed === true,
      ...(typeof row.next === "string" ? { next: row.next } : {}),
      etag: String(row.etag),
    };
  }

  /** The position after the last sequenced event (1 read, after following closed days). */
  async head(partitionKey: string): Promise<LogPosition> {
    const main = await this.main(partitionKey);
    const pointer = await main.pointRead(POINTER);
    if (!pointer) return { period: periodOf(this.now()), seq: 0 };
    const state = await this.currentState(String(pointer.period), partitionKey);
    return state ? { period: state.period, seq: state.last } : { period: String(pointer.period), seq: Number(pointer.last ?? 0) };
  }

  /** The oldest retained position of a tenant's log (reading from the beginning). */
  async start(partitionKey: string): Promise<LogPosition> {
    const periods = await this.periods();
    for (const period of periods) {
      for await (const row of this.day(period, partitionKey).range(LOG, rangeEnd(LOG), ["RowKey", "f", "k"], 1)) {
        if (row.k === "L") return { period, seq: Number(row.f) - 1 };
        break;
      }
    }
    return this.head(partitionKey);
  }

  /**
   * Up to `maxEntries` entries after `from` (⌈entries/100⌉ round trips, plus one per day boundary crossed).
   * Throws CursorExpired when `from`'s day is past retention.
   */
  async read(partitionKey: string, from: LogPosition, maxEntries: number): Promise<LogPage> {
    const entries: SequencedEntry[] = [];
    let position = { ...from };
    if (position.period < this.oldestRetained()) throw new CursorExpired(position.period);
    const page = (p: LogPosition) => {
      const partition = this.day(p.period, partitionKey);
      parts.push(partition);
      return partition;
    };
    const parts: Partition[] = [];
    const done = () => ({ entries, position, trips: parts.reduce((n, p) => n + p.meter.trips, 0) });
    for (let hop = 0; hop < 40; hop++) {
      let moved = false;
      try {
        for await (const row of page(position).range(logKey(position.seq), rangeEnd(LOG), undefined, Math.min(100, maxEntries + 1))) {
          if (row.rowKey === logKey(position.seq)) continue; // the entry ending at the cursor was read already
          if (row.k === "M") {
            position = { period: String(row.next), seq: position.seq };
            moved = true;
            break;
          }
          const first = Number(row.f);
          const count = Number(row.c);
          entries.push({ period: position.period, first, count, entry: JSON.parse(textOf(row)) as OutboxEntry });
          position = { period: position.period, seq: first + count - 1 };
          if (entries.length >= maxEntries) return done();
        }
      } catch (e) {
        if (e instanceof StoreError && e.code === "not-found") return done(); // no table for that day yet
        throw e;
      }
      if (!moved) return done();
    }
    return done();
  }

  /** The retained days that have a table, oldest first (1 round trip). */
  periods(): Promise<string[]> {
    return this.days.periods();
  }

  /** The oldest day still served: today minus the retention. */
  oldestRetained(): string {
    return this.days.oldestRetained();
  }

  /** Drops the day tables past retention (1 round trip to list, 1 per table dropped). Returns the days dropped. */
  prune(): Promise<string[]> {
    return this.days.prune();
  }

  /** Outbox entries committed but not yet sequenced, and the oldest one's time (the delivery backlog's start). */
  async pending(partitionKey: string): Promise<{ count: number; oldest?: string }> {
    const rows = await readOutbox(await this.main(partitionKey));
    const oldest = rows.map((r) => r.entry.at).sort()[0];
    return { count: rows.length, ...(oldest ? { oldest } : {}) };
  }
}

interface OutboxRow {
  key: string;
  entry: OutboxEntry;
  size: number;
}

/** 1 round trip, keys only: whether the outbox holds anything (an idle tenant's whole sequencing pass). */
async function hasOutbox(main: Partition): Promise<boolean> {
  for await (const _row of main.range(ROW.outbox, rangeEnd(ROW.outbox), ["RowKey"], 1)) return true;
  return false;
}

/** ⌈n/1000⌉ round trips: the outbox, in commit order (the service's commit timestamp, then key). */
async function readOutbox(main: Partition): Promise<OutboxRow[]> {
  const rows: Array<OutboxRow & { ts: string }> = [];
  for await (const row of main.range(ROW.outbox, rangeEnd(ROW.outbox))) {
    rows.push({ key: row.rowKey ?? "", entry: outboxEntryOf(row), size: textOf(row).length, ts: typeof row.timestamp === "string" ? row.timestamp : "" });
    if (rows.length >= OUTBOX_READ) break;
  }
  rows.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return rows;
}

function takeBatch(rows: OutboxRow[]): OutboxRow[] {
  const batch: OutboxRow[] = [];
  let chars = 0;
  for (const row of rows) {
    if (batch.length >= BATCH_ENTRIES || (batch.length > 0 && chars + row.size > BATCH_CHARS)) break;
    batch.push(row);
    chars += row.size;
  }
  return batch;
}

/** Deletes sequenced outbox rows (≤ 99 per transaction), recording the log's head in Q:events with the last chunk. */
async function clearOutbox(main: Partition, rows: OutboxRow[], head: { period: string; last: number } | undefined): Promise<void> {
  let remaining = rows.map((r) => r.key);
  for (;;) {
    const chunkKeys = remaining.slice(0, 99);
    const rest = remaining.slice(99);
    const actions: TransactionAction[] = chunkKeys.map((rowKey) => ["delete", { partitionKey: main.partitionKey, rowKey }]);
    if (rest.length === 0 && head) actions.push(pointerAction(main.partitionKey, head.period, head.last));
    if (actions.length === 0) return;
    try {
      await main.submit(actions);
      if (rest.length === 0) return;
      remaining = rest;
    } catch (e) {
      // A row another sequencer cleared meanwhile: drop it and clear the rest.
      if (!(e instanceof StoreError) || e.code !== "not-found" || e.failedIndex === undefined || e.failedIndex >= chunkKeys.length) throw e;
      const gone = chunkKeys[e.failedIndex];
      remaining = remaining.filter((k) => k !== gone);
    }
  }
}

function pointerAction(partitionKey: string, period: string, last: number): TransactionAction {
  return ["upsert", { partitionKey, rowKey: POINTER, period, last }, "Replace"];
}

async function upsertPointer(main: Partition, period: string, last: number): Promise<void> {
  await main.submit([pointerAction(main.partitionKey, period, last)]);
}
