// Resource rows (U:/G:) and their index rows (N:/X:/D:/Y:), written together in one entity-group
// transaction so uniqueness and lookups can never disagree with the resource. User index rows carry a
// copy of the document (an `eq` match is one point read); group index rows hold only the id, because
// membership changes touch the group row without rewriting its index rows.
import { TransactionAction } from "@azure/data-tables";
import { StoredResource } from "../scim/resource";
import { ScimObject } from "../scim/coerce";
import { ROW, encodeKeyPart, foldCase, rangeEnd } from "./keys";
import { StoreError } from "./errors";
import { Partition, ReadRow, inParallel } from "./partition";

/**
 * A unique index has one row per value (`N:<value>`; a second insert is a 409). A non-unique one has a
 * row per value and resource (`X:<value>:<id>`), found by a range read of the value's exact prefix.
 */
export interface IndexDef { attribute: string; row: string; fold: boolean; unique: boolean }
export interface ResourceKind { name: "User" | "Group"; row: string; indexes: IndexDef[]; indexCopies: boolean }

export const USER_KIND: ResourceKind = {
  name: "User", row: ROW.user, indexCopies: true,
  indexes: [
    { attribute: "userName", row: ROW.userName, fold: true, unique: true },
    { attribute: "externalId", row: ROW.userExternalId, fold: false, unique: false }, // RFC 7643 §3.1: not unique
  ],
};
export const GROUP_KIND: ResourceKind = {
  name: "Group", row: ROW.group, indexCopies: false,
  indexes: [
    { attribute: "displayName", row: ROW.displayName, fold: true, unique: true }, // Entra requires it (Q18)
    { attribute: "externalId", row: ROW.groupExternalId, fold: false, unique: false },
  ],
};

/** A resource as read, with what a conditional write needs. `etag` is absent when read from an index copy. */
export interface StoredEntity extends StoredResource { etag?: string }

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
function indexRows(kind: ResourceKind, id: string, doc: ScimObject): Array<{ index: IndexDef; rowKey: string }> {
  return kind.indexes.flatMap((index) => {
    const value = doc[index.attribute];
    if (typeof value !== "string") return [];
    return [{ index, rowKey: indexKeyPrefix(index, value) + (index.unique ? "" : id) }];
  });
}

/** The document, split over d0…d7 so it fits Table Storage's 32K-character string properties. */
function documentRow(partitionKey: string, rowKey: string, kindLetter: string, r: StoredResource): Row {
  const json = JSON.stringify(r.doc);
  const chunks = Math.ceil(json.length / CHUNK) || 1;
  if (chunks > MAX_CHUNKS) throw new StoreError("too-large", `The resource is larger than ${MAX_CHUNKS * CHUNK} characters.`);
  const row: Row = { partitionKey, rowKey, k: kindLetter, id: r.id, v: r.version, c: r.created, m: r.lastModified, n: chunks };
  for (let i = 0; i < chunks; i++) row[`d${i}`] = json.slice(i * CHUNK, (i + 1) * CHUNK);
  return row;
}

function fromRow(row: ReadRow, withEtag: boolean): StoredEntity {
  let json = "";
  for (let i = 0; i < Number(row.n); i++) json += row[`d${i}`] as string;
  return {
    id: row.id as string, doc: JSON.parse(json) as ScimObject, version: String(row.v),
    created: row.c as string, lastModified: row.m as string, etag: withEtag ? (row.etag as string) : undefined,
  };
}

export class ResourceRows {
  constructor(private readonly p: Partition, readonly kind: ResourceKind) {}

  key(id: string): string {
    return this.kind.row + id;
  }

  private indexRow(index: IndexDef, rowKey: string, r: StoredResource): Row {
    const pk = this.p.partitionKey;
    if (this.kind.indexCopies) return documentRow(pk, rowKey, index.row[0], r);
    return { partitionKey: pk, rowKey, k: index.row[0], id: r.id };
  }

  /** 1 round trip: point read of the resource row. */
  async get(id: string): Promise<StoredEntity | undefined> {
    if (!isResourceId(id)) return undefined;
    const row = await this.p.pointRead(this.key(id));
    return row && fromRow(row, true);
  }

  /** One round trip per id, 16 in flight; absent ids are left out, order is kept. */
  async getMany(ids: string[]): Promise<StoredEntity[]> {
    const found = await inParallel(ids, 16, (id) => this.get(id));
    return found.filter((e): e is StoredEntity => e !== undefined);
  }

  /** 1 round trip (keys only): whether a resource with this id exists. */
  async exists(id: string): Promise<boolean> {
    return isResourceId(id) && (await this.p.pointRead(this.key(id), ["RowKey"])) !== undefined;
  }

