// One tenant's directory, in the language of the protocol: users and groups are created, updated,
// deleted and read; memberships change as deltas. Every write is an Intent committed by the write
// assembler (transactions.ts), which is the only code that submits transactions. Rules the callers never
// see: row kinds and keys, ETags and the retry of a lost race, the ⌈k/49⌉ chunking, tombstones and "a
// group whose deletion is still clearing its rows does not exist", and lost answers (a replayed write
// answers as its first attempt would have).
import { randomUUID } from "node:crypto";
import type { ScimObject } from "../scim/coerce";
import type { StoredResource } from "../scim/resource";
import { type ResourceChange, changedAttributes, userUpdateType } from "../scim/events";
import { StoreError } from "./errors";
import { rangeEnd, ROW } from "./keys";
import { Meter, Partition, ReadRow, inParallel, keyAfter } from "./partition";
import {
  GROUP_KIND,
  IndexDef,
  MemberDelta,
  MemberRef,
  MemberType,
  ResourceKind,
  Rows,
  StoredEntity,
  USER_KIND,
  fromRow,
  indexKeyPrefix,
  isResourceId,
  memberOfPrefix,
  memberPrefix,
  tombstoneKey,
} from "./rows";
import { foldCase } from "./keys";
import { Intent, Pair, commit } from "./transactions";
import { newVersion } from "./versions";

/** A caller's precondition on the current resource (e.g. If-Match); throws to abort the write. */
export type Guard = (current: StoredEntity) => void;
/** The new document from the current resource; may throw (validation) to abort the write. */
export type Change = (current: StoredEntity) => ScimObject;

/** How long a write keeps re-applying its change when other writes win the ETag race. */
const RACE_DEADLINE_MS = 20_000;

function newResource(doc: ScimObject): StoredResource {
  const now = new Date().toISOString();
  return { id: randomUUID(), doc, created: now, lastModified: now, version: newVersion() };
}

function nextRevision(previous: StoredEntity, doc: ScimObject): StoredResource {
  return { id: previous.id, doc, created: previous.created, lastModified: new Date().toISOString(), version: newVersion() };
}

const jitter = (tries: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 5 * tries)));

/** Reads and intents shared by users and groups. */
abstract class Resources {
  constructor(
    protected readonly p: Partition,
    protected readonly rows: Rows,
    readonly kind: ResourceKind,
  ) {}

  /** 1 round trip: point read of the resource row. */
  async get(id: string): Promise<StoredEntity | undefined> {
    if (!isResourceId(id)) return undefined;
    const row = await this.p.pointRead(this.rows.key(this.kind, id));
    return row && fromRow(row, true);
  }

  /** One round trip per id, 16 in flight; absent ids are left out, order is kept. */
  async getMany(ids: string[]): Promise<StoredEntity[]> {
    const found = await inParallel(ids, 16, (id) => this.get(id));
    return found.filter((e): e is StoredEntity => e !== undefined);
  }

  /** 1 round trip (keys only): whether a resource with this id exists. */
  async exists(id: string): Promise<boolean> {
    return isResourceId(id) && (await this.p.pointRead(this.rows.key(this.kind, id), ["RowKey"])) !== undefined;
  }

  /** The version of the stored resource (keys and version only), if any: 1 round trip. */
  protected async versionOf(id: string): Promise<string | undefined> {
    const row = await this.p.pointRead(this.rows.key(this.kind, id), ["RowKey", "v"]);
    return row === undefined ? undefined : String(row.v);
  }

  /**
   * The resources whose indexed attribute equals `value` (with the attribute's case rule). Users: 1
   * round trip, answered from the index rows' copies of the document (a point read for a unique index, a
   * range read of the value's prefix otherwise). Groups: that read, then a point read per match.
   */
  async findBy(attribute: string, value: string): Promise<StoredEntity[]> {
    const index = this.kind.indexes.find((i) => i.attribute === attribute);
    if (!index) throw new Error(`${this.kind.name} has no index on ${attribute}`);
    const prefix = indexKeyPrefix(index, value);
    const found: ReadRow[] = [];
    if (index.unique) {
      const row = await this.p.pointRead(prefix);
      if (row) found.push(row);
    } else {
      for await (const row of this.p.range(prefix, rangeEnd(prefix))) found.push(row);
    }
    const entities = this.kind.indexCopies ? found.map((r) => fromRow(r, false)) : await this.getMany(found.map((r) => r.id as string));
    // Over-long values are keyed by digest; compare the real value so the lookup stays exact.
    return entities.filter((e) => sameValue(index, e.doc[attribute], value));
  }

