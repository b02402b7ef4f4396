// The store's public face: a tenant-bound partition with typed row sets. The partition key comes only
// from the authenticated credential; nothing in a request can name another partition.
import { Config } from "../config";
import { tenantPartition } from "./keys";
import { Partition, ResourceRows, USER_KIND, GROUP_KIND } from "./resources";
import { ensureTable, tableClient } from "./table";

export { StoreError } from "./errors";
export type { StoredEntity } from "./resources";

export interface TenantStore {
  partition: Partition;
  users: ResourceRows;
  groups: ResourceRows;
}

export async function openTenantStore(cfg: Config, tenant: string): Promise<TenantStore> {
  const table = tableClient(cfg);
  await ensureTable(table);
  const partition = new Partition(table, tenantPartition(tenant));
  return { partition, users: new ResourceRows(partition, USER_KIND), groups: new ResourceRows(partition, GROUP_KIND) };
}