  /**
   * The resources whose indexed attribute equals `value` (with the attribute's case rule). Users: 1
   * round trip, answered from the index rows' copies of the document (a point read for a unique index, a
   * range read of the value's prefix otherwise). Groups: that read, then a point read per match.
   */
  async findByIndex(attribute: string, value: string): Promise<StoredEntity[]> {
    const index = this.kind.indexes.find((i) => i.attribute === attribute);
    if (!index) throw new Error(`${this.kind.name} has no index on ${attribute}`);
    const prefix = indexKeyPrefix(index, value);
    const rows: ReadRow[] = [];
    if (index.unique) {
      const row = await this.p.pointRead(prefix);
      if (row) rows.push(row);
    } else {
      for await (const row of this.p.range(prefix, rangeEnd(prefix))) rows.push(row);
    }
    const found = this.kind.indexCopies ? rows.map((r) => fromRow(r, false)) : await this.getMany(rows.map((r) => r.id as string));
    // Over-long values are keyed by digest; compare the real value so the lookup stays exact.
    const same = (stored: unknown) => typeof stored === "string" && (index.fold ? foldCase(stored) === foldCase(value) : stored === value);
    return found.filter((e) => same(e.doc[attribute]));
  }

  /** The actions creating a resource row and its index rows (a clash on an index row is a 409). */
  insertActions(resource: StoredResource): TransactionAction[] {
    const actions: TransactionAction[] = [["create", documentRow(this.p.partitionKey, this.key(resource.id), this.kind.row[0], resource)]];
    for (const { index, rowKey } of indexRows(this.kind, resource.id, resource.doc)) actions.push(["create", this.indexRow(index, rowKey, resource)]);
    return actions;
  }

  /**
   * The actions replacing a resource row under its ETag (412 when another write got there first),
   * rewriting unchanged index rows, and deleting/creating the index rows of changed values.
   */
  replaceActions(previous: StoredEntity, next: StoredResource): TransactionAction[] {
    if (!previous.etag) throw new Error("replace needs the resource row's ETag");
    const pk = this.p.partitionKey;
    const actions: TransactionAction[] = [["update", documentRow(pk, this.key(next.id), this.kind.row[0], next), "Replace", { etag: previous.etag }]];
    const before = indexRows(this.kind, previous.id, previous.doc);
    const after = indexRows(this.kind, next.id, next.doc);
    for (const { index, rowKey } of after) {
      const row = this.indexRow(index, rowKey, next);
      const kept = before.some((b) => b.rowKey === rowKey);
      if (!kept) actions.push(["create", row]);
      else if (this.kind.indexCopies) actions.push(["upsert", row, "Replace"]);
    }
    for (const { rowKey } of before) {
      if (!after.some((a) => a.rowKey === rowKey)) actions.push(["delete", { partitionKey: pk, rowKey }]);
    }
    return actions;
  }

  /** The actions deleting a resource row and its index rows. */
  deleteActions(previous: StoredResource): TransactionAction[] {
    const pk = this.p.partitionKey;
    return [this.key(previous.id), ...indexRows(this.kind, previous.id, previous.doc).map((r) => r.rowKey)]
      .map((rowKey): TransactionAction => ["delete", { partitionKey: pk, rowKey }]);
  }

  /** 1 round trip: resource row and index rows created in one transaction; 409 names the clashing attribute. */
  async insert(resource: StoredResource, extra: TransactionAction[] = []): Promise<void> {
    await this.submitLabelled([...this.insertActions(resource), ...extra]);
  }

  /** 1 round trip: the conditional replace (412 → "precondition-failed", a taken unique value → "conflict"). */
  async replace(previous: StoredEntity, next: StoredResource, extra: TransactionAction[] = []): Promise<void> {
    await this.submitLabelled([...this.replaceActions(previous, next), ...extra]);
  }

  /** ⌈n/1000⌉ round trips: every id of this kind, in RowKey order (keys only). */
  async ids(): Promise<string[]> {
    const ids: string[] = [];
    const prefix = this.kind.row;
    for await (const row of this.p.range(prefix, rangeEnd(prefix), ["RowKey"])) ids.push(row.rowKey!.slice(prefix.length));
    return ids;
  }

  /** 1 round trip for up to 1,000 consecutive ids (a RowKey range from the first to the last). */
  async getRange(ids: string[]): Promise<StoredEntity[]> {
    if (ids.length === 0) return [];
    const wanted = new Set(ids);
    const out: StoredEntity[] = [];
    for await (const row of this.p.range(this.key(ids[0]), this.key(ids[ids.length - 1]) + "\u0000")) {
      const entity = fromRow(row, true);
      if (wanted.has(entity.id)) out.push(entity);
    }
    return out;
  }

  /** ⌈n/1000⌉ round trips: every resource of this kind, streamed. */
  async *scan(): AsyncIterable<StoredEntity> {
    const prefix = this.kind.row;
    for await (const row of this.p.range(prefix, rangeEnd(prefix))) yield fromRow(row, true);
  }

  /** Submits a transaction; a clash on a unique index row becomes a conflict naming its attribute. */
  async submitLabelled(actions: TransactionAction[]): Promise<void> {
    try {
      await this.p.submit(actions);
    } catch (e) {
      if (!(e instanceof StoreError) || e.code !== "conflict" || e.failedIndex === undefined) throw e;
      const rowKey = (actions[e.failedIndex]?.[1] as { rowKey?: string } | undefined)?.rowKey ?? "";
      const index = this.kind.indexes.find((i) => i.unique && rowKey.startsWith(i.row));
      throw new StoreError("conflict", index ? `${index.attribute} is already in use` : e.message, e.failedIndex);
    }
  }
}
