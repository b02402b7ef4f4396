// The mirror equals the directory: an Entra-like workload (1,000 users, 20 groups, member adds and
// removes, nested groups, deactivations, updates, deletes; 8 requests in flight, retried on 5xx and
// network errors as Entra does) while the reference consumer (examples/mirror) follows the Events API,
// bootstrapped from a snapshot taken in the middle of the workload. Run cleanly, with 10 % of storage
// requests failing or losing their answer after commit, and with the real npm start host killed (kill -9)
// and started again mid-sync. Afterwards the mirror is what GET /Users and GET /Groups return, every event
// 1…N is in the log once, and the consumer was handed every event after its snapshot's cursor.
//
// Duplicates: the consumer may be handed an event twice only by reading a page again (after a failed long
// poll it retries from the cursor it saved, which never passed unapplied events), and then with the same
// id and content; the test counts them and requires identical copies. Groups are compared without meta:
// member changes renew a group's meta.version, and member events carry the version but not lastModified.
import { promises as fs } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { type ChangeEvent, directoryOf } from "../../examples/mirror/mirror";
import { Sync, memoryStore } from "../../examples/mirror/sync";
import type { EventsApi } from "../../examples/mirror/events-client";
import { loadConfig } from "../../shared/config";
import { decodeCursor } from "../../shared/events/feed";
import { createService } from "../../shared/root";
import { createStaticToken } from "../../shared/auth/lifecycle";
import { type FaultyProxy, startFaultyProxy } from "../support/faulty-proxy";
import { type ChildHost, bundleLocalHost, removeLocalHostBundle, startChildHost } from "../support/child-host";
import { type Reply, ScimClient, entraUser, patchOp, startTestHost, testEnvironment } from "../support/scim-client";
import { entraGroup } from "../support/groups";

jest.setTimeout(180_000);

const USERS = 1000;
const GROUPS = 20;
const IN_FLIGHT = 8;

/** Deterministic choices (mulberry32), so a failing run can be repeated. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Requests sent again (after a 5xx or a network error) since the process started. */
let resent = 0;

/** Entra's client behaviour: a 5xx or a network error is sent again, a few times, after a pause. */
async function send(scim: () => ScimClient, method: string, p: string, body?: unknown): Promise<Reply & { attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const reply = await scim().request(method, p, body);
      if (reply.status < 500 || attempt >= 25) return { ...reply, attempts: attempt };
    } catch (e) {
      if (attempt >= 25) throw e;
    }
    resent++;
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 100 * attempt)));
  }
}

/** Runs the tasks with at most IN_FLIGHT at once, calling tick after each. */
async function pool(tasks: Array<() => Promise<void>>, tick: () => void): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < tasks.length) {
        const task = tasks[next++]!;
        await task();
        tick();
      }
    }),
  );
}

const expectOk = (what: string, r: Reply, ...ok: number[]) => {
  if (!ok.includes(r.status)) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
};

interface Workload {
  /** Counts of the resource events the workload must record (member events depend on overlaps). */
  expected: Record<string, number>;
}

/**
 * The workload; `progress(n)` is awaited after every n-th request (to take a snapshot or kill the host).
 * A create sent again after a lost answer finds its resource there (409): Entra then looks it up by its
 * key, as here; a delete sent again finds it gone (404).
 */
