// The sequencer under faults, concurrency and day boundaries: every committed change gets exactly one
// number, numbers have no gaps, and a reader following the log crosses days without missing one.
import { randomUUID } from "node:crypto";
import { startFaultyProxy, type FaultyProxy, batchesAfter, nthBatch } from "../support/faulty-proxy";
import { type TestHost, entraUser, patchOp, startTestHost } from "../support/scim-client";
import { EventLog, CursorExpired, periodOf, tenantPartition } from "../../shared/store";
import { Partition } from "../../shared/store/partition";
import { createTableClient, createTableServiceClient } from "../../shared/store/table";
import { expandEntry } from "../../shared/scim/events";

const connectionString = () => process.env.SCIM_STORAGE_CONNECTION_STRING ?? "";

/** Every event of a tenant's log, read from its start through `log`. */
async function everything(log: EventLog, tenant: string) {
  const pk = tenantPartition(tenant);
  let position = await log.start(pk);
  const events = [];
  for (let i = 0; i < 100; i++) {
    const page = await log.read(pk, position, 100);
    for (const e of page.entries) events.push(...expandEntry(e.entry, tenant, e.first, undefined));
    if (page.entries.length === 0) break;
    position = page.position;
  }
  return events;
}

describe("faults between the sequencer's two transactions", () => {
  let proxy: FaultyProxy;
  let t: TestHost;
  beforeAll(async () => {
    proxy = await startFaultyProxy(connectionString());
    // Dispatch off: only these tests' explicit sequencing touches the log (and takes the faults).
    t = await startTestHost({ SCIM_STORAGE_CONNECTION_STRING: proxy.connectionString, SCIM_EVENT_DISPATCH: "off" });
  });
  afterAll(async () => {
    await t.close();
    await proxy.close();
  });

  async function tenantWithLog(): Promise<{ scim: Awaited<ReturnType<TestHost["newTenant"]>>; pk: string }> {
    const scim = await t.newTenant();
    await scim.post("/Users", entraUser());
    const pk = tenantPartition(scim.tenant);
    await t.service.store.events.sequence(pk); // state row and pointer exist from here on
    return { scim, pk };
  }

  test("a sequencer that fails after appending but before clearing the outbox appends nothing twice", async () => {
    const { scim, pk } = await tenantWithLog();
    for (let i = 0; i < 5; i++) expect((await scim.post("/Users", entraUser())).status).toBe(201);
    proxy.fail("server-busy", batchesAfter(1)); // the append commits; every clear fails (the SDK's retries too)
    await expect(t.service.store.events.sequence(pk)).rejects.toThrow();
    proxy.heal();
    expect((await t.service.store.events.pending(pk)).count).toBe(5); // appended, not yet cleared
    expect(await t.service.store.events.sequence(pk)).toBe(0); // recognised as appended: only cleared
    const events = await everything(t.service.store.events, scim.tenant);
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(events.map((e) => e.id)).size).toBe(6);
    expect((await t.service.store.events.pending(pk)).count).toBe(0);
  });

  test("an append whose answer was lost is recognised, and its entries are not appended again", async () => {
    const { scim, pk } = await tenantWithLog();
    for (let i = 0; i < 3; i++) expect((await scim.post("/Users", entraUser())).status).toBe(201);
    proxy.fail("lose-answer", nthBatch(1));
    await t.service.store.events.sequence(pk);
    proxy.heal();
    await t.service.store.events.sequence(pk);
    const events = await everything(t.service.store.events, scim.tenant);
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    expect(new Set(events.map((e) => e.id)).size).toBe(4);
  });
});

test("sequencers on two hosts racing each other number every change once, without gaps", async () => {
  const t = await startTestHost({ SCIM_EVENT_DISPATCH: "off" });
  const other = await t.sibling();
  try {
    const scim = await t.newTenant();
    const pk = tenantPartition(scim.tenant);
    const ids: string[] = [];
    const writes = Array.from({ length: 40 }, async (_, i) => {
      const created = await scim.post("/Users", entraUser());
      ids.push(created.body.id);
      await scim.patch(`/Users/${created.body.id}`, patchOp({ op: "replace", path: "displayName", value: `n${i}` }));
    });
    const sequencing = Array.from({ length: 10 }, (_, i) => (i % 2 ? t : other).service.store.events.sequence(pk));
    await Promise.all([...writes, ...sequencing]);
    await Promise.all([t.service.store.events.sequence(pk), other.service.store.events.sequence(pk)]);
    const events = await everything(t.service.store.events, scim.tenant);
    expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect(new Set(events.map((e) => e.id)).size).toBe(80);
    // Each user's created comes before its updated.
    for (const id of ids) {
      const mine = events.filter((e) => e.data.id === id).map((e) => e.type);
      expect(mine).toEqual(["user.created", "user.updated"]);
    }
  } finally {
    await other.close();
    await t.close();
  }
});

describe("day tables", () => {
  const day = 86_400_000;
  const start = Date.UTC(2031, 0, 10, 23, 0, 0);
  let clock = start;
  // A log of its own (its own table prefix), so dropping its days touches no other test's tables.
  const prefix = `seq${randomUUID().replace(/-/g, "").slice(0, 10)}`;
  let t: TestHost;
  let log: EventLog;
  beforeAll(async () => {
    t = await startTestHost({ SCIM_EVENT_DISPATCH: "off" });
    const settings = { storageConnectionString: connectionString(), tableName: "scim" };
    const main = createTableClient(settings);
    log = new EventLog({
      tablePrefix: prefix,
      client: (tableName) => createTableClient({ ...settings, tableName }),
      service: () => createTableServiceClient(settings),
      main: (pk) => Promise.resolve(new Partition(main, pk)),
      retentionDays: 30,
      now: () => clock,
    });
  });
  afterAll(() => t.close());

  test("a tenant's log continues on the next day, a reader crosses the boundary, and expired days are dropped whole", async () => {
    const scim = await t.newTenant();
    const pk = tenantPartition(scim.tenant);
    for (let i = 0; i < 3; i++) await scim.post("/Users", entraUser());
    expect(await log.sequence(pk)).toBe(3);
    const firstDay = await log.head(pk);
    expect(firstDay).toEqual({ period: periodOf(start), seq: 3 });

    clock = start + 2 * day; // an idle day in between: the log moves straight to the day of its next event
    for (let i = 0; i < 2; i++) await scim.post("/Users", entraUser());
    expect(await log.sequence(pk)).toBe(2);
    expect(await log.head(pk)).toEqual({ period: periodOf(start + 2 * day), seq: 5 });
    expect((await everything(log, scim.tenant)).map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
    // A reader holding the first day's cursor is sent on to the next day by the marker.
    const onward = await log.read(pk, firstDay, 100);
    expect(onward.entries.map((e) => e.first)).toEqual([4, 5]);
    expect(onward.position.period).toBe(periodOf(start + 2 * day));

    clock = start + 40 * day;
    expect(await log.prune()).toEqual([periodOf(start), periodOf(start + 2 * day)]);
    await expect(log.read(pk, firstDay, 100)).rejects.toBeInstanceOf(CursorExpired);
    // Numbering continues after the tenant's days expired.
    await scim.post("/Users", entraUser());
    expect(await log.sequence(pk)).toBe(1);
    expect(await log.head(pk)).toEqual({ period: periodOf(start + 40 * day), seq: 6 });
    clock = start + 80 * day;
    await log.prune();
  });
});
