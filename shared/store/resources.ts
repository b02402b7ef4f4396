// Resource rows (U:/G:) and their index rows (N:/X:/D:/Y:), written together in one entity-group
// transaction so uniqueness and lookups can never disagree with the resource. Index rows carry a copy
// of the document so an `eq` match is answered by one point read.
import { TableClient, TableEntity, TableTransaction, odata } from "@azure/data-tables";
import { StoredResource } from "../scim/resource";
import { ScimObject } from "../scim/coerce";
import { ROW, encodeKeyPart, foldCase, rangeEnd } from "./keys";
import { StoreError, fromTableError } from "./errors";

export interface IndexDef { attribute: string; row: string; fold: boolean }
export interface ResourceKind { name: string; row: string; indexes: IndexDef[] }

export const USER_KIND: ResourceKind = {
  name: "User", row: ROW.user,
  indexes: [{ attribute: "userName", row: ROW.userName, fold: true }, { attribute: "externalId", row: ROW.userExternalId, fold: false }],
};
export const GROUP_KIND: ResourceKind = {
  name: "Group", row: ROW.group,
  indexes: [{ attribute: "displayName", row: ROW.displayName, fold: true }, { attribute: "externalId", row: ROW.groupExternalId, fold: false }],
};

/** A resource as read, with what a conditional write needs. `etag` is absent when read from an index copy. */
export interface StoredEntity extends StoredResource { etag?: string }

const CHUNK = 30_000; // Edm.String holds 32K UTF-16 units; keep a margin
const MAX_CHUNKS = 8;

type Row = TableEntity<Record<string, unknown>>;
/** A row as read: keys and etag come from the service. */
export type ReadRow = Record<string, unknown> & { partitionKey?: string; rowKey?: string; etag?: string };

export function indexRowKey(index: IndexDef, value: string): string {
  return index.row + encodeKeyPart(index.fold ? foldCase(value) : value);
}

/** The index rows a document needs, with the raw value each one stands for. */
function indexRows(kind: ResourceKind, doc: ScimObject): Array<{ index: IndexDef; rowKey: string; value: string }> {
  return kind.indexes.flatMap((index) => {
    const value = doc[index.attribute];
    return typeof value === "string" ? [{ index, rowKey: indexRowKey(index, value), value }] : [];
  });
}

function toRow(partitionKey: string, rowKey: string, kindLetter: string, r: StoredResource): Row {
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
    id: row.id as string, doc: JSON.parse(json) as ScimObject, version: Number(row.v),
    created: row.c as string, lastModified: row.m as string, etag: withEtag ? (row.etag as string) : undefined,
  };
}

/** The one per-request view of the table: bound to a tenant's partition, counting round trips. */
export class Partition {
  trips = 0;
  constructor(readonly table: TableClient, readonly partitionKey: string) {}

  async call<T>(work: () => Promise<T>): Promise<T> {
    this.trips++;
    try {
      return await work();
    } catch (e) {
      throw e instanceof StoreError ? e : fromTableError(e);
    }
  }

  /** 1 round trip: point read. Undefined when absent. */
  async pointRead(rowKey: string): Promise<ReadRow | undefined> {
    try {
      return await this.call(() => this.table.getEntity<Record<string, unknown>>(this.partitionKey, rowKey));
    } catch (e) {
      if (e instanceof StoreError && e.code === "not-found") return undefined;
      throw e;
    }
  }

  /** ⌈rows/1000⌉ round trips: a RowKey range of this partition, page by page. */
  async *range(from: string, to: string, select?: string[], extraFilter?: string): AsyncIterable<ReadRow> {
    let filter = odata`PartitionKey eq ${this.partitionKey} and RowKey ge ${from} and RowKey lt ${to}`;
    if (extraFilter) filter += ` and ${extraFilter}`;
    const pages = this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter, select } }).byPage({ maxPageSize: 1000 });
    while (true) {
      const page = await this.call(() => pages.next());
      if (page.done) return;
      yield* page.value;
    }
  }

  /** 1 round trip: an entity-group transaction (≤ 100 actions, same partition). */
  async submit(transaction: TableTransaction): Promise<void> {
    if (transaction.actions.length === 0) return;
    await this.call(() => this.table.submitTransaction(transaction.actions));
  }
}

