// A write whose transaction commits and whose answer is lost, and whose outbox row the sequencer moves
// into the event log (and clears) before the SDK sends the transaction again: the replay no longer fails
// on the outbox row, but on the resource's own rows. The client still gets the first attempt's answer,
// and the change has exactly one event.
import { startFaultyProxy, FaultyProxy, nthBatch } from "../support/faulty-proxy";
import { startTestHost, TestHost, ScimClient, Reply, entraUser, patchOp } from "../support/scim-client";
import { tenantPartition } from "../../shared/store/keys";

const azurite = process.env.SCIM_STORAGE_CONNECTION_STRING!;
let proxy: FaultyProxy;
let t: TestHost;
beforeAll(async () => {
  proxy = await startFaultyProxy(azurite);
  // No background dispatch: the sequencer runs exactly when the test says.
  t = await startTestHost({ SCIM_STORAGE_CONNECTION_STRING: proxy.connectionString, SCIM_EVENT_DISPATCH: "off" });
});
afterEach(() => proxy.heal());
afterAll(async () => {
  /* eslint-disable @typescript-eslint/no-unnecessary-condition -- beforeAll may fail before t or proxy is assigned */
  await t?.close();
  await proxy?.close();
  /* eslint-enable @typescript-eslint/no-unnecessary-condition */
});

/** The request's first transaction commits; before its answer is dropped, the sequencer clears its outbox row. */
async function sequencedBeforeReplay(scim: ScimClient, request: () => Promise<Reply>): Promise<Reply> {
  proxy.fail("lose-answer", nthBatch(1), async () => {
    expect(await t.service.store.events.sequence(tenantPartition(scim.tenant))).toBe(1);
  });
  const reply = await request();
  expect(proxy.struck()).toEqual([1]);
  proxy.heal();
  return reply;
}

async function events(scim: ScimClient): Promise<any[]> {
  const api = await t.apiClient(scim.tenant, "events");
  return (await api.get("/events")).body.data;
}

test("a create answers 201 and has one user.created event", async () => {
  const scim = await t.newTenant();
  const created = await sequencedBeforeReplay(scim, () => scim.post("/Users", entraUser()));
  expect(created.status).toBe(201);
  expect((await scim.get(`/Users/${created.body.id}`)).body.meta.version).toBe(created.body.meta.version);
  expect((await events(scim)).map((e) => [e.type, e.data.id])).toEqual([["user.created", created.body.id]]);
});

test("a PATCH answers 200 with the new state and has one user.updated event", async () => {
  const scim = await t.newTenant();
  const id = (await scim.post("/Users", entraUser())).body.id as string;
  await t.service.store.events.sequence(tenantPartition(scim.tenant));
  const patched = await sequencedBeforeReplay(scim, () => scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "displayName", value: "Ada" })));
  expect(patched.status).toBe(200);
  expect(patched.body.displayName).toBe("Ada");
  expect((await events(scim)).map((e) => [e.type, e.data.version])).toEqual([
    ["user.created", expect.any(String)],
    ["user.updated", patched.body.meta.version],
  ]);
});

test("a DELETE answers 204 and has one user.deleted event", async () => {
  const scim = await t.newTenant();
  const id = (await scim.post("/Users", entraUser())).body.id as string;
  await t.service.store.events.sequence(tenantPartition(scim.tenant));
  const deleted = await sequencedBeforeReplay(scim, () => scim.delete(`/Users/${id}`));
  expect(deleted.status).toBe(204);
  expect((await scim.get(`/Users/${id}`)).status).toBe(404);
  expect((await events(scim)).map((e) => e.type)).toEqual(["user.created", "user.deleted"]);
});
