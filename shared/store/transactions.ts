// THE write assembler: every write of a tenant's partition is an Intent, and `commit` is the one
// function that turns an intent into entity-group transactions (EGTs) and submits them. Row kinds that
// ride along with every change (event rows, audit rows) are added here, in `transactionRows`, and
// counted against the 100-entity limit here — nowhere else.
//
// An intent is the resource's own rows (written atomically in one EGT) plus membership pairs (two rows
// per membership, chunked around the own rows: ⌈k/49⌉ transactions for k membership changes).
//
// Lost answers: Table Storage may commit an EGT and lose the answer; the SDK then replays the same
// request, which fails as a replay of a committed change does (409 on a create, 412 on a replace under
// the old ETag, 404 on a delete). `committed` decides, by reading, whether that failure is our own
// commit; if so the intent succeeded and the caller answers as the first attempt would have.
import type { TransactionAction } from "@azure/data-tables";
import { StoreError } from "./errors";
import { MAX_BATCH, Partition, chunk, inParallel } from "./partition";

/** One membership: its two rows (M: and R:), always written or removed together. */
export type Pair = readonly [TransactionAction, TransactionAction];

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
  /**
   * Called when the transaction holding the own rows fails with the error a replay of a committed
   * transaction produces (conflict, precondition-failed, not-found inside the own rows): true when the
   * intent is in fact committed (the failure was the SDK replaying our own write).
   */
  committed?: (error: StoreError) => Promise<boolean>;
}

/** Parallel transactions per intent: enough to overlap latency, few enough to stay polite to one partition. */
const PARALLEL_BATCHES = 8;

/** Rows the assembler adds to every transaction it submits (none yet; event rows land here). */
function transactionRows(): TransactionAction[] {
  return [];
}

/** How many membership pairs fit beside `fixed` rows in one transaction. */
const pairsBeside = (fixed: number) => Math.floor((MAX_BATCH - fixed - transactionRows().length) / 2);

/** Commits an intent: ⌈pairs/49⌉ transactions or fewer, the own rows atomic in one of them. */
export async function commit(p: Partition, intent: Intent): Promise<void> {
  const companion = intent.companion ?? (() => []);
  const own = intent.own;
  const pairs = intent.pairs;
  if (own.length === 0 && intent.companion === undefined) {
    // Nothing to keep atomic (clearing a deleted group's rows): every chunk in parallel.
    await inParallel(chunk(pairs, pairsBeside(0)), PARALLEL_BATCHES, (c) => submit(p, undefined, [], c));
    return;
  }
  if (intent.ownAt === "first") {
    const head = own.length > 0 ? own : companion();
    const firstSize = pairsBeside(head.length);
    await submit(p, own.length > 0 ? intent : undefined, head, pairs.slice(0, firstSize));
    const rest = chunk(pairs.slice(firstSize), pairsBeside(companion().length));
    await inParallel(rest, PARALLEL_BATCHES, (c) => submit(p, undefined, companion(), c));
    return;
  }
  const lastSize = pairsBeside(own.length);
  const early = pairs.slice(0, Math.max(0, pairs.length - lastSize));
  await inParallel(chunk(early, pairsBeside(0)), PARALLEL_BATCHES, (c) => submit(p, undefined, [], c));
  await submit(p, intent, own, pairs.slice(early.length));
}

/**
 * 1 round trip per attempt: `head` plus the pairs. A removal whose row is already gone fails the
 * transaction with its index; that pair is dropped and the rest resubmitted (so re-running a half-applied
 * delta converges). A failure inside `head` is the intent's: its own rows are checked for a lost answer.
 */
async function submit(p: Partition, owner: Intent | undefined, head: TransactionAction[], pairs: readonly Pair[]): Promise<void> {
  let remaining = pairs;
  for (;;) {
    const actions = [...head, ...remaining.flat(), ...transactionRows()];
    if (actions.length === 0) return;
    try {
      await p.submit(actions);
      return;
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      const index = e.failedIndex;
      const inPairs = index !== undefined && index >= head.length && index < head.length + remaining.length * 2;
      if (e.code === "not-found" && inPairs) {
        const doomed = Math.floor((index - head.length) / 2);
        remaining = remaining.filter((_, i) => i !== doomed);
        if (head.length === 0 && remaining.length === 0) return;
        continue;
      }
      const replayLike = e.code === "conflict" || e.code === "precondition-failed" || e.code === "not-found";
      if (owner?.committed && replayLike && (await owner.committed(e))) return;
      throw e;
    }
  }
}
