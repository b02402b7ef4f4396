// Events benchmarks: the Events API's cost per page against the history's size, and the sweeper
// catching up every event whose nudge was dropped.
import { randomUUID } from "node:crypto";
import { createStaticToken } from "../shared/auth/lifecycle";
import { tenantPartition } from "../shared/store";
import type { Scenario } from "./scenario";
import { machineNotes, table } from "./report";
import { BenchClient, entraUser, inParallel, percentile } from "./harness";

const PAGE = 100;

/** Seeds `events` member-added events into a group (49 per transaction), written through the store. */
async function seedHistory(ctx: Parameters<Scenario["run"]>[0], tenant: string, groupId: string, events: number): Promise<void> {
  const dir = await ctx.bench.service.store.tenant(tenant);
  const chunks = Math.ceil(events / 49);
  await inParallel(chunks, 8, async (i) => {
    const n = Math.min(49, events - i * 49);
    const add = Array.from({ length: n }, () => ({ value: randomUUID(), type: "User" as const }));
    await dir.groups.changeMembers(groupId, { add, remove: [] });
  });
  await ctx.bench.service.store.events.sequence(tenantPartition(tenant));
}

interface PageCost {
  ms: number[];
  trips: number[];
}

/** Reads `pages` pages of the Events API from `after`, one at a time, at a steady pace. */
async function readPages(
  origin: string,
  token: string,
  after: string | undefined,
  pages: number,
): Promise<{ cost: PageCost; cursor: string | undefined; events: number }> {
  const cost: PageCost = { ms: [], trips: [] };
  let cursor = after;
  let events = 0;
  for (let i = 0; i < pages; i++) {
    const started = performance.now();
    const res = await fetch(`${origin}/events?limit=${PAGE}${cursor ? `&after=${cursor}` : ""}`, { headers: { Authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { data: unknown[]; cursor: string; hasMore: boolean };
    cost.ms.push(performance.now() - started);
    cost.trips.push(Number(res.headers.get("x-storage-round-trips") ?? NaN));
    events += body.data.length;
    cursor = body.cursor;
    if (!body.hasMore) break;
    await new Promise((r) => setTimeout(r, 2)); // a steady reader, not a burst
  }
  return { cost, cursor, events };
}

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
const p95 = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    95,
  );

export const eventsRead: Scenario = {
  name: "events-read",
  describe: "Events API: ms and round trips per page of 100 events against the history's size",
  async run(ctx) {
    const { bench, options, log } = ctx;
    const sizes = options.quick ? [1_000, 10_000] : [10_000, 100_000];
    const origin = bench.scimUrl.replace(/\/scim\/v2$/, "");
    const rows: Array<Array<string | number>> = [];
    const byPosition = new Map<string, number[]>();
    const perPage: number[] = [];
    for (const size of sizes) {
      const t = await bench.newTenant();
      const scim = new BenchClient(bench.scimUrl, t);
      const group = await scim.call<{ id: string }>("POST", "/Groups", {
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        displayName: `history ${size}`,
      });
      log(`events-read: seeding ${size} events`);
      await seedHistory(ctx, t.tenant, group.body.id, size);
      const { token } = await createStaticToken(bench.service.credentials, { tenant: t.tenant, scope: "events", label: "bench" });
      await readPages(origin, token, undefined, 20); // warm-up (JIT, connections, GC after seeding), not reported
      // Pages at the start, in the middle and at the end of the history; the whole read is timed too.
      const whole = Date.now();
      const startRead = await readPages(origin, token, undefined, 50);
      let cursor = startRead.cursor;
      let read = startRead.events;
      log(`events-read: reading the whole history of ${size}`);
      const middle: PageCost = { ms: [], trips: [] };
      while (read < size - 50 * PAGE) {
        const r = await readPages(origin, token, cursor, 20);
        cursor = r.cursor;
        read += r.events;
        if (read > size / 2 && middle.ms.length === 0) {
          const m = await readPages(origin, token, cursor, 20);
          middle.ms.push(...m.cost.ms);
          middle.trips.push(...m.cost.trips);
          cursor = m.cursor;
          read += m.events;
        }
        if (r.events === 0) break;
      }
      const end = await readPages(origin, token, cursor, 50);
      read += end.events;
      const seconds = (Date.now() - whole) / 1000;
      for (const [where, c] of [
        ["first pages", startRead.cost],
        ["middle", middle],
        ["last pages", end.cost],
      ] as const) {
        if (c.ms.length === 0) continue;
        rows.push([size.toLocaleString("en"), where, c.ms.length, median(c.ms).toFixed(1), p95(c.ms).toFixed(1), median(c.trips)]);
        byPosition.set(where, [...(byPosition.get(where) ?? []), median(c.ms)]);
      }
      const pages = Math.ceil(read / PAGE);
      perPage.push((seconds * 1000) / pages);
      rows.push([
        size.toLocaleString("en"),
        "whole history",
        pages,
        ((seconds * 1000) / pages).toFixed(1),
        "",
        `${read.toLocaleString("en")} events in ${seconds.toFixed(1)} s`,
      ]);
    }
    // Growth with the history: the largest history's page time over the smallest's, position by position.
    const growth = [...byPosition.values(), perPage].filter((xs) => xs.length === sizes.length).map((xs) => (xs[xs.length - 1] ?? NaN) / (xs[0] ?? NaN));
    const worst = Math.max(...growth);
    const trips = new Set(rows.map((r) => r[5]).filter((x) => typeof x === "number"));
    return [
      "## Events API: cost per page against the history's size",
      "",
      machineNotes([
        `history seeded as group.member_added events (49 per transaction, through the store), sequenced, then read with limit=${PAGE}, one page at a time`,
      ]),
      "",
      table(["History", "Where", "Pages", "Median ms", "p95 ms", "Round trips / page"], rows),
      "",
      `- Target: cost per page constant in the history's size: ${trips.size === 1 && worst <= 1.5 ? "met" : "NOT met"}. Round trips per page: ${[...trips].join(", ")} at every size and position; the ${(sizes[sizes.length - 1] ?? 0).toLocaleString("en")}-event history's page time over the ${(sizes[0] ?? 0).toLocaleString("en")}-event one's, at the same position and over the whole read: at most ${worst.toFixed(2)}× (a few ms per page; positions inside one history differ by the machine's noise, not by position).`,
      "- A page is one range read of the tenant's day partition from the cursor's key (plus 1 read of the outbox when the page reaches the end of the log): an index seek on Table Storage, and on Azurite since its preload reads ranges from the RowKey index (scripts/azurite-indexed-lookups.cjs, §3).",
    ].join("\n");
  },
};

export const eventsSweeper: Scenario = {
  name: "events-sweeper",
  describe: "every nudge dropped: one sweep sequences every committed change's event",
  async run(ctx) {
    const { bench, options, log } = ctx;
    const host = await bench.withSettings({ SCIM_EVENT_DISPATCH: "off" });
    const users = options.quick ? 200 : 1000;
    const t = await host.newTenant();
    const scim = new BenchClient(host.scimUrl, t);
    const receiver = await startBenchReceiver();
    await host.service.webhooks.add({ tenant: t.tenant, url: receiver.url, allowPrivateNetwork: true });
    log(`events-sweeper: ${users} users created and patched with every nudge dropped`);
    let writes = 0;
    await inParallel(users, 8, async (i) => {
      const created = await scim.call<{ id: string }>("POST", "/Users", entraUser(`sw-${randomUUID().slice(0, 8)}-${i}`));
      if (created.status === 201) writes++;
      const patched = await scim.call("PATCH", `/Users/${created.body.id}`, {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        Operations: [{ op: "replace", path: "active", value: false }],
      });
      if (patched.status === 200) writes++;
    });
    const pk = tenantPartition(t.tenant);
    const pendingBefore = (await host.service.store.events.pending(pk)).count;
    const started = performance.now();
    const [result] = await host.service.dispatcher.sweep([t.tenant]);
    const sweepMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 200)); // the last deliveries' answers
    const pendingAfter = (await host.service.store.events.pending(pk)).count;
    const head = await host.service.store.events.head(pk);
    const delivered = receiver.first.size;
    await receiver.close();
    const caught = head.seq === writes && pendingAfter === 0 && delivered === writes;
    return [
      "## Events: the sweeper catches every dropped nudge",
      "",
      machineNotes([
        `${users} users created and deactivated (8 in flight) on a host with SCIM_EVENT_DISPATCH=off: no nudge reaches a dispatcher; one webhook endpoint (a node:http receiver on 127.0.0.1)`,
      ]),
      "",
      table(
        [
          "Writes answered 2xx",
          "Outbox entries before the sweep",
          "Entries sequenced by one sweep",
          "Events in the log after",
          "Outbox after",
          "Webhooks delivered by the sweep",
          "Sweep ms",
        ],
        [[writes, pendingBefore, result?.sequenced ?? 0, head.seq, pendingAfter, delivered, sweepMs.toFixed(0)]],
      ),
      "",
      `- Target: the sweeper picks up 100 % of deliberately dropped nudges: ${caught ? "met" : "NOT met"} (${head.seq} of ${writes} events sequenced and ${delivered} delivered to the webhook by one sweep, ${pendingAfter} left in the outbox).`,
    ].join("\n");
  },
};

