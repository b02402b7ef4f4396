// THE write assembler: every write of a tenant's partition is an Intent, and `commit` is the one
// function that turns an intent into entity-group transactions (EGTs) and submits them. The outbox row
// (the change's event entry, shared/scim/events.ts) is added here, as the first action of every
// transaction that changes something a consumer sees, and counted against the 100-entity limit here —
// nowhere else. No change without its event, no event without its change: they commit together.
//
// An intent is the resource's own rows (written atomically in one EGT) plus membership pairs (two rows
// per membership, chunked around the own rows: ⌈k/49⌉ transactions for k membership changes).
//
// Lost answers: Table Storage may commit an EGT and lose the answer; the SDK then replays the same
// request, which fails as a replay of a committed change does. A transaction with an outbox row fails
// on that row first (409 at index 0: its key is new to this attempt), which proves the commit without a
// read — unless the sequencer has moved the row into the event log and cleared it before the replay.
// Then, and without an outbox row (clearing a deleted group's rows, settings), the failure is 409 on a
// create, 412 on a replace under the old ETag or 404 on a delete, and `committed` decides by reading
// whether it was our own commit. Either way the intent succeeded and the caller answers as the first
// attempt would have.
//
// No-ops record nothing: adding a member that is already there fails its create (409 inside the pairs)
// and removing one that is not fails its delete (404); such pairs are dropped and the rest resubmitted,
// so neither a row nor an event is written for them.
import { randomBytes } from "node:crypto";
import type { TransactionAction } from "@azure/data-tables";
import { type MemberChange, type OutboxEntry, type RecordedChange, type ResourceChange, eventCount, eventId } from "../scim/events";
import { StoreError } from "./errors";
import { MAX_BATCH, Partition, chunk, inParallel } from "./partition";
import { type Pair, outboxRow, versionWritten } from "./rows";

export type { Pair } from "./rows";

export interface Intent {
  /** The resource's own rows (resource row, index rows, tombstone), atomic; may be empty. */
  own: TransactionAction[];
  /**
   * "first": the own rows go in the first transaction, membership pairs follow (create, update, member
   * changes). "last": the pairs go first and the own rows with the last chunk (deleting a user: a delete
   * cut off half-way leaves the user in place, so its retry finishes the job).
   */
  ownAt: "first" | "last";
  pairs: readonly Pair[];
  /** Rows every transaction without the own rows carries (the group's touch: a deleted group fails it). */
  companion?: () => TransactionAction[];
  /** What the own rows' transaction records (resource created / updated / deleted); none for a no-op. */
  changes?: ResourceChange[];
  /** Whether each transaction records its pairs as member events (default true; false clears a deleted group's rows). */
  memberEvents?: boolean;
  /**
   * Called when the transaction holding the own rows fails with the error a replay of a committed
   * transaction produces (conflict, precondition-failed, not-found inside the own rows) other than on its
   * outbox row: true when the intent is in fact committed (the failure was the SDK replaying our own write).
   */
  committed?: (error: StoreError) => Promise<boolean>;
}

/** Parallel transactions per intent: enough to overlap latency, few enough to stay polite to one partition. */
const PARALLEL_BATCHES = 8;

/** Room kept in every transaction for its outbox row. */
const OUTBOX_ROWS = 1;

/** How many membership pairs fit beside `fixed` rows in one transaction. */
const pairsBeside = (fixed: number) => Math.floor((MAX_BATCH - fixed - OUTBOX_ROWS) / 2);

/** A new outbox entry id: time-ordered, unique per attempt (so a replay of it conflicts with itself). */
export const newEntryId = () => eventId(Date.now(), randomBytes(8).toString("hex"));

interface Part {
  /** The rows at the head of this transaction: the own rows, the companion, or nothing. */
  head: TransactionAction[];
  /** Whether `head` is the intent's own rows (its failure is the intent's, its changes are recorded here). */
  own: boolean;
  pairs: readonly Pair[];
}

