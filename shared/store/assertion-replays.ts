// Used client assertions, recorded durably so a replay is refused on every instance: one insert-only
// row per assertion in a dedicated partition (`auth:jti`, apart from every tenant's `t:` partition).
// A second insert of the same key is a 409, i.e. a replay. Rows outlive their assertion by the clock skew.
import type { TableClient } from "@azure/data-tables";
import { fromTableError } from "./errors";

const PARTITION = "auth:jti";

export class AssertionReplayCache {
  constructor(private readonly table: () => Promise<TableClient>) {}

  /**
   * Records the first use of `key`, valid until `expiresAt`; false when it was already used and has not
   * expired. 1 round trip (insert); on a conflict 2 more at most (point read, conditional replace of a
   * row whose assertion has expired, so a recycled jti is accepted again). Failures are StoreErrors.
   */
  async firstUse(key: string, expiresAt: Date): Promise<boolean> {
    const table = await this.table();
    const entity = { partitionKey: PARTITION, rowKey: key, expiresAt: expiresAt.toISOString() };
    try {
      await table.createEntity(entity);
      return true;
    } catch (e) {
      if (fromTableError(e).code !== "conflict") throw fromTableError(e);
    }
    try {
      const existing = await table.getEntity<{ expiresAt?: string }>(PARTITION, key);
      if (existing.expiresAt && Date.parse(existing.expiresAt) > Date.now()) return false;
      await table.updateEntity(entity, "Replace", { etag: existing.etag });
      return true;
    } catch (e) {
      const error = fromTableError(e);
      if (error.code === "precondition-failed") return false; // another instance took it between our read and write
      throw error;
    }
  }
}