  /** ⌈n/1000⌉ round trips: every id of this kind, in RowKey order (keys only). */
  async ids(): Promise<string[]> {
    const ids: string[] = [];
    const prefix = this.kind.row;
    for await (const row of this.p.range(prefix, rangeEnd(prefix), ["RowKey"])) ids.push(keyAfter(row, prefix));
    return ids;
  }

  /** 1 round trip for up to 1,000 consecutive ids (a RowKey range from the first to the last). */
  async getRange(ids: string[]): Promise<StoredEntity[]> {
    const first = ids[0];
    const last = ids[ids.length - 1];
    if (first === undefined || last === undefined) return [];
    const wanted = new Set(ids);
    const out: StoredEntity[] = [];
    for await (const row of this.p.range(this.rows.key(this.kind, first), this.rows.key(this.kind, last) + "\u0000")) {
      const entity = fromRow(row, true);
      if (wanted.has(entity.id)) out.push(entity);
    }
    return out;
  }

  /** 1 round trip: up to `limit` (≤ 1000) resources in id order after `afterId` (from the first when absent). */
  async page(afterId: string | undefined, limit: number): Promise<StoredEntity[]> {
    const prefix = this.kind.row;
    const from = afterId === undefined ? prefix : this.rows.key(this.kind, afterId) + "\u0000";
    const out: StoredEntity[] = [];
    for await (const row of this.p.range(from, rangeEnd(prefix), undefined, limit)) {
      out.push(fromRow(row, false));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** 1 round trip, keys only: the first id of this kind after `afterId` (the first of all when absent). */
  async idAfter(afterId: string | undefined): Promise<string | undefined> {
    const prefix = this.kind.row;
    const from = afterId === undefined ? prefix : this.rows.key(this.kind, afterId) + "\u0000";
    for await (const row of this.p.range(from, rangeEnd(prefix), ["RowKey"], 1)) return keyAfter(row, prefix);
    return undefined;
  }

  /** ⌈n/1000⌉ round trips: every resource of this kind, streamed. */
  async *scan(): AsyncIterable<StoredEntity> {
    const prefix = this.kind.row;
    for await (const row of this.p.range(prefix, rangeEnd(prefix))) yield fromRow(row, true);
  }

  /**
   * 1 transaction (+ the member pairs' chunks): the resource row and its index rows, atomically. A
   * taken unique value is a conflict naming the attribute. A lost answer replayed by the SDK conflicts
   * with our own new row: that is recognised (1 read) and the create succeeds.
   */
  protected async createWith(doc: ScimObject, pairs: (id: string) => Pair[], companion?: (id: string) => Intent["companion"]): Promise<StoredResource> {
    const resource = newResource(doc);
    const own = this.rows.insert(this.kind, resource);
    await this.commitLabelled({
      own,
      ownAt: "first",
      changes: [this.change(this.kind.name === "User" ? "user.created" : "group.created", resource)],
      pairs: pairs(resource.id),
      companion: companion?.(resource.id),
      committed: async (e) => e.code === "conflict" && (await this.versionOf(resource.id)) === resource.version,
    });
    return resource;
  }

  /**
   * Read → change → write under the row's ETag (2 round trips), re-applied when another write won the
   * race (the caller's guard sees each fresh read, so an If-Match that no longer holds is the caller's
   * 412). A lost answer replayed by the SDK fails on our own new ETag: recognised by the version read
   * that the retry makes anyway. Undefined when the resource does not exist.
   */
  protected async updateWith(id: string, change: Change, extra: Omit<Intent, "own" | "ownAt" | "committed">): Promise<StoredResource | undefined> {
    const started = Date.now();
    let reread: StoredEntity | undefined;
    for (let tries = 1; ; tries++) {
      const current = reread ?? (await this.get(id));
      reread = undefined;
      if (!current) return undefined;
      const doc = change(current);
      // Nothing changes (a PATCH setting what is already there; Entra sending a request again whose first
      // attempt committed): no write, no new version, no event — the resource answers as it is.
      const changed = changedAttributes(current.doc, doc);
      if (extra.pairs.length === 0 && changed.length === 0) return current;
      const next = nextRevision(current, doc);
      const own = this.rows.replace(this.kind, current, next);
      try {
        await this.commitLabelled({
          ...extra,
          own,
          ownAt: "first",
          changes: this.updateChanges(current, next, changed),
          committed: async (e) => {
            if (e.code !== "precondition-failed") return false;
            reread = await this.get(id);
            return reread?.version === next.version;
          },
        });
        return next;
      } catch (e) {
        if (!(e instanceof StoreError) || e.code !== "precondition-failed") throw e;
        if (Date.now() - started > RACE_DEADLINE_MS) throw new StoreError("unavailable", "The resource is changing too often; retry later.");
        await jitter(tries);
      }
    }
  }

  /** A change of this resource's own, as its event records it. */
  protected change(type: ResourceChange["type"], resource: StoredResource, changed?: string[]): ResourceChange {
    const { id, doc, created, lastModified, version } = resource; // not the ETag of a read entity
    return { type, resourceType: this.kind.name, resource: { id, doc, created, lastModified, version }, ...(changed ? { changed } : {}) };
  }

  /** What a replace records (one change: deactivated, reactivated or updated; none when only members change). */
  private updateChanges(current: StoredEntity, next: StoredResource, changed: string[]): ResourceChange[] {
    if (this.kind.name === "User") {
      const kind = userUpdateType(current.doc, next.doc, changed);
      return kind ? [this.change(kind.type, next, kind.changed)] : [];
    }
    return changed.length > 0 ? [this.change("group.updated", next, changed)] : [];
  }

  /** Commits; a clash on a unique index row among `own` becomes a conflict naming its attribute. */
  protected async commitLabelled(intent: Intent): Promise<void> {
    try {
      await commit(this.p, intent);
    } catch (e) {
      if (!(e instanceof StoreError) || e.code !== "conflict" || e.failedIndex === undefined) throw e;
      const index = this.rows.uniqueIndexOf(this.kind, intent.own[e.failedIndex]);
      if (!index) throw e;
      throw new StoreError("conflict", `${index.attribute} is already in use`, e.failedIndex, index.attribute);
    }
  }
}

function sameValue(index: IndexDef, stored: unknown, value: string): boolean {
  return typeof stored === "string" && (index.fold ? foldCase(stored) === foldCase(value) : stored === value);
}

/** Membership reads and the rules of deleted groups, shared by both resource stores of a tenant. */
class Memberships {
  constructor(
    private readonly p: Partition,
    private readonly rows: Rows,
  ) {}

  /** ⌈n/1000⌉ round trips: a group's direct member rows in id order (keys and type only). */
  async *rawMembers(groupId: string, pageSize?: number): AsyncIterable<MemberRef> {
    const prefix = memberPrefix(groupId);
    for await (const row of this.p.range(prefix, rangeEnd(prefix), ["RowKey", "t"], pageSize)) {
      yield { value: keyAfter(row, prefix), type: row.t === "Group" ? "Group" : "User" };
    }
  }

  /** ⌈n/1000⌉ round trips: the ids of the groups a resource's rows name as its groups. */
  async *rawGroupsOf(memberId: string, pageSize?: number): AsyncIterable<string> {
    const prefix = memberOfPrefix(memberId);
    for await (const row of this.p.range(prefix, rangeEnd(prefix), ["RowKey"], pageSize)) yield keyAfter(row, prefix);
  }

  /** 1 round trip: the ids of deleted groups whose membership rows are still being removed (usually none). */
  async pendingDeletions(): Promise<Set<string>> {
    const ids = new Set<string>();
    for await (const row of this.p.range(ROW.deletedGroup, rangeEnd(ROW.deletedGroup), ["RowKey"])) ids.add(keyAfter(row, ROW.deletedGroup));
    return ids;
  }

  /** 1 round trip: whether a deleted group's cleanup is still pending. */
  async deletionPending(groupId: string): Promise<boolean> {
    return (await this.p.pointRead(tombstoneKey(groupId), ["RowKey"])) !== undefined;
  }

  /** Members less the groups whose deletion is still clearing their rows (read once, on the first member group). */
  async *liveMembers(groupId: string): AsyncIterable<MemberRef> {
    let dead: Set<string> | undefined;
    for await (const m of this.rawMembers(groupId)) {
      if (m.type === "Group") {
        dead ??= await this.pendingDeletions();
        if (dead.has(m.value)) continue;
      }
      yield m;
    }
  }

  /** The membership pairs naming a resource, both directions (at most `limit`). */
  async pairsNaming(resourceId: string, isGroup: boolean, limit = Infinity): Promise<Pair[]> {
    const pairs: Pair[] = [];
    for await (const groupId of this.rawGroupsOf(resourceId)) {
      pairs.push(this.rows.removePair(groupId, resourceId, isGroup ? "Group" : "User"));
      if (pairs.length >= limit) return pairs;
    }
    if (isGroup) {
      for await (const m of this.rawMembers(resourceId, Math.min(1000, limit))) {
        pairs.push(this.rows.removePair(resourceId, m.value, m.type));
        if (pairs.length >= limit) return pairs;
      }
    }
    return pairs;
  }

  /**
   * Removes whatever membership rows still name a resource (⌈n/49⌉ transactions). A user's are recorded
   * as member_removed events (a membership a PATCH added while the user was being deleted); a deleted
   * group's are not (its one group.deleted event stands for them).
   */
  async removeAllNaming(resourceId: string, isGroup: boolean, deadline = Infinity): Promise<boolean> {
    for (;;) {
      const pairs = await this.pairsNaming(resourceId, isGroup, 1000);
      if (pairs.length === 0) return true;
      await commit(this.p, { own: [], ownAt: "first", pairs, memberEvents: !isGroup });
      if (pairs.length < 1000 && !isGroup) return true;
      if (Date.now() > deadline) return false;
    }
  }
}

export class UserStore extends Resources {
  constructor(
    p: Partition,
    rows: Rows,
    private readonly memberships: Memberships,
  ) {
    super(p, rows, USER_KIND);
  }

  /** 1 round trip: [user, userName index, externalId index] in one transaction. */
  create(doc: ScimObject): Promise<StoredResource> {
    return this.createWith(doc, () => []);
  }

  /** 2 round trips: read, then the conditional replace (re-applied on a lost race). Undefined when absent. */
  update(id: string, change: Change): Promise<StoredResource | undefined> {
    return this.updateWith(id, change, { pairs: [] });
  }

  /**
   * Deletes a user and its memberships: 4 round trips for a user in few groups (read, read its
   * memberships, one transaction removing them with the user and its index rows, a sweep read for a
   * membership a concurrent PATCH added in between). More groups: ⌈g/50⌉ transactions, the user's own
   * rows last, so a delete cut off half-way leaves the user for the retry to finish. A lost answer of
   * the last transaction is recognised (the user is gone) and the delete succeeds. False when the user
   * did not exist (whatever an earlier, interrupted delete left is removed all the same).
   */
  async delete(id: string, guard: Guard = () => undefined): Promise<boolean> {
    const current = await this.get(id);
    if (!current) {
      if (isResourceId(id)) await this.memberships.removeAllNaming(id, false);
      return false;
    }
    guard(current);
    const pairs = await this.memberships.pairsNaming(id, false);
    await commit(this.p, {
      own: this.rows.remove(USER_KIND, current),
      ownAt: "last",
      pairs,
      changes: [this.change("user.deleted", current)],
      committed: async (e) => e.code === "not-found" && !(await this.exists(id)),
    });
    await this.memberships.removeAllNaming(id, false);
    return true;
  }

  /** The groups a user directly belongs to (ids), less groups whose deletion is still being cleared. */
  async groupsOf(userId: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const g of this.memberships.rawGroupsOf(userId)) ids.push(g);
    if (ids.length === 0) return ids;
    const dead = await this.memberships.pendingDeletions();
    return ids.filter((g) => !dead.has(g));
  }

  /** 1 round trip: whether the user is a direct member of the group. */
  isMemberOf(userId: string, groupId: string): Promise<boolean> {
    return isMember(this.p, groupId, userId);
  }
}

async function isMember(p: Partition, groupId: string, memberId: string): Promise<boolean> {
  return (await p.pointRead(`${memberPrefix(groupId)}${memberId}`, ["RowKey"])) !== undefined;
}

/** What a group delete did: whether the group existed, and the cleanup still to run after the answer. */
export interface GroupDeletion {
  deleted: boolean;
  unfinished?: () => Promise<unknown>;
}

export class GroupStore extends Resources {
  constructor(
    p: Partition,
    rows: Rows,
    private readonly memberships: Memberships,
    private readonly users: UserStore,
  ) {
    super(p, rows, GROUP_KIND);
  }

