// Row shapes: a resource row (U:/G:) holds the document split over d0…d7; index rows (N:/X:/D:/Y:) are
// keyed by the indexed value; membership rows (M:/R:) by both ids; a tombstone (Z:) by the group id.
// Pure: builds and reads rows, never submits them.
import type { TransactionAction } from "@azure/data-tables";
import type { StoredResource } from "../scim/resource";
import type { ScimObject } from "../scim/coerce";
import { ROW, encodeKeyPart, foldCase } from "./keys";
import { StoreError } from "./errors";
import type { ReadRow } from "./partition";
import type { OutboxEntry } from "../scim/events";

/**
 * A unique index has one row per value (`N:<value>`; a second insert is a 409). A non-unique one has a
 * row per value and resource (`X:<value>:<id>`), found by a range read of the value's exact prefix.
 */
export interface IndexDef {
  attribute: string;
  row: string;
  fold: boolean;
  unique: boolean;
}
export interface ResourceKind {
  name: "User" | "Group";
  row: string;
  indexes: IndexDef[];
  indexCopies: boolean;
}

export const USER_KIND: ResourceKind = {
  name: "User",
  row: ROW.user,
  indexCopies: true,
  indexes: [
    { attribute: "userName", row: ROW.userName, fold: true, unique: true },
    { attribute: "externalId", row: ROW.userExternalId, fold: false, unique: false }, // RFC 7643 §3.1: not unique
  ],
};
export const GROUP_KIND: ResourceKind = {
  name: "Group",
  row: ROW.group,
  indexCopies: false,
  indexes: [
    { attribute: "displayName", row: ROW.displayName, fold: true, unique: true }, // Entra requires it (fixture creates-group-twice-and-gets-conflict)
    { attribute: "externalId", row: ROW.groupExternalId, fold: false, unique: false },
  ],
};

/** A resource as read, with what a conditional write needs. `etag` is absent when read from an index copy. */
export interface StoredEntity extends StoredResource {
  etag?: string;
}

export type MemberType = "User" | "Group";
export interface MemberRef {
  value: string;
  type: MemberType;
}
export interface MemberDelta {
  add: MemberRef[];
  remove: string[];
}

const CHUNK = 30_000; // Edm.String holds 32K UTF-16 units; keep a margin
const MAX_CHUNKS = 8; // 8 × 30,000 UTF-16 units ≈ 480 KB, inside the 1 MiB entity limit

type Row = { partitionKey: string; rowKey: string } & Record<string, unknown>;

/** Resource ids are server-generated UUIDs: anything else cannot exist and never reaches a key. */
export const isResourceId = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id);

/** The row key of a unique index value, or the prefix shared by every row of a non-unique one. */
export function indexKeyPrefix(index: IndexDef, value: string): string {
  const folded = index.fold ? foldCase(value) : value;
  return index.unique ? index.row + encodeKeyPart(folded) : index.row + encodeKeyPart(folded, true) + ":";
}

/** The index rows a document needs. */
function indexKeys(kind: ResourceKind, id: string, doc: ScimObject): Array<{ index: IndexDef; rowKey: string }> {
  return kind.indexes.flatMap((index) => {
    const value = doc[index.attribute];
    if (typeof value !== "string") return [];
    return [{ index, rowKey: indexKeyPrefix(index, value) + (index.unique ? "" : id) }];
  });
}

/** JSON text split over d0…d7 so it fits Table Storage's 32K-character string properties. */
export function withText(row: Row, json: string, what: string): Row {
  const chunks = Math.ceil(json.length / CHUNK) || 1;
  if (chunks > MAX_CHUNKS) throw new StoreError("too-large", `The ${what} is larger than ${MAX_CHUNKS * CHUNK} characters.`);
  row.n = chunks;
  for (let i = 0; i < chunks; i++) row[`d${i}`] = json.slice(i * CHUNK, (i + 1) * CHUNK);
  return row;
}

/** The JSON text a row holds in d0…d<n-1>. */
export function textOf(row: ReadRow): string {
  let json = "";
  for (let i = 0; i < Number(row.n); i++) json += row[`d${i}`] as string;
  return json;
}

/** The document row of a resource (and of a user's index copies). */
function documentRow(partitionKey: string, rowKey: string, kindLetter: string, r: StoredResource): Row {
  return withText({ partitionKey, rowKey, k: kindLetter, id: r.id, v: r.version, c: r.created, m: r.lastModified }, JSON.stringify(r.doc), "resource");
}

/** The outbox row of one transaction (E:<entry id>): created, so a replay of a committed transaction conflicts on it. */
export function outboxRow(partitionKey: string, entry: OutboxEntry): TransactionAction {
  return ["create", withText({ partitionKey, rowKey: ROW.outbox + entry.id, k: "E" }, JSON.stringify(entry), "event")];
}

/** The entry an outbox row holds. */
export const outboxEntryOf = (row: ReadRow): OutboxEntry => JSON.parse(textOf(row)) as OutboxEntry;

/** The version a transaction's actions write to a group's row (its replace, create or touch), if any. */
export function versionWritten(actions: readonly TransactionAction[], groupId: string): string | undefined {
  const key = ROW.group + groupId;
  for (const action of actions) {
    const row = action[1] as { rowKey?: string; v?: unknown };
    if (row.rowKey === key && typeof row.v === "string") return row.v;
  }
  return undefined;
}

export function fromRow(row: ReadRow, withEtag: boolean): StoredEntity {
  const json = textOf(row);
  return {
    id: row.id as string,
    doc: JSON.parse(json) as ScimObject,
    version: String(row.v),
    created: row.c as string,
    lastModified: row.m as string,
    ...(withEtag && row.etag ? { etag: row.etag } : {}),
  };
}

