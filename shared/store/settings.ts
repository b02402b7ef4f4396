// A tenant's settings rows (P:<name> in its partition): documents the store keeps for the tenant without
// knowing their content (the schema policy is the first). Written through the write assembler like every
// other row of the partition.
import { ROW } from "./keys";
import { Partition } from "./partition";
import { commit } from "./transactions";

const CHUNK = 30_000; // as for resource documents: Edm.String holds 32K UTF-16 units

export class TenantSettings {
  constructor(private readonly p: Partition) {}

  /** 1 round trip: the stored text of a setting, if any. */
  async get(name: string): Promise<string | undefined> {
    const row = await this.p.pointRead(ROW.settings + name);
    if (!row) return undefined;
    let text = "";
    for (let i = 0; i < Number(row.n); i++) {
      const part = row[`d${i}`];
      text += typeof part === "string" ? part : "";
    }
    return text;
  }

  /** 1 transaction: replaces the setting (at most 240,000 characters). */
  async put(name: string, text: string): Promise<void> {
    const row: Record<string, unknown> & { partitionKey: string; rowKey: string } = {
      partitionKey: this.p.partitionKey,
      rowKey: ROW.settings + name,
      at: new Date().toISOString(),
      n: Math.ceil(text.length / CHUNK) || 1,
    };
    for (let i = 0; i * CHUNK < text.length; i++) row[`d${i}`] = text.slice(i * CHUNK, (i + 1) * CHUNK);
    await commit(this.p, { own: [["upsert", row, "Replace"]], ownAt: "first", pairs: [] });
  }

  /** 1 transaction: removes the setting; false when there was none. */
  async remove(name: string): Promise<boolean> {
    if ((await this.p.pointRead(ROW.settings + name, ["RowKey"])) === undefined) return false;
    await commit(this.p, {
      own: [["delete", { partitionKey: this.p.partitionKey, rowKey: ROW.settings + name }]],
      ownAt: "first",
      pairs: [],
      committed: (e) => Promise.resolve(e.code === "not-found"),
    });
    return true;
  }
}