  private touch(groupId: string) {
    return () => [this.rows.touch(groupId, newVersion(), new Date().toISOString())];
  }

  private pairs(groupId: string, delta: MemberDelta): Pair[] {
    return [...delta.add.map((m) => this.rows.addPair(groupId, m)), ...delta.remove.map((id) => this.rows.removePair(groupId, id))];
  }

  /** 1 transaction: group, index rows and the first 48 members; ⌈rest/49⌉ more for a large member list. */
  create(doc: ScimObject, members: MemberRef[] = []): Promise<StoredResource> {
    return this.createWith(
      doc,
      (id) => this.pairs(id, { add: members, remove: [] }),
      (id) => this.touch(id),
    );
  }

  /**
   * Changes the document (read + conditional replace) and the members in one intent: the replace rides in
   * the first transaction, later chunks carry a touch. Undefined when the group does not exist.
   */
  update(id: string, change: Change, delta: MemberDelta = { add: [], remove: [] }): Promise<StoredResource | undefined> {
    return this.updateWith(id, change, { pairs: this.pairs(id, delta), companion: this.touch(id) });
  }

  /**
   * Member changes only: ⌈k/49⌉ transactions, whatever the group's size; no row is read. Each carries a
   * touch of the group row (Merge, If-Match *), so a concurrently deleted group fails the transaction
   * (false) instead of gaining orphan rows, and the group's version changes with its membership. An
   * empty delta writes nothing and reads whether the group exists.
   */
  async changeMembers(id: string, delta: MemberDelta): Promise<boolean> {
    if (delta.add.length === 0 && delta.remove.length === 0) return this.exists(id);
    if (!isResourceId(id)) return false;
    try {
      await commit(this.p, { own: [], ownAt: "first", pairs: this.pairs(id, delta), companion: this.touch(id) });
      return true;
    } catch (e) {
      if (e instanceof StoreError && e.code === "not-found" && e.failedIndex === 0) return false;
      throw e;
    }
  }