export class ResourceRows {
  constructor(private readonly p: Partition, private readonly kind: ResourceKind) {}

  private key(id: string): string {
    return this.kind.row + id;
  }

  /** 1 round trip: point read of the resource row. */
  async get(id: string): Promise<StoredEntity | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined; // ids are server-generated UUIDs; nothing else can exist
    const row = await this.p.pointRead(this.key(id));
    return row && fromRow(row, true);
  }

  /** 1 round trip: point read of an index row, answered from its copy of the document. */
  async findByIndex(attribute: string, value: string): Promise<StoredEntity | undefined> {
    const index = this.kind.indexes.find((i) => i.attribute === attribute);
    if (!index) throw new Error(`${this.kind.name} has no index on ${attribute}`);
    const row = await this.p.pointRead(indexRowKey(index, value));
    if (!row) return undefined;
    const found = fromRow(row, false);
    const stored = found.doc[attribute];
    // Over-long values are keyed by digest; compare the real value so the lookup stays exact.
    const same = typeof stored === "string" && (index.fold ? foldCase(stored) === foldCase(value) : stored === value);
    return same ? found : undefined;
  }

  /**
   * 1 round trip: [create resource row, create index rows] in one transaction. A clash on an index row
   * is a StoreError "conflict" whose message names the attribute.
   */
  async insert(resource: StoredResource, extra: TableTransaction = new TableTransaction()): Promise<void> {
    const tx = new TableTransaction();
    const labels = ["id"];
    tx.createEntity(toRow(this.p.partitionKey, this.key(resource.id), this.kind.row[0], resource));
    for (const { index, rowKey } of indexRows(this.kind, resource.doc)) {
      tx.createEntity(toRow(this.p.partitionKey, rowKey, index.row[0], resource));
      labels.push(index.attribute);
    }
    tx.actions.push(...extra.actions);
    await this.p.submit(tx).catch((e) => { throw this.labelled(e, labels); });
  }

  /**
   * 1 round trip: the resource row replaced under its ETag, unchanged index rows rewritten, index rows
   * of changed values deleted and created. 412 → "precondition-failed" (re-read and re-apply);
   * a clash on a new index value → "conflict".
   */
  async replace(previous: StoredEntity, next: StoredResource, extra: TableTransaction = new TableTransaction()): Promise<void> {
    if (!previous.etag) throw new Error("replace needs the resource row's ETag");
    const tx = new TableTransaction();
    const labels = ["id"];
    tx.updateEntity(toRow(this.p.partitionKey, this.key(next.id), this.kind.row[0], next), "Replace", { etag: previous.etag });
    const before = indexRows(this.kind, previous.doc);
    const after = indexRows(this.kind, next.doc);
    for (const { index, rowKey } of after) {
      const row = toRow(this.p.partitionKey, rowKey, index.row[0], next);
      if (before.some((b) => b.rowKey === rowKey)) tx.upsertEntity(row, "Replace");
      else tx.createEntity(row);
      labels.push(index.attribute);
    }
    for (const { rowKey, index } of before) {
      if (!after.some((a) => a.rowKey === rowKey)) {
        tx.deleteEntity(this.p.partitionKey, rowKey);
        labels.push(index.attribute);
      }
    }
    tx.actions.push(...extra.actions);
    await this.p.submit(tx).catch((e) => { throw this.labelled(e, labels); });
  }

  /** The delete actions for a resource and its index rows (the caller submits them, with its membership rows). */
  deleteActions(previous: StoredEntity): TableTransaction {
    const tx = new TableTransaction();
    tx.deleteEntity(this.p.partitionKey, this.key(previous.id));
    for (const { rowKey } of indexRows(this.kind, previous.doc)) tx.deleteEntity(this.p.partitionKey, rowKey);
    return tx;
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
    const to = this.key(ids[ids.length - 1]) + "\u0000";
    for await (const row of this.p.range(this.key(ids[0]), to)) {
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

  private labelled(e: unknown, labels: string[]): unknown {
    if (e instanceof StoreError && e.code === "conflict") {
      const label = e.failedIndex === undefined ? undefined : labels[e.failedIndex];
      return new StoreError("conflict", label ? `${label} is already in use` : e.message, e.failedIndex);
    }
    return e;
  }
}
