// npm run bench [-- --quick] [--only users-round-trips,users-mix,groups] [--sizes 100,10000] [--seconds 30]
//   [--workers 4] [--rates 25,50] [--samples 20] [--group-sizes 1,100000] [--no-write]
// Starts its own Azurite and local host, runs the chosen scenarios, prints Markdown and rewrites each
// scenario's section of docs/performance.md. A scenario is a name, a section and a function that
// returns Markdown: register new ones (groups) in SCENARIOS.
import path from "node:path";
import { startBench } from "./harness";
import type { RunOptions, Scenario } from "./scenario";
import { machineNotes, table, writeSection } from "./report";
import { OperationResult, measureOperations, medianMs, seededTenant, tripsText } from "./users";
import { MixResult, runMix } from "./mix";
import { groupScenarios, groupTable } from "./groups";
import { coldStart } from "./cold-start";
import { overhead } from "./overhead";
import { entraSync } from "./entra-sync";
import { eventsDelivery, eventsRead, eventsSweeper } from "./events";

const TARGET_RPS = 25;
const TARGET_P99_MS = 600;

const usersRoundTrips: Scenario = {
  name: "users-round-trips",
  describe: "Table Storage round trips and latency of each /Users operation at each data-set size",
  async run({ bench, options, log }) {
    const bySize = new Map<number, OperationResult[]>();
    for (const [i, size] of options.sizes.entries()) {
      log(`users-round-trips: ${size} users`);
      const tenant = await seededTenant(bench, size, log);
      if (i === 0) await measureOperations(tenant, 5); // warm-up (JIT, connections), not reported
      bySize.set(size, await measureOperations(tenant, options.samples));
    }
    const sizes = options.sizes;
    const perSize = sizes.map((s) => resultsAt(bySize, s));
    const [first] = perSize;
    if (!first) throw new Error("users-round-trips: no data-set size to measure (--sizes)");
    const rows = first.map((op, i) => [
      op.operation,
      op.target,
      ...perSize.map((results) => tripsText(nth(results, i).trips)),
      ...perSize.map((results) => medianMs(nth(results, i).ms)),
      perSize.reduce((n, results) => n + nth(results, i).errors, 0),
    ]);
    const header = [
      "Operation",
      "Target",
      ...sizes.map((s) => `Round trips, ${s.toLocaleString("en")} users`),
      ...sizes.map((s) => `Median ms, ${s.toLocaleString("en")} users`),
      "Errors",
    ];
    const verdicts = targetVerdicts(bySize, sizes);
    return [
      "## Users: storage round trips per operation",
      "",
      machineNotes([
        `${options.samples} sequential samples per operation and size (5 for the list page and the scan) after an unreported warm-up pass; users seeded through POST /Users, 16 in flight`,
      ]),
      "",
      table(header, rows),
      "",
      ...verdicts.map((v) => `- ${v}`),
    ].join("\n");
  },
};

/** The results measured at one size (every size of the run was measured before the tables are made). */
function resultsAt(bySize: Map<number, OperationResult[]>, size: number): OperationResult[] {
  const results = bySize.get(size);
  if (!results) throw new Error(`no results for ${size} users`);
  return results;
}

/** The i-th operation's result (every size measures the same operations, in the same order). */
function nth(results: OperationResult[], i: number): OperationResult {
  const result = results[i];
  if (!result) throw new Error(`no result for operation ${i}`);
  return result;
}

function targetVerdicts(bySize: Map<number, OperationResult[]>, sizes: number[]): string[] {
  const trips = (prefix: string) =>
    sizes.flatMap((s) =>
      resultsAt(bySize, s)
        .filter((o) => o.operation.startsWith(prefix))
        .flatMap((o) => o.trips),
    );
  const check = (label: string, values: number[], ok: (max: number) => boolean) => {
    const max = Math.max(...values);
    return `${label}: ${ok(max) ? "met" : "NOT met"} (max ${max} over ${values.length} requests at ${sizes.join(" and ")} users)`;
  };
  // Everything but the list page and the scan is a point operation and must not grow with the tenant.
  const point = (op: OperationResult) => !op.operation.startsWith("list") && !op.operation.includes("scan");
  const [firstSize] = sizes;
  const same =
    sizes.length < 2 ||
    firstSize === undefined ||
    resultsAt(bySize, firstSize).every((op, i) => !point(op) || sizes.every((s) => tripsText(nth(resultsAt(bySize, s), i).trips) === tripsText(op.trips)));
  return [
    check("create = 1", trips("create"), (m) => m === 1),
    check("get by id = 1", trips("get by id"), (m) => m === 1),
    check("filter userName eq = 1 (at most 2)", trips("filter userName eq"), (m) => m <= 2),
    check("PATCH = 2", trips("PATCH"), (m) => m === 2),
    `point operations the same at every size: ${same ? "yes" : "NO"} (the list page and the scan read the tenant's rows 1,000 per round trip by design)`,
  ];
}