  /**
   * Deletes a group. 2 round trips and the group is gone: read, one transaction removing the group and
   * its index rows and recording a tombstone (Z:<id>). Then its membership rows (⌈n/1000⌉ reads, ⌈n/50⌉
   * transactions) until `budgetMs` runs out; `unfinished` is what is left, for the caller to run after
   * answering. When the SDK replays a first transaction whose answer was lost, the replay's not-found
   * is recognised by the tombstone and the delete goes on. A delete of a group whose tombstone is still
   * there (its first attempt committed but the answer never arrived, or the host was killed) is that
   * same delete: it counts as deleted and finishes the rows. Every deletion also resumes the cleanups
   * earlier ones left.
   */
  async delete(id: string, guard: Guard = () => undefined, budgetMs = 20_000): Promise<GroupDeletion> {
    const current = await this.get(id);
    let deleted = false;
    if (current) {
      guard(current);
      await commit(this.p, {
        own: [...this.rows.remove(GROUP_KIND, current), this.rows.tombstone(id, new Date().toISOString())],
        ownAt: "first",
        pairs: [],
        changes: [this.change("group.deleted", current)],
        committed: async (e) => e.code === "not-found" && (await this.memberships.deletionPending(id)),
      });
      deleted = true;
    } else if (isResourceId(id)) {
      deleted = await this.memberships.deletionPending(id);
    }
    const deadline = Date.now() + budgetMs;
    const done = (deleted ? await this.finishDeletion(id, deadline) : true) && (await this.finishDeletions(deadline));
    return done ? { deleted } : { deleted, unfinished: () => this.finishDeletions(Infinity) };
  }

