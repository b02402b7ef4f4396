// Users: seed a tenant with N users through the HTTP API, then measure the Table Storage round trips
// (x-storage-round-trips) and client-side latency of each operation Entra sends.
import { Bench, BenchClient, PATCH_OP, entraUser, filterQuery, inParallel, percentile } from "./harness";

export interface SeededUser {
  id: string;
  userName: string;
  externalId: string;
}
export interface SeededTenant {
  size: number;
  client: BenchClient;
  users: SeededUser[];
  seedSeconds: number;
  newKey(): string;
}

const seeded = new Map<number, Promise<SeededTenant>>();

/** A fresh tenant holding `size` users, seeded once per size and shared by the scenarios of one run. */
export function seededTenant(bench: Bench, size: number, log: (line: string) => void): Promise<SeededTenant> {
  let tenant = seeded.get(size);
  if (!tenant) {
    tenant = seed(bench, size, log);
    seeded.set(size, tenant);
  }
  return tenant;
}

async function seed(bench: Bench, size: number, log: (line: string) => void): Promise<SeededTenant> {
  const client = new BenchClient(bench.scimUrl, await bench.newTenant());
  let counter = 0;
  const newKey = () => `${size}-${(counter++).toString().padStart(6, "0")}`;
  const users = new Array<SeededUser>(size);
  const started = performance.now();
  await inParallel(size, 16, async (i) => {
    const reply = await client.call<SeededUser>("POST", "/Users", entraUser(newKey()));
    if (reply.status !== 201) throw new Error(`seeding: POST /Users answered ${reply.status} ${JSON.stringify(reply.body)}`);
    users[i] = { id: reply.body.id, userName: reply.body.userName, externalId: reply.body.externalId };
    if ((i + 1) % 2000 === 0) log(`  seeded ${i + 1}/${size}`);
  });
  const seedSeconds = (performance.now() - started) / 1000;
  log(`  seeded ${size} users in ${seedSeconds.toFixed(1)} s (${Math.round(size / seedSeconds)} creates/s, 16 in flight)`);
  return { size, client, users, seedSeconds, newKey };
}

export interface OperationResult {
  operation: string;
  /** The issue's target, when it sets one. */
  target: string;
  trips: number[];
  ms: number[];
  errors: number;
}

/** A spread-out item of the list for sample i. */
export function pick<T>(list: T[], i: number): T {
  const item = list[(i * 7919) % list.length];
  if (item === undefined) throw new Error("nothing to pick from an empty list");
  return item;
}

/** Each operation `samples` times against the seeded tenant (sequentially, so latencies are uncontended). */
export async function measureOperations(t: SeededTenant, samples: number): Promise<OperationResult[]> {
  const c = t.client;
  const created: string[] = [];
  const ops: Array<{ operation: string; target: string; expect: number; run: (i: number) => ReturnType<BenchClient["call"]> }> = [
    {
      operation: "create (POST /Users)",
      target: "1",
      expect: 201,
      run: async () => {
        const r = await c.call<{ id: string }>("POST", "/Users", entraUser(t.newKey()));
        if (r.status === 201) created.push(r.body.id);
        return r;
      },
    },
    { operation: "get by id", target: "1", expect: 200, run: (i) => c.call("GET", `/Users/${pick(t.users, i).id}`) },
    {
      operation: "filter userName eq (match)",
      target: "1 (≤ 2)",
      expect: 200,
      run: (i) => c.call("GET", `/Users${filterQuery(`userName eq "${pick(t.users, i).userName.toUpperCase()}"`)}`),
    },
    {
      operation: "filter userName eq (no match: Test Connection)",
      target: "1 (≤ 2)",
      expect: 200,
      run: (i) => c.call("GET", `/Users${filterQuery(`userName eq "nobody-${i}@bench.example"`)}`),
    },
    {
      operation: "filter externalId eq",
      target: "—",
      expect: 200,
      run: (i) => c.call("GET", `/Users${filterQuery(`externalId eq "${pick(t.users, i).externalId}"`)}`),
    },
    {
      operation: "filter id eq and manager eq (§1.6)",
      target: "—",
      expect: 200,
      run: (i) => c.call("GET", `/Users${filterQuery(`id eq "${pick(t.users, i).id}" and manager eq "${pick(t.users, i + 1).id}"`)}&attributes=id`),
    },
    {
      operation: "PATCH (Replace title, legacy dialect)",
      target: "2",
      expect: 200,
      run: (i) => c.call("PATCH", `/Users/${pick(t.users, i).id}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "title", value: `T${i}` }] }),
    },
    {
      operation: "PATCH (path-less replace, aadOptscim062020)",
      target: "2",
      expect: 200,
      run: (i) =>
        c.call("PATCH", `/Users/${pick(t.users, i).id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: "replace", value: { displayName: `D${i}`, "name.givenName": `G${i}`, active: true } }],
        }),
    },
    {
      operation: "PUT",
      target: "—",
      expect: 200,
      run: (i) => {
        const u = pick(t.users, i);
        return c.call("PUT", `/Users/${u.id}`, { userName: u.userName, externalId: u.externalId, displayName: `P${i}`, active: true });
      },
    },
    { operation: "DELETE", target: "—", expect: 204, run: (i) => c.call("DELETE", `/Users/${created[i] ?? "not-created"}`) }, // its create failed: 404, counted as an error
    { operation: "list page (startIndex=1&count=100)", target: "—", expect: 200, run: () => c.call("GET", "/Users?startIndex=1&count=100") },
    {
      operation: "filter displayName sw (scan)",
      target: "—",
      expect: 200,
      run: (i) => c.call("GET", `/Users${filterQuery(`displayName sw "Bench User ${i}"`)}`),
    },
  ];
  const results: OperationResult[] = [];
  for (const op of ops) {
    const result: OperationResult = { operation: op.operation, target: op.target, trips: [], ms: [], errors: 0 };
    const n = op.operation.includes("scan") || op.operation.startsWith("list") ? Math.min(samples, 5) : samples;
    for (let i = 0; i < n; i++) {
      const r = await op.run(i);
      if (r.status !== op.expect) result.errors++;
      if (r.roundTrips !== undefined) result.trips.push(r.roundTrips);
      result.ms.push(r.ms);
    }
    results.push(result);
  }
  return results;
}

export function tripsText(trips: number[]): string {
  if (trips.length === 0) return "n/a";
  const min = Math.min(...trips);
  const max = Math.max(...trips);
  return min === max ? String(min) : `${min}–${max}`;
}

export function medianMs(ms: number[]): string {
  return percentile(
    [...ms].sort((a, b) => a - b),
    50,
  ).toFixed(1);
}