async function runWorkload(scim: () => ScimClient, seed: number, progress: (done: number) => Promise<void> | void): Promise<Workload> {
  const rnd = random(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  let done = 0;
  const pending: Array<Promise<void>> = [];
  const tick = () => {
    done++;
    const p = progress(done);
    if (p) pending.push(p);
  };
  const users: string[] = [];
  const groups: string[] = [];

  const userBodies = Array.from({ length: USERS }, () => entraUser());
  await pool(
    userBodies.map((body) => async () => {
      const r = await send(scim, "POST", "/Users", body);
      if (r.status === 409 && r.attempts > 1) {
        const found = await send(scim, "GET", `/Users?filter=${encodeURIComponent(`userName eq "${String(body.userName)}"`)}`);
        users.push(found.body.Resources[0].id);
        return;
      }
      expectOk("create user", r, 201);
      users.push(r.body.id);
    }),
    tick,
  );
  const groupBodies = Array.from({ length: GROUPS }, () => entraGroup());
  await pool(
    groupBodies.map((body) => async () => {
      const r = await send(scim, "POST", "/Groups", body);
      if (r.status === 409 && r.attempts > 1) {
        const found = await send(scim, "GET", `/Groups?filter=${encodeURIComponent(`displayName eq "${String(body.displayName)}"`)}`);
        groups.push(found.body.Resources[0].id);
        return;
      }
      expectOk("create group", r, 201);
      groups.push(r.body.id);
    }),
    tick,
  );
  groups.sort();

  // Members: 60 picks per group (repeats are no-ops), added 15 at a time; groups 1–3 nested in group 0.
  const members = new Map(groups.map((g) => [g, Array.from({ length: 60 }, () => pick(users))]));
  const adds: Array<() => Promise<void>> = [];
  for (const [g, ids] of members) {
    for (let i = 0; i < ids.length; i += 15) {
      const chunk = ids.slice(i, i + 15);
      adds.push(async () =>
        expectOk(
          "add members",
          await send(scim, "PATCH", `/Groups/${g}`, patchOp({ op: "Add", path: "members", value: chunk.map((value) => ({ value })) })),
          204,
        ),
      );
    }
  }
  adds.push(async () =>
    expectOk(
      "nest groups",
      await send(scim, "PATCH", `/Groups/${groups[0]!}`, patchOp({ op: "Add", path: "members", value: groups.slice(1, 4).map((value) => ({ value })) })),
      204,
    ),
  );
  await pool(adds, tick);

  // Removes (both dialects), deactivations, updates, deletes.
  const changes: Array<() => Promise<void>> = [];
  for (const [g, ids] of members) {
    const gone = ids.slice(0, 10);
    changes.push(async () =>
      expectOk(
        "remove members",
        await send(scim, "PATCH", `/Groups/${g}`, patchOp({ op: "Remove", path: "members", value: gone.slice(0, 5).map((value) => ({ value })) })),
        204,
      ),
    );
    changes.push(async () =>
      expectOk(
        "remove members by path",
        await send(scim, "PATCH", `/Groups/${g}`, patchOp(...gone.slice(5).map((id) => ({ op: "remove", path: `members[value eq "${id}"]` })))),
        204,
      ),
    );
  }
  const shuffled = [...users].sort(() => rnd() - 0.5);
  const deactivated = shuffled.slice(0, 100);
  const updated = shuffled.slice(100, 200);
  const deleted = shuffled.slice(150, 200); // updated, then deleted
  for (const id of deactivated)
    changes.push(async () =>
      expectOk("deactivate", await send(scim, "PATCH", `/Users/${id}`, patchOp({ op: "Replace", path: "active", value: "False" })), 200),
    );
  for (const id of updated)
    changes.push(async () =>
      expectOk("update", await send(scim, "PATCH", `/Users/${id}`, patchOp({ op: "replace", path: "displayName", value: `Renamed ${id}` })), 200),
    );
  await pool(changes, tick);
  const deletes = [
    ...deleted.map((id) => async () => expectOk("delete user", await send(scim, "DELETE", `/Users/${id}`), 204, 404)),
    // group 1 is a member of group 0; group 19 is a plain group
    ...[groups[1]!, groups[GROUPS - 1]!].map((id) => async () => expectOk("delete group", await send(scim, "DELETE", `/Groups/${id}`), 204, 404)),
  ];
  await pool(deletes, tick);
  await Promise.all(pending);
  return {
    expected: { "user.created": USERS, "group.created": GROUPS, "user.deactivated": 100, "user.updated": 100, "user.deleted": 50, "group.deleted": 2 },
  };
}

/** Every page of a SCIM list. */
async function listAll(scim: ScimClient, resource: string): Promise<any[]> {
  const out: any[] = [];
  for (let start = 1; start < 100_000; start += 200) {
    const r = await send(() => scim, "GET", `/${resource}?startIndex=${start}&count=200`);
    expectOk(`list ${resource}`, r, 200);
    out.push(...r.body.Resources);
    if (r.body.Resources.length < 200) break;
  }
  return out;
}

/** The directory as the SCIM API shows it, in the mirror's shape. */
async function directory(scim: ScimClient) {
  const users = (await listAll(scim, "Users")).sort((a, b) => (a.id < b.id ? -1 : 1));
  const groups = [];
  for (const g of (await listAll(scim, "Groups")).sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const full = await send(() => scim, "GET", `/Groups/${g.id}`);
    const { members, meta: _meta, ...rest } = full.body;
    groups.push({ ...rest, memberIds: ((members ?? []) as Array<{ value: string }>).map((m) => m.value).sort() });
  }
  return { users, groups };
}

/** The consumer: bootstraps (snapshot) when told, then follows until told to stop and caught up. */
class Consumer {
  sync: Sync | undefined;
  readonly handed: ChangeEvent[] = [];
  snapshotSequence = -1;
  private stopping = false;
  private following: Promise<void> | undefined;

  constructor(private readonly api: EventsApi) {}

  async start(): Promise<void> {
    const sync = await openWithRetries(this.api);
    this.sync = sync;
    this.snapshotSequence = decodeCursor(sync.mirror.cursor ?? "")?.seq ?? -1; // the tests may read our own cursors
    this.following = sync.follow(this.api, { waitSeconds: 1, limit: 200, onEvent: (e) => this.handed.push(e) }, (page) => this.stopping && !page.hasMore);
  }

  /** Stops the follower, then reads on to the head with requests sent after the workload finished. */
  async finish(): Promise<Sync> {
    this.stopping = true;
    await this.following;
    const sync = this.sync!;
    await sync.follow(this.api, { waitSeconds: 0, limit: 200, onEvent: (e) => this.handed.push(e) }, (page) => !page.hasMore);
    return sync;
  }
}

async function openWithRetries(api: EventsApi): Promise<Sync> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await Sync.open(api, memoryStore(), 100);
    } catch (e) {
      if (attempt >= 25) throw e;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Every event in the log, from the oldest. */
async function wholeLog(api: EventsApi): Promise<ChangeEvent[]> {
  const out: ChangeEvent[] = [];
  let cursor = "";
  for (let i = 0; i < 1000; i++) {
    const r = await fetch(`${api.url}/events?limit=1000${cursor ? `&after=${cursor}` : ""}`, { headers: { Authorization: `Bearer ${api.token}` } });
    const body = (await r.json()) as { data: ChangeEvent[]; cursor: string; hasMore: boolean };
    out.push(...body.data);
    cursor = body.cursor;
    if (!body.hasMore) break;
  }
  return out;
}

async function verify(scim: ScimClient, api: EventsApi, consumer: Consumer, workload: Workload): Promise<void> {
  const sync = await consumer.finish();
  const log = await wholeLog(api);
  const n = log.length;
  // The log: 1…N, each id once, and one resource event per committed change.
  expect(log.map((e) => e.sequence)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(new Set(log.map((e) => e.id)).size).toBe(n);
  const counts: Record<string, number> = {};
  for (const e of log) counts[e.type] = (counts[e.type] ?? 0) + 1;
  expect(Object.fromEntries(Object.keys(workload.expected).map((k) => [k, counts[k] ?? 0]))).toEqual(workload.expected);
  expect(counts["group.member_added"]).toBeGreaterThan(GROUPS * 40);
  expect(counts["group.member_removed"]).toBeGreaterThan(0);

  // The consumer: handed every event after its snapshot's cursor (0 lost); any repeat is an identical copy.
  const byId = new Map<string, ChangeEvent>();
  let duplicates = 0;
  for (const e of consumer.handed) {
    const held = byId.get(e.id);
    if (held) {
      duplicates++;
      expect(e).toEqual(held);
    } else byId.set(e.id, e);
  }
  const after = log.filter((e) => e.sequence > consumer.snapshotSequence);
  expect([...byId.values()].map((e) => e.sequence).sort((a, b) => a - b)).toEqual(after.map((e) => e.sequence));
  expect(duplicates).toBe(0); // nothing here re-reads a page; a copy would have been an identical one
  expect(consumer.snapshotSequence).toBeGreaterThan(0); // the snapshot was taken mid-workload…
  expect(consumer.snapshotSequence).toBeLessThan(n); // …not at its end

  // The mirror is the directory.
  const mirrored = directoryOf(sync.mirror);
  const actual = await directory(scim);
  expect(mirrored.users.length).toBe(USERS - 50);
  expect(mirrored.users).toEqual(actual.users);
  expect(mirrored.groups.map(({ meta: _meta, ...g }) => g)).toEqual(actual.groups);
}

const cleanCheckpoint = USERS + GROUPS + 40; // during the member adds

describe("the mirror equals the directory", () => {
  test("clean run, snapshot taken during the member adds", async () => {
    const t = await startTestHost();
    try {
      const scim = await t.newTenant();
      const events = await t.apiClient(scim.tenant, "events");
      const api = { url: t.host.url, token: events.token };
      const consumer = new Consumer(api);
      const workload = await runWorkload(
        () => scim,
        1,
        (done) => (done === cleanCheckpoint ? consumer.start() : undefined),
      );
      await verify(scim, api, consumer, workload);
    } finally {
      await t.close();
    }
  });

  test("10 % of storage requests fail or lose their answer after commit; snapshot taken during the user creates", async () => {
    const proxy: FaultyProxy = await startFaultyProxy(process.env.SCIM_STORAGE_CONNECTION_STRING!);
    const t = await startTestHost({ SCIM_STORAGE_CONNECTION_STRING: proxy.connectionString });
    try {
      const scim = await t.newTenant();
      const events = await t.apiClient(scim.tenant, "events");
      const api = { url: t.host.url, token: events.token };
      const rnd = random(7);
      proxy.fail("server-busy", () => rnd() < 0.05);
      proxy.alsoFail("lose-answer", () => rnd() < 0.05);
      const consumer = new Consumer(api);
      const workload = await runWorkload(
        () => scim,
        2,
        (done) => (done === USERS / 2 ? consumer.start() : undefined),
      );
      const [busy, lost] = proxy.struck();
      expect(busy).toBeGreaterThan(50);
      expect(lost).toBeGreaterThan(50);
      proxy.heal();
      await verify(scim, api, consumer, workload);
    } finally {
      await t.close();
      await proxy.close();
    }
  });

  describe("the npm start host killed mid-sync", () => {
    let dir: string;
    beforeAll(async () => {
      await bundleLocalHost();
      dir = await fs.mkdtemp(path.join(os.tmpdir(), "scim-mirror-killed-"));
    });
    afterAll(async () => {
      await removeLocalHostBundle();
      await fs.rm(dir, { recursive: true, force: true });
    });

    test("kill -9 during the user creates, started again on the same port; snapshot taken before the kill", async () => {
      const tenant = `t-${randomUUID().slice(0, 8)}`;
      const credentialsFile = path.join(dir, "credentials.json");
      // The events token goes into the host's credential file before it starts (it reads the file on first use).
      const minting = createService(loadConfig(testEnvironment({ SCIM_LOCAL_CREDENTIALS_FILE: credentialsFile })));
      const { token: eventsToken } = await createStaticToken(minting.credentials, { tenant, label: "mirror test", scope: "events" });
      await minting.dispatcher.close();
      const port = await freePort();
      const start = () => startChildHost({ storageConnectionString: process.env.SCIM_STORAGE_CONNECTION_STRING!, dir, tenant, env: { PORT: String(port) } });
      let host: ChildHost = await start();
      let scim = new ScimClient(host.scimUrl, host.token, tenant);
      const api = { url: `http://127.0.0.1:${port}`, token: eventsToken };
      const consumer = new Consumer(api);
      let restarted = false;
      const resentBefore = resent;
      try {
        const workload = await runWorkload(
          () => scim,
          3,
          async (done) => {
            if (done === 200) await consumer.start();
            if (done === 600) {
              host.kill(); // 8 requests in flight, the consumer's long poll and the dispatcher die with it
              await host.exited;
              host = await start();
              scim = new ScimClient(host.scimUrl, host.token, tenant);
              restarted = true;
            }
          },
        );
        expect(restarted).toBe(true);
        expect(resent - resentBefore).toBeGreaterThan(0); // requests in flight were cut off and sent again
        await verify(scim, api, consumer, workload);
      } finally {
        await host.stop();
      }
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