  /** Removes a deleted group's membership rows, then its tombstone; false when the deadline came first. */
  private async finishDeletion(id: string, deadline: number): Promise<boolean> {
    if (!(await this.memberships.removeAllNaming(id, true, deadline))) return false;
    await commit(this.p, { own: [this.rows.dropTombstone(id)], ownAt: "first", pairs: [], committed: async (e) => e.code === "not-found" });
    return true;
  }

  /** Resumes every pending group cleanup of this tenant (1 round trip when there is none). */
  async finishDeletions(deadline = Infinity): Promise<boolean> {
    let done = true;
    for (const id of await this.memberships.pendingDeletions()) done = (await this.finishDeletion(id, deadline)) && done;
    return done;
  }

  /** Ids of deleted groups whose membership rows are still being removed. */
  pendingDeletions(): Promise<Set<string>> {
    return this.memberships.pendingDeletions();
  }

  /** ⌈n/1000⌉ round trips: the group's direct members, streamed, less groups being deleted. */
  members(groupId: string): AsyncIterable<MemberRef> {
    return this.memberships.liveMembers(groupId);
  }

  /** The members of a group that exists (none for a deleted group whose rows are still being cleared). */
  async *membersOfExisting(groupId: string): AsyncIterable<MemberRef> {
    if (!(await this.exists(groupId))) return;
    yield* this.memberships.liveMembers(groupId);
  }