const memberKey = (groupId: string, memberId: string) => `${ROW.member}${groupId}:${memberId}`;
const reverseKey = (memberId: string, groupId: string) => `${ROW.memberOf}${memberId}:${groupId}`;
export const memberPrefix = (groupId: string) => `${ROW.member}${groupId}:`;
export const memberOfPrefix = (memberId: string) => `${ROW.memberOf}${memberId}:`;
export const tombstoneKey = (groupId: string) => ROW.deletedGroup + groupId;

/** One membership: its two rows (M: and R:), always written or removed together, and what it means. */
export interface Pair {
  readonly rows: readonly [TransactionAction, TransactionAction];
  readonly op: "add" | "remove";
  readonly group: string;
  readonly member: { value: string; type?: "User" | "Group" };
}

/** The row actions of one tenant partition. */
export class Rows {
  constructor(readonly partitionKey: string) {}

  key(kind: ResourceKind, id: string): string {
    return kind.row + id;
  }

  private indexRow(kind: ResourceKind, index: IndexDef, rowKey: string, r: StoredResource): Row {
    if (kind.indexCopies) return documentRow(this.partitionKey, rowKey, index.row.charAt(0), r);
    return { partitionKey: this.partitionKey, rowKey, k: index.row.charAt(0), id: r.id };
  }

  /** Creating a resource row and its index rows (a clash on a unique index row is a 409). */
  insert(kind: ResourceKind, resource: StoredResource): TransactionAction[] {
    const actions: TransactionAction[] = [["create", documentRow(this.partitionKey, this.key(kind, resource.id), kind.row.charAt(0), resource)]];
    for (const { index, rowKey } of indexKeys(kind, resource.id, resource.doc)) actions.push(["create", this.indexRow(kind, index, rowKey, resource)]);
    return actions;
  }

  /**
   * Replacing a resource row under its ETag (412 when another write got there first), rewriting
   * unchanged index copies, and deleting/creating the index rows of changed values.
   */
  replace(kind: ResourceKind, previous: StoredEntity, next: StoredResource): TransactionAction[] {
    if (!previous.etag) throw new Error("replace needs the resource row's ETag");
    const pk = this.partitionKey;
    const actions: TransactionAction[] = [["update", documentRow(pk, this.key(kind, next.id), kind.row.charAt(0), next), "Replace", { etag: previous.etag }]];
    const before = indexKeys(kind, previous.id, previous.doc);
    const after = indexKeys(kind, next.id, next.doc);
    for (const { index, rowKey } of after) {
      const row = this.indexRow(kind, index, rowKey, next);
      const kept = before.some((b) => b.rowKey === rowKey);
      if (!kept) actions.push(["create", row]);
      else if (kind.indexCopies) actions.push(["upsert", row, "Replace"]);
    }
    for (const { rowKey } of before) {
      if (!after.some((a) => a.rowKey === rowKey)) actions.push(["delete", { partitionKey: pk, rowKey }]);
    }
    return actions;
  }

  /** Deleting a resource row and its index rows. */
  remove(kind: ResourceKind, previous: StoredResource): TransactionAction[] {
    return [this.key(kind, previous.id), ...indexKeys(kind, previous.id, previous.doc).map((r) => r.rowKey)].map((rowKey): TransactionAction => [
      "delete",
      { partitionKey: this.partitionKey, rowKey },
    ]);
  }

  /** The unique index a failed action's row belongs to (to name the attribute of a 409). */
  uniqueIndexOf(kind: ResourceKind, action: TransactionAction | undefined): IndexDef | undefined {
    const rowKey = (action?.[1] as { rowKey?: string } | undefined)?.rowKey ?? "";
    return kind.indexes.find((i) => i.unique && rowKey.startsWith(i.row));
  }

  /** Merge with If-Match *: renews lastModified and version, fails with 404 when the group is gone. */
  touch(groupId: string, version: string, at: string): TransactionAction {
    return ["update", { partitionKey: this.partitionKey, rowKey: this.key(GROUP_KIND, groupId), m: at, v: version }, "Merge", { etag: "*" }];
  }

  /** Created, not upserted: adding a member that is already there fails (409) and is dropped as a no-op. */
  addPair(groupId: string, member: MemberRef): Pair {
    return {
      op: "add",
      group: groupId,
      member: { value: member.value, type: member.type },
      rows: [
        ["create", { partitionKey: this.partitionKey, rowKey: memberKey(groupId, member.value), t: member.type }],
        ["create", { partitionKey: this.partitionKey, rowKey: reverseKey(member.value, groupId) }],
      ],
    };
  }

  /** `type` when the caller knows the member's kind (it is then named in the member_removed event). */
  removePair(groupId: string, memberId: string, type?: MemberType): Pair {
    return {
      op: "remove",
      group: groupId,
      member: type ? { value: memberId, type } : { value: memberId },
      rows: [
        ["delete", { partitionKey: this.partitionKey, rowKey: memberKey(groupId, memberId) }],
        ["delete", { partitionKey: this.partitionKey, rowKey: reverseKey(memberId, groupId) }],
      ],
    };
  }

  tombstone(groupId: string, at: string): TransactionAction {
    return ["upsert", { partitionKey: this.partitionKey, rowKey: tombstoneKey(groupId), at }, "Replace"];
  }

  dropTombstone(groupId: string): TransactionAction {
    return ["delete", { partitionKey: this.partitionKey, rowKey: tombstoneKey(groupId) }];
  }
}