/** Commits an intent: ⌈pairs/49⌉ transactions or fewer, the own rows atomic in one of them. */
export async function commit(p: Partition, intent: Intent): Promise<void> {
  const companion = intent.companion ?? (() => []);
  const own = intent.own;
  const pairs = intent.pairs;
  const run = (part: Part) => submit(p, intent, part);
  if (own.length === 0 && intent.companion === undefined) {
    // Nothing to keep atomic (clearing rows): every chunk in parallel.
    await inParallel(chunk(pairs, pairsBeside(0)), PARALLEL_BATCHES, (c) => run({ head: [], own: false, pairs: c }));
    return;
  }
  if (intent.ownAt === "first") {
    const head = own.length > 0 ? own : companion();
    const firstSize = pairsBeside(head.length);
    await run({ head, own: own.length > 0, pairs: pairs.slice(0, firstSize) });
    const rest = chunk(pairs.slice(firstSize), pairsBeside(companion().length));
    await inParallel(rest, PARALLEL_BATCHES, (c) => run({ head: companion(), own: false, pairs: c }));
    return;
  }
  const lastSize = pairsBeside(own.length);
  const early = pairs.slice(0, Math.max(0, pairs.length - lastSize));
  await inParallel(chunk(early, pairsBeside(0)), PARALLEL_BATCHES, (c) => run({ head: [], own: false, pairs: c }));
  await run({ head: own, own: true, pairs: pairs.slice(early.length) });
}

/** The member events of the pairs one transaction holds, grouped by group and operation, in order. */
function memberChanges(pairs: readonly Pair[], head: TransactionAction[]): MemberChange[] {
  const out: MemberChange[] = [];
  for (const pair of pairs) {
    const type = pair.op === "add" ? "group.member_added" : "group.member_removed";
    let last = out[out.length - 1];
    if (last?.type !== type || last.group !== pair.group) {
      const version = versionWritten(head, pair.group);
      last = { type, group: pair.group, ...(version ? { version } : {}), members: [] };
      out.push(last);
    }
    last.members.push(pair.member);
  }
  return out;
}

/**
 * 1 round trip per attempt: the outbox row (when the transaction records a change), `head`, the pairs.
 * A removal whose row is already gone (404) and an add whose row is already there (409) are no-ops:
 * dropped, and the rest resubmitted, so re-running a half-applied delta converges and records only what
 * it changed. A failure inside `head` is the intent's: its own rows are checked for a lost answer.
 */
async function submit(p: Partition, intent: Intent, part: Part): Promise<void> {
  const { head } = part;
  const withEvents = intent.memberEvents ?? true;
  const entry = { id: newEntryId(), at: new Date().toISOString() };
  let remaining = part.pairs;
  for (;;) {
    if (!part.own && remaining.length === 0) return; // nothing left but the companion: no change to record
    const own = part.own ? (intent.changes ?? []) : [];
    const members = withEvents ? memberChanges(remaining, head) : [];
    // A resource's own change comes first when it is made first (created, then its members added), last
    // when it is made last (a user's memberships removed, then the user deleted).
    const changes: RecordedChange[] = intent.ownAt === "last" ? [...members, ...own] : [...own, ...members];
    const outbox: OutboxEntry | undefined = changes.length > 0 ? { ...entry, changes } : undefined;
    const lead = outbox ? [outboxRow(p.partitionKey, outbox)] : [];
    const actions = [...lead, ...head, ...remaining.flatMap((pair) => pair.rows)];
    if (actions.length === 0) return;
    try {
      await p.submit(actions);
      if (outbox) p.meter.events += eventCount(outbox);
      return;
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      const at = e.failedIndex === undefined ? undefined : e.failedIndex - lead.length;
      if (outbox && at === -1 && e.code === "conflict") {
        // Our own outbox row is there: this is the SDK replaying a transaction that committed.
        p.meter.events += eventCount(outbox);
        return;
      }
      if (at !== undefined && at >= head.length && at < head.length + remaining.length * 2) {
        const pair = remaining[Math.floor((at - head.length) / 2)];
        if (pair && e.code === "not-found" && pair.op === "remove") {
          remaining = remaining.filter((x) => x !== pair);
          continue;
        }
        if (pair && e.code === "conflict" && pair.op === "add") {
          remaining = await withoutPresentAdds(p, remaining);
          continue;
        }
      }
      const error = at === e.failedIndex ? e : new StoreError(e.code, e.message, at, e.attribute);
      const replayLike = error.code === "conflict" || error.code === "precondition-failed" || error.code === "not-found";
      if (part.own && intent.committed && replayLike && (await intent.committed(error))) {
        if (outbox) p.meter.events += eventCount(outbox); // committed with its outbox row, since sequenced and cleared
        return;
      }
      throw error;
    }
  }
}

/** Point reads (16 in flight) of the member rows that adds would create: those already there are dropped. */
async function withoutPresentAdds(p: Partition, pairs: readonly Pair[]): Promise<Pair[]> {
  const present = await inParallel(pairs, 16, async (pair) => {
    if (pair.op !== "add") return false;
    const key = (pair.rows[0][1] as { rowKey: string }).rowKey;
    return (await p.pointRead(key, ["RowKey"])) !== undefined;
  });
  return pairs.filter((_, i) => !present[i]);
}