  /** 1 round trip: up to `limit` (≤ 1000) direct members of a group in id order after `afterId` (raw rows). */
  async membersPage(groupId: string, afterId: string | undefined, limit: number): Promise<MemberRef[]> {
    const prefix = memberPrefix(groupId);
    const from = afterId === undefined ? prefix : prefix + afterId + "\u0000";
    const out: MemberRef[] = [];
    for await (const row of this.p.range(from, rangeEnd(prefix), ["RowKey", "t"], limit)) {
      out.push({ value: keyAfter(row, prefix), type: row.t === "Group" ? "Group" : "User" });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** 1 round trip: whether `memberId` is a direct member of the group. */
  hasMember(groupId: string, memberId: string): Promise<boolean> {
    return isMember(this.p, groupId, memberId);
  }

  /** The groups a group (as member) belongs to: its reverse rows. */
  async groupsOf(memberId: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const g of this.memberships.rawGroupsOf(memberId)) ids.push(g);
    return ids;
  }

  /**
   * 1–2 round trips per id (keys-only point reads, user first), 16 ids in flight: what each id is.
   * Ids that name nothing in this tenant come back in `missing`.
   */
  async memberTypes(ids: string[]): Promise<{ found: MemberRef[]; missing: string[] }> {
    const kinds = await inParallel(ids, 16, async (id): Promise<MemberType | undefined> => {
      if (!isResourceId(id)) return undefined;
      if (await this.users.exists(id)) return "User";
      return (await this.exists(id)) ? "Group" : undefined;
    });
    const found: MemberRef[] = [];
    const missing: string[] = [];
    ids.forEach((id, i) => {
      const type = kinds[i];
      if (type) found.push({ value: id, type });
      else missing.push(id);
    });
    return { found, missing };
  }
}

/** One request's view of one tenant: users, groups, and the round trips it made. */
export interface TenantDirectory {
  readonly users: UserStore;
  readonly groups: GroupStore;
  readonly meter: Meter;
}

export function tenantDirectory(partition: Partition): TenantDirectory {
  const rows = new Rows(partition.partitionKey);
  const memberships = new Memberships(partition, rows);
  const users = new UserStore(partition, rows, memberships);
  return { users, groups: new GroupStore(partition, rows, memberships, users), meter: partition.meter };
}
