// Webhook endpoints that keep failing: paused (new events wait at the cursor instead of becoming retry rows),
// probed on the schedule, resumed by the first success, disabled after failing for the whole schedule; a
// poison event that fails alone goes to the dead letters without holding the others back. And where the
// signing secrets are kept: not in Table Storage, in a 0600 file locally.
import { statSync, readFileSync } from "node:fs";
import path from "node:path";
import { Webhook } from "standardwebhooks";
import { main } from "../../scripts/webhook-commands";
import { PAUSE_AFTER } from "../../shared/events/webhooks/deliverer";
import { tableInspector } from "../support/table-inspect";
import { type TestHost, entraUser, startTestHost } from "../support/scim-client";
import { type Receiver, eventually, startReceiver } from "../support/webhook-receiver";

const SCHEDULE = [0, 150, 300, 450, 600]; // 5 attempts, ≈ 1.5 s in all
let t: TestHost;
const receivers: Receiver[] = [];
beforeAll(async () => {
  t = await startTestHost({}, { webhooks: { schedule: SCHEDULE, timeoutMs: 1000 } });
});
afterAll(async () => {
  await t.close();
  await Promise.all(receivers.map((r) => r.close()));
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, t.service);
  return { code, out: out.join("\n"), err: err.join("\n") };
}
const add = async (tenant: string, url: string) => JSON.parse((await cli("add", "--tenant", tenant, "--url", url, "--allow-private-network", "--json")).out);
const show = async (id: string) => JSON.parse((await cli("show", id, "--json")).out);
const idsOf = (rec: Receiver, ok: (n: number) => boolean) => new Set(rec.received.filter((_, n) => ok(n)).map((r) => r.headers["webhook-id"]));

test("a failing endpoint is paused with few retry rows, probed, and the first success delivers everything", async () => {
  const scim = await t.newTenant();
  const rec = await receiver();
  let healthy = false;
  const okAt = new Set<number>();
  rec.answer = (_, n) => {
    if (healthy) okAt.add(n);
    return { status: healthy ? 200 : 500 };
  };
  const { id } = await add(scim.tenant, rec.url);
  for (let i = 0; i < 20; i++) await scim.post("/Users", entraUser());
  await eventually(async () => (await show(id)).state === "paused", 10_000, "paused");
  const paused = await show(id);
  expect(paused.retries.length).toBeGreaterThanOrEqual(PAUSE_AFTER);
  expect(paused.retries.length).toBeLessThan(20); // the rest wait at the cursor
  expect(paused.status.backlog).toBe(20);
  expect(paused.lastFailure).toBe("500");
  healthy = true;
  await eventually(() => idsOf(rec, (n) => okAt.has(n)).size === 20, 20_000, "every event after recovery");
  await eventually(async () => (await show(id)).state === "active", 5000, "resumed");
  const resumed = await show(id);
  expect(resumed).toMatchObject({ consecutiveFailures: 0, status: { backlog: 0, deadLetters: 0 } });
});

test("a poison event goes to the dead letters alone; the events around it are delivered and the endpoint stays active", async () => {
  const scim = await t.newTenant();
  const rec = await receiver();
  const poison = entraUser();
  rec.answer = (r) => ({ status: r.body.includes(String(poison.userName)) ? 500 : 200 });
  const { id, secret } = await add(scim.tenant, rec.url);
  await scim.post("/Users", entraUser());
  await scim.post("/Users", poison);
  for (let i = 0; i < 6; i++) await scim.post("/Users", entraUser());
  await eventually(async () => (await show(id)).status.deadLetters === 1, 10_000, "the dead letter");
  const delivered = rec.received.filter((r) => !r.body.includes(String(poison.userName)));
  expect(new Set(delivered.map((r) => r.headers["webhook-id"])).size).toBe(7);
  expect(rec.received.filter((r) => r.body.includes(String(poison.userName)))).toHaveLength(SCHEDULE.length);
  const state = await show(id);
  expect(state.state).toBe("active");
  const [dead] = JSON.parse((await cli("dead-letters", id, "--json")).out);
  expect(
    (
      new Webhook(secret).verify(
        rec.received.find((r) => r.headers["webhook-id"] === dead.eventId)!.body,
        rec.received.find((r) => r.headers["webhook-id"] === dead.eventId)!.headers,
      ) as any
    ).data.resource.userName,
  ).toBe(poison.userName);
});

test("an endpoint that fails for the whole schedule is disabled, and enabling it resumes from its cursor", async () => {
  const scim = await t.newTenant();
  const rec = await receiver();
  let healthy = false;
  rec.answer = () => ({ status: healthy ? 204 : 503 });
  const { id } = await add(scim.tenant, rec.url);
  for (let i = 0; i < 10; i++) await scim.post("/Users", entraUser());
  await eventually(async () => (await show(id)).state === "disabled", 20_000, "disabled");
  expect((await show(id)).disabledReason).toMatch(/for the whole retry schedule/);
  const seen = rec.received.length;
  await scim.post("/Users", entraUser());
  await t.service.dispatcher.schedule(scim.tenant);
  expect(rec.received).toHaveLength(seen);
  healthy = true;
  expect((await cli("enable", id)).code).toBe(0);
  const api = await t.apiClient(scim.tenant, "events");
  const all = (await api.get("/events?limit=1000")).body.data.map((e: any) => e.id);
  expect(all).toHaveLength(11);
  await eventually(() => all.every((x: string) => rec.received.slice(seen).some((r) => r.headers["webhook-id"] === x)), 10_000, "every event after enabling");
});

test("signing secrets are not in Table Storage; locally they are in a file only the owner can read", async () => {
  const scim = await t.newTenant();
  const rec = await receiver();
  const { id, secret } = await add(scim.tenant, rec.url);
  await scim.post("/Users", entraUser());
  await eventually(() => rec.received.length === 1, 10_000, "a delivery");
  const rows = await tableInspector(process.env.SCIM_STORAGE_CONNECTION_STRING!).rows(scim.tenant);
  expect(rows.some((r) => r.rowKey === `W:e:${id}`)).toBe(true);
  expect(JSON.stringify(rows)).not.toContain(secret.slice("whsec_".length));
  const file = path.join(
    path.dirname(t.service.config.localCredentialsFile),
    path.basename(t.service.config.localCredentialsFile, ".json") + ".webhook-secrets.json",
  );
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(readFileSync(file, "utf8")).toContain(secret);
  await tableInspector(process.env.SCIM_STORAGE_CONNECTION_STRING!).expectNoOrphans(scim.tenant);
});
