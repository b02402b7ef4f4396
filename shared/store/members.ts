// Group membership: one row per membership in each direction (M:<group>:<member> and
// R:<member>:<group>), changed only as deltas. Every transaction that adds or removes members also
// touches the group row (Merge, If-Match *), so a concurrently deleted group fails the transaction
// instead of gaining orphan rows, and the group's version changes with its membership.
import { TransactionAction } from "@azure/data-tables";
import { ROW, rangeEnd } from "./keys";
import { StoreError } from "./errors";
import { MAX_BATCH, Partition, inParallel } from "./partition";
import { ResourceRows, isResourceId } from "./resources";
import { newVersion } from "./versions";

export type MemberType = "User" | "Group";
export interface MemberRef { value: string; type: MemberType }
export interface MemberDelta { add: MemberRef[]; remove: string[] }

/** Parallel transactions per operation: enough to overlap latency, few enough to stay polite to one partition. */
const PARALLEL_BATCHES = 8;

const memberKey = (groupId: string, memberId: string) => `${ROW.member}${groupId}:${memberId}`;
const reverseKey = (memberId: string, groupId: string) => `${ROW.memberOf}${memberId}:${groupId}`;

/** The two rows of one membership, as one unit: they are always written and removed together. */
type Pair = [TransactionAction, TransactionAction];

export class Memberships {
  constructor(private readonly p: Partition, private readonly users: ResourceRows, private readonly groups: ResourceRows) {}

  /**
   * 1–2 round trips per id (keys-only point reads, user first), 16 ids in flight: what each id is.
   * Ids that name nothing in this tenant come back in `missing`.
   */
  async typesOf(ids: string[]): Promise<{ found: MemberRef[]; missing: string[] }> {
    const kinds = await inParallel(ids, 16, async (id): Promise<MemberType | undefined> => {
      if (!isResourceId(id)) return undefined;
      if (await this.users.exists(id)) return "User";
      return (await this.groups.exists(id)) ? "Group" : undefined;
    });
    const found: MemberRef[] = [];
    const missing: string[] = [];
    ids.forEach((id, i) => (kinds[i] ? found.push({ value: id, type: kinds[i]! }) : missing.push(id)));
    return { found, missing };
  }

  /** ⌈n/1000⌉ round trips: a group's direct members in id order, streamed (keys and type only). */
  async *members(groupId: string): AsyncIterable<MemberRef> {
    const prefix = `${ROW.member}${groupId}:`;
    for await (const row of this.p.range(prefix, rangeEnd(prefix), ["RowKey", "t"])) {
      yield { value: row.rowKey!.slice(prefix.length), type: row.t === "Group" ? "Group" : "User" };
    }
  }

  /** ⌈n/1000⌉ round trips: the ids of the groups a user or group directly belongs to. */
  async *groupsOf(memberId: string): AsyncIterable<string> {
    const prefix = `${ROW.memberOf}${memberId}:`;
    for await (const row of this.p.range(prefix, rangeEnd(prefix), ["RowKey"])) yield row.rowKey!.slice(prefix.length);
  }

  /** 1 round trip: point read of the membership row. */
  async isMember(groupId: string, memberId: string): Promise<boolean> {
    return (await this.p.pointRead(memberKey(groupId, memberId), ["RowKey"])) !== undefined;
  }

  /**
   * ⌈k/49⌉ transactions for k changes, whatever the group's size; no member row is read. The first
   * transaction carries `head` (the group row's own conditional write) or a touch; later ones a touch,
   * and run in parallel. Adds are upserts and removals of absent rows are dropped and retried, so
   * re-running a half-applied delta converges. A missing group → StoreError "not-found".
   */
  async apply(groupId: string, delta: MemberDelta, head: TransactionAction[] = []): Promise<void> {
    const pk = this.p.partitionKey;
    const pairs: Pair[] = [
      ...delta.add.map((m): Pair => [
        ["upsert", { partitionKey: pk, rowKey: memberKey(groupId, m.value), t: m.type }, "Replace"],
        ["upsert", { partitionKey: pk, rowKey: reverseKey(m.value, groupId) }, "Replace"],
      ]),
      ...delta.remove.map((id): Pair => [
        ["delete", { partitionKey: pk, rowKey: memberKey(groupId, id) }],
        ["delete", { partitionKey: pk, rowKey: reverseKey(id, groupId) }],
      ]),
    ];
    const touch = () => touchAction(pk, this.groups.key(groupId));
    const firstHead = head.length > 0 ? head : [touch()];
    const firstSize = Math.floor((MAX_BATCH - firstHead.length) / 2);
    await this.submitPairs(firstHead, pairs.slice(0, firstSize));
    const rest = chunk(pairs.slice(firstSize), Math.floor((MAX_BATCH - 1) / 2));
    await inParallel(rest, PARALLEL_BATCHES, (c) => this.submitPairs([touch()], c));
  }

