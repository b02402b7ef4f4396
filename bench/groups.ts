// Group benchmark (issue: groups at 100,000 members): round trips, transactions and time of the member
// operations Entra sends against a group of N members, and the time and peak memory of a full member
// read. The N member rows are seeded through the store (synthetic member ids), the rest through HTTP.
import { randomUUID } from "node:crypto";
import type { MemberRef, Store } from "../shared/store";

export interface GroupBenchEnv {
  scimUrl: string;
  token: string;
  tenant: string;
  store: Store;
}
// The store is opened in the bench's own process against the same Azurite as the local host.

export interface GroupBenchRow {
  operation: string;
  members: number;
  roundTrips: string;
  transactions: string;
  ms: number;
  note?: string;
}

const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

async function call(env: GroupBenchEnv, method: string, path: string, body?: unknown) {
  const started = performance.now();
  const res = await fetch(`${env.scimUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${env.token}`, ...(body ? { "Content-Type": "application/scim+json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const ms = performance.now() - started;
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return { ms, text, trips: res.headers.get("x-storage-round-trips") ?? "?", txs: res.headers.get("x-storage-transactions") ?? "?" };
}

async function createUsers(env: GroupBenchEnv, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, async () => {
        const r = await call(env, "POST", "/Users", { userName: `bench-${randomUUID()}@example.com`, active: true });
        return (JSON.parse(r.text) as { id: string }).id;
      }),
    );
    ids.push(...batch);
  }
  return ids;
}

/** Reads a group with every member, consuming the stream without keeping it; samples this process's memory meanwhile. */
async function fullRead(env: GroupBenchEnv, groupId: string) {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage();
  let peakHeap = base.heapUsed;
  let peakRss = base.rss;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  }, 10);
  const started = performance.now();
  const res = await fetch(`${env.scimUrl}/Groups/${groupId}`, { headers: { Authorization: `Bearer ${env.token}` } });
  let members = 0;
  let bytes = 0;
  let tail = "";
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    const text = tail + decoder.decode(chunk, { stream: true });
    members += text.split('"type":"User"').length - 1;
    tail = text.slice(-16);
    members -= tail.split('"type":"User"').length - 1; // counted again with the next chunk
  }
  members += tail.split('"type":"User"').length - 1;
  const ms = performance.now() - started;
  clearInterval(timer);
  return {
    ms,
    members,
    bytes,
    heapMb: (peakHeap - base.heapUsed) / 2 ** 20,
    rssMb: (peakRss - base.rss) / 2 ** 20,
    trips: res.headers.get("x-storage-round-trips") ?? "?",
  };
}

export async function groupScenarios(env: GroupBenchEnv, sizes: number[], log: (line: string) => void = () => undefined): Promise<GroupBenchRow[]> {
  const rows: GroupBenchRow[] = [];
  const dir = await env.store.tenant(env.tenant);
  const [newcomer, ...batch] = await createUsers(env, 1001);
  if (newcomer === undefined) throw new Error("no user created");
  for (const size of sizes) {
    const displayName = `bench-group-${size}-${randomUUID().slice(0, 8)}`;
    const created = await call(env, "POST", "/Groups", { schemas: [CORE_GROUP], displayName, members: [] });
    const groupId = (JSON.parse(created.text) as { id: string }).id;
    log(`seeding ${size} member rows…`);
    const seedStarted = performance.now();
    const synthetic: MemberRef[] = Array.from({ length: size }, () => ({ value: randomUUID(), type: "User" }));
    await dir.groups.changeMembers(groupId, { add: synthetic, remove: [] });
    log(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

    const add1 = await call(env, "PATCH", `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "Add", path: "members", value: [{ $ref: null, value: newcomer }] }],
    });
    rows.push({ operation: "PATCH add 1 member", members: size, roundTrips: add1.trips, transactions: add1.txs, ms: add1.ms });
    const remove1 = await call(env, "PATCH", `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "remove", path: `members[value eq "${newcomer}"]` }],
    });
    rows.push({ operation: "PATCH remove 1 member (path filter)", members: size, roundTrips: remove1.trips, transactions: remove1.txs, ms: remove1.ms });
    const excluded = await call(env, "GET", `/Groups/${groupId}?excludedAttributes=members`);
    rows.push({
      operation: "GET /Groups/{id}?excludedAttributes=members",
      members: size,
      roundTrips: excluded.trips,
      transactions: excluded.txs,
      ms: excluded.ms,
    });
    const lookup = await call(env, "GET", `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`);
    rows.push({ operation: "GET /Groups?filter=displayName eq", members: size, roundTrips: lookup.trips, transactions: lookup.txs, ms: lookup.ms });
    const add1000 = await call(env, "PATCH", `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "Add", path: "members", value: batch.map((value) => ({ $ref: null, value })) }],
    });
    rows.push({
      operation: "PATCH add 1,000 members",
      members: size,
      roundTrips: add1000.trips,
      transactions: add1000.txs,
      ms: add1000.ms,
      note: "1,000 existence reads + transactions",
    });
    const read = await fullRead(env, groupId);
    rows.push({
      operation: "GET /Groups/{id} (all members, streamed)",
      members: size,
      roundTrips: `${read.trips} + ⌈n/1000⌉ pages`,
      transactions: "0",
      ms: read.ms,
      note: `${read.members} members, ${(read.bytes / 2 ** 20).toFixed(1)} MiB sent; peak heap +${read.heapMb.toFixed(1)} MiB, rss +${read.rssMb.toFixed(1)} MiB`,
    });
    const removed = await call(env, "PATCH", `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "Remove", path: "members", value: batch.map((value) => ({ $ref: null, value })) }],
    });
    rows.push({
      operation: "PATCH remove 1,000 members (value array)",
      members: size + 1000,
      roundTrips: removed.trips,
      transactions: removed.txs,
      ms: removed.ms,
    });
    const deleted = await call(env, "DELETE", `/Groups/${groupId}`);
    const gone = await call(env, "GET", `/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}&attributes=id`);
    const pending = (await dir.groups.pendingDeletions()).has(groupId);
    rows.push({
      operation: "DELETE /Groups/{id} (answer)",
      members: size,
      roundTrips: deleted.trips,
      transactions: deleted.txs,
      ms: deleted.ms,
      note: `group gone at once (lookup finds ${(JSON.parse(gone.text) as { totalResults: number }).totalResults}); membership rows ${pending ? "still being removed in the background" : "all removed before the answer"}`,
    });
    if (pending) {
      const waitStarted = performance.now();
      while ((await dir.groups.pendingDeletions()).has(groupId)) await new Promise((r) => setTimeout(r, 500));
      rows.push({
        operation: "DELETE /Groups/{id} (background cleanup done)",
        members: size,
        roundTrips: "—",
        transactions: `≈ ${Math.ceil(size / 50)}`,
        ms: deleted.ms + performance.now() - waitStarted,
      });
    }
    log(`group of ${size}: done`);
  }
  return rows;
}

export function groupTable(rows: GroupBenchRow[]): string {
  const lines = [
    "| Operation | Group size | Round trips | Transactions | Time (ms) | Notes |",
    "|---|---:|---:|---:|---:|---|",
    ...rows.map(
      (r) => `| ${r.operation} | ${r.members.toLocaleString("en-US")} | ${r.roundTrips} | ${r.transactions} | ${r.ms.toFixed(0)} | ${r.note ?? ""} |`,
    ),
  ];
  return lines.join("\n");
}
