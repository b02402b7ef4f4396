// Delivery as on Azure (SCIM_EVENT_DISPATCH=queue), against Azurite's real Queue service: a write leaves a
// nudge in the queue; the handler the queue trigger calls (service.eventJobs.onNudge) dispatches it; lost
// or failed nudges are caught by the sweeper, which visits every tenant with credentials and drops expired
// days. The harness below plays the Functions host's part: it receives, base64-decodes and parses the
// message as the queue extension and the Node worker do, calls the handler, and deletes the message
// when the handler succeeded.
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { QueueClient } from "@azure/storage-queue";
import { TableServiceClient } from "@azure/data-tables";
import { startAzuriteQueue, stopAzurite, freePort } from "../../scripts/azurite";
import { tenantPartition } from "../../shared/store";
import { startSweeper } from "../../shared/events/jobs";
import { type TestHost, entraUser, startTestHost } from "../support/scim-client";
import { readAllEvents } from "../support/events";

let azuriteQueue: ChildProcess | undefined;
let connectionString: string;
const queueName = `scim-events-${randomUUID().slice(0, 8)}`;
let queue: QueueClient;
let t: TestHost;

beforeAll(async () => {
  const started = await startAzuriteQueue(process.env.SCIM_STORAGE_CONNECTION_STRING!);
  azuriteQueue = started.child;
  connectionString = started.connectionString;
  t = await startTestHost({ SCIM_STORAGE_CONNECTION_STRING: connectionString, SCIM_EVENT_DISPATCH: "queue", SCIM_EVENT_QUEUE: queueName });
  queue = new QueueClient(connectionString, queueName);
  await queue.createIfNotExists(); // as the template does on Azure (the nudger would create it on its first send)
}, 60_000);

afterAll(async () => {
  await t.close();
  await stopAzurite(azuriteQueue);
});

/** What the Functions host does with each message: decode, parse JSON, call the trigger's handler, delete on success. */
async function runQueueTrigger(): Promise<{ handled: number; results: unknown[] }> {
  const results: unknown[] = [];
  let handled = 0;
  for (let round = 0; round < 50; round++) {
    const { receivedMessageItems: items } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 });
    if (items.length === 0) break;
    for (const m of items) {
      const text = Buffer.from(m.messageText, "base64").toString("utf8");
      let payload: unknown = text;
      try {
        payload = JSON.parse(text);
      } catch {
        // the worker hands a non-JSON message over as a string
      }
      results.push(await t.service.eventJobs.onNudge(payload));
      await queue.deleteMessage(m.messageId, m.popReceipt);
      handled++;
    }
  }
  return { handled, results };
}

const unsequenced = async (tenant: string) => (await t.service.store.events.pending(tenantPartition(tenant))).count;

test("a write leaves one base64 JSON nudge naming its tenant; the queue trigger's handler sequences it before anyone reads", async () => {
  await queue.clearMessages();
  const scim = await t.newTenant();
  const created = await scim.post("/Users", entraUser());
  expect(created.status).toBe(201);

  const { peekedMessageItems: peeked } = await queue.peekMessages({ numberOfMessages: 32 });
  expect(peeked.map((m) => JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8")))).toEqual([{ tenant: scim.tenant }]);
  expect(await unsequenced(scim.tenant)).toBe(1);

  const { handled, results } = await runQueueTrigger();
  expect(handled).toBe(1);
  expect(results).toEqual([{ tenant: scim.tenant, sequenced: 1, failed: [] }]);
  expect(await unsequenced(scim.tenant)).toBe(0);

  const events = (await readAllEvents(await t.apiClient(scim.tenant, "events"))).events;
  expect(events.map((e) => [e.type, e.data.id, e.sequence])).toEqual([["user.created", created.body.id, 1]]);
});

test("a burst of writes is covered by the nudges it leaves: every event is sequenced by the queue trigger alone", async () => {
  await queue.clearMessages();
  const scim = await t.newTenant();
  const writes = await Promise.all(Array.from({ length: 20 }, () => scim.post("/Users", entraUser())));
  expect(writes.map((w) => w.status)).toEqual(Array(20).fill(201));
  const { handled } = await runQueueTrigger();
  expect(handled).toBeGreaterThanOrEqual(1);
  expect(handled).toBeLessThanOrEqual(20);
  expect(await unsequenced(scim.tenant)).toBe(0);
  const events = (await readAllEvents(await t.apiClient(scim.tenant, "events"))).events;
  expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  expect(new Set(events.map((e) => e.data.id))).toEqual(new Set(writes.map((w) => w.body.id)));
});

test("a message that is not a nudge is dropped (no retry could fix it); a nudge for an unknown tenant is an empty dispatch", async () => {
  for (const bad of ["not json", { tenant: 7 }, { tenant: "../x" }, null, ["t"]]) expect(await t.service.eventJobs.onNudge(bad)).toBeUndefined();
  expect(await t.service.eventJobs.onNudge(JSON.stringify({ tenant: "t-nobody" }))).toEqual({ tenant: "t-nobody", sequenced: 0, failed: [] });
});

test("lost nudges are caught by the sweeper: it visits every tenant with credentials once and sequences 100 % of their events", async () => {
  const tenants = [await t.newTenant(), await t.newTenant(), await t.newTenant()];
  let written = 0;
  for (const [i, scim] of tenants.entries())
    for (let k = 0; k <= i * 3; k++) {
      expect((await scim.post("/Users", entraUser())).status).toBe(201);
      written++;
    }
  await queue.clearMessages(); // every nudge lost
  for (const scim of tenants) expect(await unsequenced(scim.tenant)).toBeGreaterThan(0);
  await t.apiClient(tenants[0]!.tenant, "events"); // a second credential of the same tenant

  const results = await t.service.eventJobs.sweep();
  const visited = results.map((r) => r.tenant);
  expect(new Set(visited).size).toBe(visited.length);
  for (const scim of tenants) expect(visited).toContain(scim.tenant);
  const summaries = await t.service.credentials.listSummaries();
  expect([...visited].sort()).toEqual([...new Set(summaries.map((s) => s.tenant))].sort());
  expect(results.filter((r) => tenants.some((s) => s.tenant === r.tenant)).reduce((n, r) => n + r.sequenced, 0)).toBe(written);

  for (const [i, scim] of tenants.entries()) {
    expect(await unsequenced(scim.tenant)).toBe(0);
    const events = (await readAllEvents(await t.apiClient(scim.tenant, "events"))).events;
    expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: i * 3 + 1 }, (_, k) => k + 1));
  }
});

