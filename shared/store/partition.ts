// One tenant's partition: the only way the store reaches Table Storage. Every call is counted as a
// round trip, every failure becomes a StoreError, and every query is pinned to this PartitionKey.
// Writes: `submit` is called by the write assembler (transactions.ts) and nothing else.
import type { TableClient, TableTransactionResponse, TransactionAction } from "@azure/data-tables";
import { dataTables } from "./table";
import { type StoreErrorCode, fromTableError } from "./errors";

/** A row as read: keys and etag come from the service. */
export type ReadRow = Record<string, unknown> & { partitionKey?: string; rowKey?: string; etag?: string };

/** The rest of a row's key after a known prefix (the id in `U:<id>`, the member in `M:<group>:<member>`). */
export const keyAfter = (row: ReadRow, prefix: string): string => (row.rowKey ?? "").slice(prefix.length);

/** Entity-group transactions hold at most 100 operations (same partition, each entity once). */
export const MAX_BATCH = 100;

/** Round trips made through one request's view of a partition (x-storage-round-trips / -transactions). */
export interface Meter {
  trips: number;
  transactions: number;
  /** Change events the committed transactions recorded (the pipeline nudges the dispatcher when > 0). */
  events: number;
  /** Told about every call as it ends (the pipeline sets it: telemetry's storage latency). */
  observe?: (call: StorageCall) => void;
}

/** One call to Table Storage: what kind, how long it took and how it ended. No keys, no values. */
export interface StorageCall {
  operation: "read" | "query" | "transaction";
  ms: number;
  /** "ok", or the StoreError code it ended with (a point read's not-found included). */
  outcome: "ok" | StoreErrorCode;
}

export class Partition {
  readonly meter: Meter = { trips: 0, transactions: 0, events: 0 };
  constructor(
    private readonly table: TableClient,
    readonly partitionKey: string,
  ) {}

  private async call<T>(operation: StorageCall["operation"], work: () => Promise<T>, counted = true): Promise<T> {
    if (counted) this.meter.trips++;
    const started = performance.now();
    try {
      const result = await work();
      if (counted) this.observe(operation, started, "ok");
      return result;
    } catch (e) {
      const error = fromTableError(e);
      this.observe(operation, started, error.code);
      throw error;
    }
  }

  private observe(operation: StorageCall["operation"], started: number, outcome: StorageCall["outcome"]): void {
    this.meter.observe?.({ operation, ms: performance.now() - started, outcome });
  }

  /** 1 round trip: point read. Undefined when absent. */
  async pointRead(rowKey: string, select?: string[]): Promise<ReadRow | undefined> {
    try {
      return await this.call("read", () => this.table.getEntity(this.partitionKey, rowKey, select ? { queryOptions: { select } } : undefined));
    } catch (e) {
      if (fromTableError(e).code === "not-found") return undefined;
      throw e;
    }
  }

  /** ⌈rows/1000⌉ round trips: RowKeys in [from, to) of this partition, streamed page by page. */
  async *range(from: string, to: string, select?: string[], pageSize = 1000): AsyncIterable<ReadRow> {
    const filter = dataTables().odata`PartitionKey eq ${this.partitionKey} and RowKey ge ${from} and RowKey lt ${to}`;
    const pages = this.table.listEntities({ queryOptions: { filter, select } }).byPage({ maxPageSize: pageSize });
    for (;;) {
      // The SDK ends the iteration without a request once no continuation is left, so only pages count.
      const started = performance.now();
      const page = await this.call("query", () => pages.next(), false);
      if (page.done) return;
      this.meter.trips++;
      this.observe("query", started, "ok");
      yield* page.value;
    }
  }

  /** 1 round trip: one entity-group transaction (atomic, in order, ≤ 100 actions); the service's answer (new ETags). */
  async submit(actions: TransactionAction[]): Promise<TableTransactionResponse | undefined> {
    if (actions.length === 0) return undefined;
    if (actions.length > MAX_BATCH) throw new Error(`a transaction holds at most ${MAX_BATCH} actions, got ${actions.length}`);
    this.meter.transactions++;
    return this.call("transaction", () => this.table.submitTransaction(actions));
  }
}

/** Runs tasks with at most `limit` in flight; rejects with the first failure after the others settle. */
export async function inParallel<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const i = next++;
      try {
        results[i] = await task(items[i] as T);
      } catch (e) {
        failure ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