const usersMix: Scenario = {
  name: "users-mix",
  describe: "Entra-like mix (filter then create, filter then PATCH) closed-loop and at fixed offered rates",
  async run({ bench, options, log }) {
    const results: MixResult[] = [];
    for (const size of options.sizes) {
      const tenant = await seededTenant(bench, size, log);
      log(`users-mix: ${size} users, ${options.workers} workers for ${options.seconds} s`);
      results.push(await runMix(tenant, { mode: "closed", seconds: options.seconds, workers: options.workers, requestsPerSecond: 0 }));
      for (const rate of options.rates) {
        log(`users-mix: ${size} users, ${rate} req/s offered for ${options.seconds} s`);
        results.push(await runMix(tenant, { mode: "open", seconds: options.seconds, workers: 0, requestsPerSecond: rate }));
      }
    }
    const ms = (n: number) => n.toFixed(0);
    const rows = results.map((r) => [
      r.users.toLocaleString("en"),
      r.load,
      r.seconds.toFixed(0),
      r.requests,
      r.errors,
      r.rps.toFixed(1),
      ms(r.p50),
      ms(r.p95),
      ms(r.p99),
      ms(r.max),
      r.mode === "open" ? r.late : "—",
    ]);
    const sustained = results.filter((r) => r.mode === "open");
    const held = (r: MixResult) => r.rps >= 0.95 * (r.offered ?? 0) && r.p99 < TARGET_P99_MS && r.errors === 0 && r.late === 0;
    const verdict = sustained.map(
      (r) =>
        `${r.users.toLocaleString("en")} users, ${r.load}: ${r.rps.toFixed(1)} req/s answered, p99 ${ms(r.p99)} ms, ${r.errors} errors → ${held(r) ? "held" : "NOT held"} with p99 < ${TARGET_P99_MS} ms`,
    );
    for (const size of options.sizes) {
      const ok = sustained.some((r) => r.users === size && r.rps >= TARGET_RPS && held(r));
      verdict.push(`target at ${size.toLocaleString("en")} users (≥ ${TARGET_RPS} req/s sustained, p99 < ${TARGET_P99_MS} ms): ${ok ? "met" : "NOT met"}`);
    }
    // Each operation's latency in the closed loop, by size: a point operation must not slow down as the tenant grows.
    const closed = results.filter((r) => r.mode === "closed");
    const opRows = closed.map((r) => [
      r.users.toLocaleString("en"),
      ...(["lookup", "create", "patch"] as const).map((op) => `${ms(r.operations[op].p50)} / ${ms(r.operations[op].p99)}`),
    ]);
    const base = closed.find((r) => r.users === 10_000);
    const largest = closed.reduce<MixResult | undefined>((a, r) => (!a || r.users > a.users ? r : a), undefined);
    if (base && largest && largest.users > base.users) {
      const ratio = largest.operations.patch.p50 / base.operations.patch.p50;
      const lookupRatio = largest.operations.lookup.p50 / base.operations.lookup.p50;
      verdict.push(
        `PATCH p50 at ${largest.users.toLocaleString("en")} users: ${ratio.toFixed(2)}× its p50 at 10,000 (p99 ${(largest.operations.patch.p99 / base.operations.patch.p99).toFixed(2)}×) → target ≤ 1.5×: ${ratio <= 1.5 ? "met" : "NOT met"}`,
        `the same growth for a point lookup (filter userName eq, one getEntity): ${lookupRatio.toFixed(2)}× — PATCH grows ${(ratio / lookupRatio).toFixed(2)}× as much as a point read does`,
      );
    }
    return [
      "## Users: Entra-like mix",
      "",
      machineNotes([
        'Each step is Entra\'s matching query then the write it leads to: half `filter userName eq` (no match) + `POST /Users`, half `filter userName eq` (match) + `PATCH` (active "False"/"True", title, work e-mail by filter path, path-less replace); one tenant',
        `closed loop: ${options.workers} workers back to back (capacity); open loop: pairs started at a fixed offered rate regardless of answers (sustained load); latency per request`,
      ]),
      "",
      table(["Users", "Load", "Seconds", "Requests", "Errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "Late starts"], rows),
      "",
      `Closed loop (${options.workers} workers), by operation, p50 / p99 ms:`,
      "",
      table(["Users", "filter userName eq", "POST /Users", "PATCH /Users/{id}"], opRows),
      "",
      ...verdict.map((v) => `- ${v}`),
    ].join("\n");
  },
};

const groups: Scenario = {
  name: "groups",
  describe: "member operations on a group of 1 and of 100,000 members: round trips, transactions, time, peak memory of a full read",
  async run({ bench, options, log }) {
    const tenant = await bench.newTenant();
    const rows = await groupScenarios({ scimUrl: bench.scimUrl, store: bench.service.store, ...tenant }, options.groupSizes, log);
    const slowest = Math.max(...rows.filter((r) => !r.operation.includes("background")).map((r) => r.ms));
    const at = (op: string) => rows.filter((r) => r.operation.startsWith(op));
    const constant = (op: string) => new Set(at(op).map((r) => `${r.roundTrips}/${r.transactions}`)).size === 1;
    return [
      "## Groups: member operations against a large group",
      "",
      machineNotes([
        `group sizes ${options.groupSizes.map((n) => n.toLocaleString("en")).join(" and ")}; the members are membership rows seeded through the store (synthetic ids), the 1,001 users the PATCHes name exist`,
        "the full read is consumed as a stream by the bench itself, in the same process as the local host: peak heap and RSS growth above the level before the request",
      ]),
      "",
      groupTable(rows),
      "",
      `- adding/removing 1 member costs the same round trips and transactions at every size: ${constant("PATCH add 1 member") && constant("PATCH remove 1 member") ? "yes" : "NO"}`,
      `- adding 1,000 members: ${at("PATCH add 1,000")
        .map((r) => r.transactions)
        .join(" / ")} transactions (⌈1000/49⌉ = ${Math.ceil(1000 / 49)})`,
      `- lookup and members-excluded read the same at every size: ${constant("GET /Groups?filter") && constant("GET /Groups/{id}?excluded") ? "yes" : "NO"}`,
      `- slowest answered request: ${(slowest / 1000).toFixed(1)} s (Entra times out at 60 s): ${slowest < 60_000 ? "met" : "NOT met"}`,
    ].join("\n");
  },
};

export const SCENARIOS: Scenario[] = [usersRoundTrips, usersMix, groups, coldStart, overhead, entraSync, eventsRead, eventsSweeper, eventsDelivery];

export function parseArgs(argv: string[]): { options: RunOptions; only?: string[] } {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const numbers = (name: string) =>
    value(name)
      ?.split(",")
      .map(Number)
      .filter((n) => Number.isFinite(n) && n > 0);
  const quick = argv.includes("--quick");
  const options: RunOptions = {
    quick,
    sizes: numbers("sizes") ?? (quick ? [100, 1000] : [100, 10_000]),
    seconds: numbers("seconds")?.[0] ?? (quick ? 5 : 30),
    workers: numbers("workers")?.[0] ?? 4,
    rates: numbers("rates") ?? [25, 50],
    samples: numbers("samples")?.[0] ?? (quick ? 10 : 20),
    groupSizes: numbers("group-sizes") ?? (quick ? [1, 1000] : [1, 100_000]),
    write: !argv.includes("--no-write"),
  };
  return {
    options,
    only: value("only")
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

async function main(): Promise<void> {
  const { options, only } = parseArgs(process.argv.slice(2));
  const chosen = only ? SCENARIOS.filter((s) => only.includes(s.name)) : SCENARIOS;
  const unknown = (only ?? []).filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0 || chosen.length === 0) {
    console.error(`Unknown scenario(s) ${unknown.join(", ")}. Scenarios:\n${SCENARIOS.map((s) => `  ${s.name}: ${s.describe}`).join("\n")}`);
    process.exitCode = 2;
    return;
  }
  const log = (line: string) => console.error(line);
  const bench = await startBench();
  const file = path.resolve(__dirname, "..", "..", "docs", "performance.md");
  try {
    for (const scenario of chosen) {
      const markdown = await scenario.run({ bench, options, log });
      console.log(`${markdown}\n`);
      if (options.write && !options.quick) await writeSection(file, scenario.name, markdown);
    }
    if (options.write && !options.quick) log(`wrote ${path.relative(process.cwd(), file)}`);
    else log("docs/performance.md not written (--quick or --no-write)");
  } finally {
    await bench.close();
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