  /**
   * Deletes a user: removes its memberships, then submits `final` (the user and its index rows) in the
   * last transaction, so a failure half-way leaves the user in place and a retried delete finishes the
   * job; then sweeps once more for memberships a concurrent PATCH wrote in between. Round trips: the
   * membership reads (twice), then ⌈n/50⌉ transactions. Groups are not touched: a member's deletion
   * does not change their version. (Groups are deleted through GroupDeletions: their member lists can
   * be far larger than one request may take.)
   */
  async deleteUser(userId: string, final: TransactionAction[]): Promise<void> {
    const pairs = await this.membershipPairs(userId, false);
    const lastSize = Math.floor((MAX_BATCH - final.length) / 2);
    const early = pairs.slice(0, Math.max(0, pairs.length - lastSize));
    await this.removePairs(early);
    await this.submitPairs(final, pairs.slice(early.length));
    await this.sweepUser(userId);
  }

  /** Removes whatever membership rows still name a deleted user (also run when a delete finds it gone). */
  async sweepUser(userId: string): Promise<void> {
    await this.removePairs(await this.membershipPairs(userId, false));
  }

  /**
   * Removes the membership rows of a deleted group page by page (1,000 pairs per read, then ⌈1000/50⌉
   * transactions) until none is left — true — or the deadline passes — false, to be resumed later.
   */
  async removeAllOf(groupId: string, deadline: number): Promise<boolean> {
    for (;;) {
      const pairs = await this.membershipPairs(groupId, true, 1000);
      if (pairs.length === 0) return true;
      await this.removePairs(pairs);
      if (Date.now() > deadline) return false;
    }
  }

  private async removePairs(pairs: Pair[]): Promise<void> {
    await inParallel(chunk(pairs, MAX_BATCH / 2), PARALLEL_BATCHES, (c) => this.submitPairs([], c));
  }

  /** The membership pairs naming a resource, both directions (at most `limit`). */
  private async membershipPairs(resourceId: string, isGroup: boolean, limit = Infinity): Promise<Pair[]> {
    const pk = this.p.partitionKey;
    const pair = (groupId: string, memberId: string): Pair => [
      ["delete", { partitionKey: pk, rowKey: memberKey(groupId, memberId) }],
      ["delete", { partitionKey: pk, rowKey: reverseKey(memberId, groupId) }],
    ];
    const pairs: Pair[] = [];
    for await (const groupId of this.groupsOf(resourceId)) {
      pairs.push(pair(groupId, resourceId));
      if (pairs.length >= limit) return pairs;
    }
    if (isGroup) {
      for await (const m of this.members(resourceId)) {
        pairs.push(pair(resourceId, m.value));
        if (pairs.length >= limit) return pairs;
      }
    }
    return pairs;
  }

  /**
   * 1 round trip per attempt: `head` plus the pairs. A removal whose row is already gone fails the
   * transaction with its index; that pair is dropped and the rest resubmitted. A failure inside
   * `head` (the group row) is the caller's.
   */
  private async submitPairs(head: TransactionAction[], pairs: Pair[]): Promise<void> {
    let remaining = pairs;
    for (;;) {
      try {
        await this.groups.submitLabelled([...head, ...remaining.flat()]);
        return;
      } catch (e) {
        const index = e instanceof StoreError && e.code === "not-found" ? e.failedIndex : undefined;
        if (index === undefined || index < head.length) throw e;
        const doomed = Math.floor((index - head.length) / 2);
        remaining = remaining.filter((_, i) => i !== doomed);
        if (head.length === 0 && remaining.length === 0) return;
      }
    }
  }
}

/** Merge with If-Match *: changes lastModified and version, fails with 404 when the group is gone. */
function touchAction(partitionKey: string, rowKey: string): TransactionAction {
  return ["update", { partitionKey, rowKey, m: new Date().toISOString(), v: newVersion() }, "Merge", { etag: "*" }];
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
