// Deleting a group whose member list is larger than one request can clear (100,000 members are 200,000
// row deletions, ~100 s at a partition's 2,000 entities/s): the group row, its index rows and a
// tombstone (Z:<id>) go in one transaction, so the group is gone at once; its membership rows are then
// removed against a deadline, resumably. Until a tombstone is cleared, readers leave that group out.
import { TransactionAction } from "@azure/data-tables";
import { ROW, rangeEnd } from "./keys";
import { Partition } from "./partition";
import { Memberships } from "./members";

const tombstoneKey = (groupId: string) => ROW.deletedGroup + groupId;

export class GroupDeletions {
  constructor(private readonly p: Partition, private readonly memberships: Memberships) {}

  /** The action recording that a group's membership rows are still to be removed. */
  markAction(groupId: string): TransactionAction {
    return ["upsert", { partitionKey: this.p.partitionKey, rowKey: tombstoneKey(groupId), at: new Date().toISOString() }, "Replace"];
  }

  /** 1 round trip: the ids of deleted groups whose membership rows are still being removed (usually none). */
  async pending(): Promise<Set<string>> {
    const ids = new Set<string>();
    for await (const row of this.p.range(ROW.deletedGroup, rangeEnd(ROW.deletedGroup), ["RowKey"])) ids.add(row.rowKey!.slice(ROW.deletedGroup.length));
    return ids;
  }

  /** 1 round trip: whether this group's cleanup is still pending. */
  async isPending(groupId: string): Promise<boolean> {
    return (await this.p.pointRead(tombstoneKey(groupId), ["RowKey"])) !== undefined;
  }

  /**
   * Removes the group's membership rows until done (then drops the tombstone: true) or the deadline
   * passes (false; the tombstone stays and finish() can be called again). ⌈n/1000⌉ reads, ⌈n/50⌉ transactions.
   */
  async finish(groupId: string, deadline: number): Promise<boolean> {
    if (!(await this.memberships.removeAllOf(groupId, deadline))) return false;
    await this.p.submit([["delete", { partitionKey: this.p.partitionKey, rowKey: tombstoneKey(groupId) }]]).catch((e) => {
      if ((e as { code?: string }).code !== "not-found") throw e; // finished concurrently by another request
    });
    return true;
  }

  /** Resumes every pending cleanup of this tenant (1 round trip when there is none). */
  async resumeAll(deadline: number): Promise<boolean> {
    let done = true;
    for (const id of await this.pending()) done = (await this.finish(id, deadline)) && done;
    return done;
  }
}