/** Webhook receptions on 127.0.0.1: the first arrival of each webhook-id and the event's own time. */
async function startBenchReceiver(): Promise<{ url: string; first: Map<string, { at: number; committed: number }>; attempts: number; close(): Promise<void> }> {
  const http = await import("node:http");
  const first = new Map<string, { at: number; committed: number }>();
  let attempts = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = Date.now();
      attempts++;
      const id = String(req.headers["webhook-id"] ?? "");
      const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { timestamp: string };
      if (!first.has(id)) first.set(id, { at, committed: Date.parse(event.timestamp) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as import("node:net").AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    first,
    get attempts() {
      return attempts;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export const eventsDelivery: Scenario = {
  name: "events-delivery",
  describe: "Entra-like mix at 25 req/s offered: time from commit to the first webhook attempt",
  async run(ctx) {
    const { bench, options, log } = ctx;
    const { seededTenant } = await import("./users");
    const { runMix } = await import("./mix");
    const tenant = await seededTenant(bench, options.quick ? 100 : 1000, log);
    const receiver = await startBenchReceiver();
    await bench.service.webhooks.add({ tenant: tenant.client.tenant.tenant, url: receiver.url, allowPrivateNetwork: true });
    const pk = tenantPartition(tenant.client.tenant.tenant);
    const before = (await bench.service.store.events.head(pk)).seq;
    log(`events-delivery: the mix at 25 req/s for ${options.seconds} s with a webhook endpoint`);
    const mix = await runMix(tenant, { mode: "open", seconds: options.seconds, workers: 0, requestsPerSecond: 25 });
    await bench.service.store.events.sequence(pk);
    const expected = (await bench.service.store.events.head(pk)).seq - before;
    const deadline = Date.now() + 30_000;
    while (receiver.first.size < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const lags = [...receiver.first.values()].map((r) => r.at - r.committed).sort((a, b) => a - b);
    await receiver.close();
    const p95Lag = percentile(lags, 95);
    return [
      "## Events: from commit to the first webhook attempt",
      "",
      machineNotes([
        `the Entra-like mix (bench/mix.ts) open loop at 25 req/s offered for ${options.seconds} s on ${tenant.size.toLocaleString("en")} users; one webhook endpoint (a node:http receiver on 127.0.0.1 answering 204); in-process dispatch (npm start's); lag = first arrival of a webhook-id − the event's timestamp (taken as the transaction is built)`,
      ]),
      "",
      table(
        ["Requests", "Request errors", "Events", "Delivered (distinct ids)", "Attempts", "Lag p50 ms", "Lag p95 ms", "Lag max ms"],
        [[mix.requests, mix.errors, expected, receiver.first.size, receiver.attempts, percentile(lags, 50), p95Lag, lags[lags.length - 1] ?? NaN]],
      ),
      "",
      `- Target: p95 from commit to the first webhook attempt ≤ 5 s locally: ${p95Lag <= 5000 && receiver.first.size === expected ? "met" : "NOT met"} (${receiver.first.size} of ${expected} events delivered).`,
    ].join("\n");
  },
};
