// Reads a tenant's partition straight from Table Storage (not through the SCIM API) to find rows a
// write left behind: index rows without their resource, half a membership, a tombstone never cleared.
// Read-only: it never writes a row.
import { TableClient, odata } from "@azure/data-tables";
import { encodeKeyPart, foldCase, tenantPartition } from "../../shared/store/keys";

export type TableRow = { rowKey: string } & Record<string, unknown>;
export interface StoredDoc {
  id: string;
  version: string;
  doc: Record<string, unknown>;
}

/** The index rows the store keeps, by row-key prefix: which resource kind, which attribute, how keyed. */
const INDEXES = [
  { row: "N:", resource: "U:", attribute: "userName", fold: true, unique: true },
  { row: "X:", resource: "U:", attribute: "externalId", fold: false, unique: false },
  { row: "D:", resource: "G:", attribute: "displayName", fold: true, unique: true },
  { row: "Y:", resource: "G:", attribute: "externalId", fold: false, unique: false },
] as const;
type Index = (typeof INDEXES)[number];

/** The row key an index row for this value of this resource must have (`N:<value>`, `X:<value>:<id>`). */
function indexKey(index: Index, value: string, id: string): string {
  const folded = index.fold ? foldCase(value) : value;
  return index.unique ? index.row + encodeKeyPart(folded) : `${index.row}${encodeKeyPart(folded, true)}:${id}`;
}

function parseDoc(row: TableRow): Record<string, unknown> {
  let json = "";
  for (let i = 0; i < Number(row.n); i++) json += String(row[`d${i}`]);
  return JSON.parse(json) as Record<string, unknown>;
}

export interface TableInspector {
  /** Every row of the tenant's partition, in RowKey order. */
  rows(tenant: string): Promise<TableRow[]>;
  /** Every row key of the tenant's partition, in order. */
  rowKeys(tenant: string): Promise<string[]>;
  /** The users (`U:`) or groups (`G:`) stored for the tenant, with their documents. */
  resources(tenant: string, kind: "User" | "Group"): Promise<StoredDoc[]>;
  /** The membership rows (`M:`/`R:`) naming this id on either side. */
  membershipRowsNaming(tenant: string, id: string): Promise<string[]>;
  /** One line per inconsistency found; empty when the partition is whole. */
  orphans(tenant: string): Promise<string[]>;
  /** Fails the test with the list of inconsistencies, if any. */
  expectNoOrphans(tenant: string): Promise<void>;
}

/** Reads the table directly (give Azurite's own connection string, not a faulty proxy's). */
export function tableInspector(connectionString: string, tableName = process.env.SCIM_TABLE_NAME ?? "scim"): TableInspector {
  const table = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });

  const rows = async (tenant: string): Promise<TableRow[]> => {
    const out: TableRow[] = [];
    const filter = odata`PartitionKey eq ${tenantPartition(tenant)}`;
    for await (const row of table.listEntities({ queryOptions: { filter } })) out.push(row as TableRow);
    return out.sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0));
  };

  const orphans = async (tenant: string): Promise<string[]> => {
    const all = await rows(tenant);
    const byKey = new Map(all.map((r) => [r.rowKey, r]));
    // Problems are grouped by what is wrong, so 60 rows of one deleted group read as one line.
    const problems = new Map<string, string[]>();
    const problem = (key: string, what: string) => problems.set(what, [...(problems.get(what) ?? []), key]);
    const resources = new Map<string, { row: TableRow; doc: Record<string, unknown> }>();
    for (const row of all) if (row.rowKey.startsWith("U:") || row.rowKey.startsWith("G:")) resources.set(row.rowKey, { row, doc: parseDoc(row) });

    for (const row of all) {
      const key = row.rowKey;
      const prefix = key.slice(0, 2);
      const index = INDEXES.find((i) => i.row === prefix);
      if (prefix === "U:" || prefix === "G:") continue;
      if (index) {
        const owner = resources.get(index.resource + String(row.id));
        if (!owner) {
          problem(key, `index row of ${index.attribute} naming ${index.resource}${String(row.id)}, which does not exist`);
          continue;
        }
        const value = owner.doc[index.attribute];
        if (typeof value !== "string" || indexKey(index, value, String(row.id)) !== key) {
          problem(key, `index row of ${index.attribute} naming ${index.resource}${String(row.id)}, whose ${index.attribute} is ${JSON.stringify(value)}`);
        } else if (index.resource === "U:" && String(row.v) !== String(owner.row.v)) {
          problem(key, `user index copy at version ${String(row.v)}, the user is at ${String(owner.row.v)}`);
        }
      } else if (prefix === "M:") {
        const [group = "", member = ""] = key.slice(2).split(":");
        if (!byKey.has(`R:${member}:${group}`)) problem(key, "membership row without its R: twin");
        if (!resources.has(`G:${group}`)) problem(key, `membership row of group ${group}, which does not exist`);
        const memberRow = row.t === "Group" ? `G:${member}` : `U:${member}`;
        if (!resources.has(memberRow)) problem(key, `membership row naming ${memberRow.slice(0, 2)}${member}, which does not exist`);
      } else if (prefix === "R:") {
        const [member = "", group = ""] = key.slice(2).split(":");
        if (!byKey.has(`M:${group}:${member}`)) problem(key, "membership row without its M: twin");
      } else if (prefix === "E:" || prefix === "Q:" || prefix === "P:" || prefix === "W:") {
        // An outbox entry awaiting the sequencer, the event log's pointer row, a setting, a webhook endpoint's rows: not orphans.
      } else if (prefix === "Z:") {
        problem(key, `tombstone: the cleanup of group ${key.slice(2)} is still pending${resources.has(`G:${key.slice(2)}`) ? " (and the group exists)" : ""}`);
      } else {
        problem(key, "a row of no known kind");
      }
    }

    for (const [key, { doc }] of resources) {
      const id = key.slice(2);
      for (const index of INDEXES.filter((i) => i.resource === key.slice(0, 2))) {
        const value = doc[index.attribute];
        if (typeof value !== "string") continue;
        const expected = indexKey(index, value, id);
        const row = byKey.get(expected);
        if (!row) problem(key, `no ${index.attribute} index row (${expected})`);
        else if (String(row.id) !== id) problem(key, `its ${index.attribute} index row ${expected} names ${String(row.id)}`);
      }
    }
    return [...problems].map(([what, keys]) => `${keys[0]!}${keys.length > 1 ? ` and ${keys.length - 1} more` : ""}: ${what}`);
  };

  return {
    rows,
    rowKeys: async (tenant) => (await rows(tenant)).map((r) => r.rowKey),
    resources: async (tenant, kind) => {
      const prefix = kind === "User" ? "U:" : "G:";
      return (await rows(tenant)).filter((r) => r.rowKey.startsWith(prefix)).map((r) => ({ id: r.rowKey.slice(2), version: String(r.v), doc: parseDoc(r) }));
    },
    membershipRowsNaming: async (tenant, id) =>
      (await rows(tenant)).map((r) => r.rowKey).filter((k) => (k.startsWith("M:") || k.startsWith("R:")) && k.slice(2).split(":").includes(id)),
    orphans,
    expectNoOrphans: async (tenant) => expect(await orphans(tenant)).toEqual([]),
  };
}
