// Tables by UTC day (`<table><kind><yyyymmdd>`, partitioned by tenant): how the event log and the
// activity log keep history with a bounded cost of expiry, since Table Storage has no TTL — a day past
// retention is one deleteTable for every tenant at once.
import type { TableClient, TableServiceClient } from "@azure/data-tables";
import { fromTableError } from "./errors";
import { Partition } from "./partition";

export interface DayTablesOptions {
  /** The table names' prefix: the main table's name and the kind (`scimev`, `scimac`). */
  prefix: string;
  /** A TableClient for another table of the same account. */
  client: (tableName: string) => TableClient;
  /** The account's table service (listing and dropping day tables). */
  service: () => TableServiceClient;
  /** Whole days kept (a day's table is dropped once every row in it is older). */
  retentionDays: number;
  now: () => number;
}

const DAY_MS = 86_400_000;

/** The UTC day of a moment: `yyyymmdd`. */
export const periodOf = (ms: number) => new Date(ms).toISOString().slice(0, 10).replace(/-/g, "");

/** The day `days` before a period. */
export function periodMinus(period: string, days: number): string {
  const ms = Date.UTC(Number(period.slice(0, 4)), Number(period.slice(4, 6)) - 1, Number(period.slice(6, 8)));
  return periodOf(ms - days * DAY_MS);
}

export class DayTables {
  private readonly clients = new Map<string, TableClient>();
  private readonly existing = new Map<string, Promise<void>>();

  constructor(private readonly options: DayTablesOptions) {}

  tableOf(period: string): string {
    return `${this.options.prefix}${period}`;
  }

  private tableClient(period: string): TableClient {
    const name = this.tableOf(period);
    let c = this.clients.get(name);
    if (!c) {
      c = this.options.client(name);
      this.clients.set(name, c);
    }
    return c;
  }

  /** One tenant's partition of a day's table (its own round-trip meter). */
  partition(period: string, partitionKey: string): Partition {
    return new Partition(this.tableClient(period), partitionKey);
  }

  /** Creates a day's table once per process (409 = exists); a failure is retried by the next caller. */
  async ensure(period: string): Promise<void> {
    const name = this.tableOf(period);
    let ready = this.existing.get(name);
    if (!ready) {
      ready = this.tableClient(period)
        .createTable()
        .catch((e: unknown) => {
          this.existing.delete(name);
          throw fromTableError(e);
        });
      this.existing.set(name, ready);
    }
    await ready;
  }

  /** The days that have a table, oldest first (1 round trip). */
  async periods(): Promise<string[]> {
    const prefix = this.options.prefix;
    const out: string[] = [];
    for await (const t of this.options.service().listTables({ queryOptions: { filter: `TableName ge '${prefix}' and TableName lt '${prefix}~'` } })) {
      const period = (t.name ?? "").slice(prefix.length);
      if (/^\d{8}$/.test(period)) out.push(period);
    }
    return out.sort();
  }

  /** The oldest day still kept: today minus the retention. */
  oldestRetained(): string {
    return periodMinus(periodOf(this.options.now()), this.options.retentionDays);
  }

  /** Drops the day tables past retention (1 round trip to list, 1 per table dropped); returns the days dropped. */
  async prune(): Promise<string[]> {
    const oldest = this.oldestRetained();
    const dropped: string[] = [];
    for (const period of await this.periods()) {
      if (period >= oldest) break;
      try {
        await this.options.service().deleteTable(this.tableOf(period));
      } catch (e) {
        if (fromTableError(e).code !== "not-found") throw fromTableError(e);
      }
      this.existing.delete(this.tableOf(period));
      dropped.push(period);
    }
    return dropped;
  }
}
