// The store's public face: a tenant-bound partition with typed row sets. The partition key comes only
// from the authenticated credential; nothing in a request can name another partition.
import { Config } from "../config";
import { tenantPartition } from "./keys";
import { Partition } from "./partition";
import { ResourceRows, USER_KIND, GROUP_KIND } from "./resources";
import { Memberships } from "./members";
import { GroupDeletions } from "./group-deletions";
import { ensureTable, tableClient } from "./table";

export { StoreError } from "./errors";
export { newVersion } from "./versions";
export type { StoredEntity } from "./resources";
export type { MemberRef, MemberType, MemberDelta } from "./members";

export interface TenantStore {
  partition: Partition;
  users: ResourceRows;
  groups: ResourceRows;
  memberships: Memberships;
  groupDeletions: GroupDeletions;
}

export async function openTenantStore(cfg: Config, tenant: string): Promise<TenantStore> {
  const table = tableClient(cfg);
  await ensureTable(table);
  const partition = new Partition(table, tenantPartition(tenant));
  const users = new ResourceRows(partition, USER_KIND);
  const groups = new ResourceRows(partition, GROUP_KIND);
  const memberships = new Memberships(partition, users, groups);
  return { partition, users, groups, memberships, groupDeletions: new GroupDeletions(partition, memberships) };
}