test("a nudge that fails (queue unreachable) never fails the write, and the sweeper sequences what it left", async () => {
  const closedPort = await freePort();
  const broken = await startTestHost({
    SCIM_STORAGE_CONNECTION_STRING: `${process.env.SCIM_STORAGE_CONNECTION_STRING!.replace(/;?$/, ";")}QueueEndpoint=http://127.0.0.1:${closedPort}/devstoreaccount1;`,
    SCIM_EVENT_DISPATCH: "queue",
    SCIM_EVENT_QUEUE: queueName,
  });
  try {
    const scim = await broken.newTenant();
    const created = await scim.post("/Users", entraUser());
    expect(created.status).toBe(201);
    expect((await broken.service.store.events.pending(tenantPartition(scim.tenant))).count).toBe(1);
    const results = await broken.service.eventJobs.sweep();
    expect(results).toContainEqual({ tenant: scim.tenant, sequenced: 1, failed: [] });
    expect((await broken.service.store.events.pending(tenantPartition(scim.tenant))).count).toBe(0);
  } finally {
    await broken.close();
  }
});

test("the sweeper drops the days past retention and keeps today's", async () => {
  const tableName = `sweep${randomUUID().replace(/-/g, "").slice(0, 10)}`;
  const host = await startTestHost({ SCIM_TABLE_NAME: tableName, SCIM_EVENT_DISPATCH: "off", SCIM_EVENT_RETENTION_DAYS: "30" });
  try {
    const scim = await host.newTenant();
    expect((await scim.post("/Users", entraUser())).status).toBe(201);
    const tables = TableServiceClient.fromConnectionString(process.env.SCIM_STORAGE_CONNECTION_STRING!, { allowInsecureConnection: true });
    await tables.createTable(`${tableName}ev20000101`); // a day long expired, as a month-old history leaves it
    await host.service.eventJobs.sweep(); // sequences today's event (creating today's table), then prunes
    const days = await host.service.store.events.periods();
    expect(days).not.toContain("20000101");
    expect(days).toHaveLength(1);
    expect(days[0]! >= host.service.store.events.oldestRetained()).toBe(true);
  } finally {
    await host.close();
  }
});

test("npm start's sweeper runs the same sweep on an interval until stopped", async () => {
  const host = await startTestHost({ SCIM_EVENT_DISPATCH: "off" });
  try {
    const scim = await host.newTenant();
    expect((await scim.post("/Users", entraUser())).status).toBe(201);
    const pending = async () => (await host.service.store.events.pending(tenantPartition(scim.tenant))).count;
    expect(await pending()).toBe(1);
    const sweeper = startSweeper(host.service.eventJobs, 0.05, { error: (line) => console.error(line) });
    for (let i = 0; i < 200 && (await pending()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    await sweeper.stop();
    expect(await pending()).toBe(0);
  } finally {
    await host.close();
  }
});

test("a webhook retry coming due is a delayed nudge: the queue holds it invisible until then, and its dispatch delivers the retry", async () => {
  const { startReceiver } = await import("../support/webhook-receiver");
  const delayedQueue = `scim-events-${randomUUID().slice(0, 8)}`;
  const host = await startTestHost(
    { SCIM_STORAGE_CONNECTION_STRING: connectionString, SCIM_EVENT_DISPATCH: "queue", SCIM_EVENT_QUEUE: delayedQueue },
    { webhooks: { schedule: [0, 2000] } }, // the retry 2 s after the first attempt
  );
  const q = new QueueClient(connectionString, delayedQueue);
  await q.createIfNotExists();
  const receiver = await startReceiver();
  receiver.answer = (_, n) => ({ status: n === 0 ? 500 : 200 });
  try {
    const scim = await host.newTenant();
    await host.service.webhooks.add({ tenant: scim.tenant, url: receiver.url, allowPrivateNetwork: true });
    expect((await scim.post("/Users", entraUser())).status).toBe(201);
    /** The Functions host's part for this queue: every visible message to the trigger's handler. */
    const trigger = async () => {
      let handled = 0;
      const { receivedMessageItems: items } = await q.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 });
      for (const m of items) {
        await host.service.eventJobs.onNudge(JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8")));
        await q.deleteMessage(m.messageId, m.popReceipt);
        handled++;
      }
      return handled;
    };
    expect(await trigger()).toBe(1); // the write's nudge: sequenced, first attempt refused (500)
    expect(receiver.received).toHaveLength(1);
    // The retry's nudge is in the queue but not visible yet.
    expect((await q.getProperties()).approximateMessagesCount).toBe(1);
    expect((await q.peekMessages()).peekedMessageItems).toHaveLength(0);
    let handled = 0;
    for (let i = 0; i < 60 && handled === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      handled = await trigger();
    }
    expect(handled).toBe(1);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]?.headers["webhook-id"]).toBe(receiver.received[0]?.headers["webhook-id"]);
  } finally {
    await host.close();
    await receiver.close();
  }
});
