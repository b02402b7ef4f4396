// An Entra-like request mix: each step is the matching query followed by the write it leads to —
// filter (no match) then create, or filter (match) then PATCH (disable/enable, title, work e-mail,
// path-less replace: both dialects). Run closed-loop (N workers back to back: capacity) or open-loop
// (pairs started at a fixed offered rate whatever the answers do: what a sustained rate costs).
import { PATCH_OP, entraUser, filterQuery, percentile } from "./harness";
import { SeededTenant, pick } from "./users";

export interface MixOptions {
  mode: "closed" | "open";
  seconds: number;
  workers: number;
  requestsPerSecond: number;
}

export interface MixResult {
  users: number;
  mode: "closed" | "open";
  load: string;
  /** Open loop only: the offered request rate. */
  offered?: number;
  seconds: number;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Open loop only: pairs that could not start on time because too many were still in flight. */
  late: number;
  /** Latency by operation (p50 / p99 ms): the matching query, the create, the PATCH. */
  operations: Record<Operation, { p50: number; p99: number; count: number }>;
}

export type Operation = "lookup" | "create" | "patch";

const patches = (i: number): unknown[] =>
  [
    [{ op: "Replace", path: "active", value: i % 2 ? "False" : "True" }],
    [{ op: "Replace", path: "title", value: `Title ${i}` }],
    [{ op: "replace", path: 'emails[type eq "work"].value', value: `mix-${i}@bench.example` }],
    [
      {
        op: "replace",
        value: { displayName: `Mix ${i}`, "name.familyName": `F${i}`, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Mix" },
      },
    ],
  ][i % 4] as unknown[];

export async function runMix(t: SeededTenant, options: MixOptions): Promise<MixResult> {
  const c = t.client;
  const latencies: number[] = [];
  const byOperation: Record<Operation, number[]> = { lookup: [], create: [], patch: [] };
  let errors = 0;
  let sequence = 0;
  const record = (operation: Operation, status: number, expected: number[], ms: number) => {
    latencies.push(ms);
    byOperation[operation].push(ms);
    if (!expected.includes(status)) errors++;
  };

  /** One matching query and the write it leads to (2 requests). */
  const pair = async () => {
    const i = sequence++;
    if (i % 2 === 0) {
      const body = entraUser(t.newKey());
      const found = await c.call("GET", `/Users${filterQuery(`userName eq "${String(body.userName)}"`)}`);
      record("lookup", found.status, [200], found.ms);
      const created = await c.call("POST", "/Users", body);
      record("create", created.status, [201], created.ms);
    } else {
      const user = pick(t.users, i);
      const found = await c.call<{ Resources?: Array<{ id: string }> } | undefined>("GET", `/Users${filterQuery(`userName eq "${user.userName}"`)}`);
      record("lookup", found.status, [200], found.ms);
      const id = found.body?.Resources?.[0]?.id ?? user.id;
      const patched = await c.call("PATCH", `/Users/${id}`, { schemas: [PATCH_OP], Operations: patches(i) });
      record("patch", patched.status, [200, 204], patched.ms);
    }
  };

  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  let late = 0;
  if (options.mode === "closed") {
    await Promise.all(
      Array.from({ length: options.workers }, async () => {
        while (performance.now() < deadline) await pair();
      }),
    );
  } else {
    const interval = 2000 / options.requestsPerSecond; // two requests per pair
    const inFlight = new Set<Promise<void>>();
    for (let n = 0; ; n++) {
      const due = started + n * interval;
      if (due >= deadline) break;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (inFlight.size >= 256) {
        late++;
        continue;
      }
      const p: Promise<void> = pair().finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  }
  const elapsed = (performance.now() - started) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    users: t.size,
    mode: options.mode,
    load: options.mode === "closed" ? `${options.workers} workers` : `${options.requestsPerSecond} req/s offered`,
    offered: options.mode === "open" ? options.requestsPerSecond : undefined,
    seconds: elapsed,
    requests: latencies.length,
    errors,
    rps: latencies.length / elapsed,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    late,
    operations: {
      lookup: summary(byOperation.lookup),
      create: summary(byOperation.create),
      patch: summary(byOperation.patch),
    },
  };
}

function summary(ms: number[]): { p50: number; p99: number; count: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), count: sorted.length };
}
