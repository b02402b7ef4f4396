// Signed webhooks as the vendor's receiver sees them: real receivers on 127.0.0.1, SCIM writes through the
// real pipeline, signatures verified with the `standardwebhooks` package (not our code), the retry schedule
// scaled down by injection (createService options), the CLI run in-process.
import { Webhook } from "standardwebhooks";
import { main } from "../../scripts/webhook-commands";
import { loopbackCertificate } from "../support/loopback-tls";
import { type TestHost, entraUser, patchOp, startTestHost } from "../support/scim-client";
import { readAllEvents } from "../support/events";
import { type Receiver, eventually, startReceiver } from "../support/webhook-receiver";

const SCHEDULE = [0, 100, 200, 300]; // 4 attempts
const TIMEOUT_MS = 400;
const tls = loopbackCertificate();

let t: TestHost;
const receivers: Receiver[] = [];
beforeAll(async () => {
  t = await startTestHost({}, { webhooks: { schedule: SCHEDULE, timeoutMs: TIMEOUT_MS, ca: tls.cert } });
});
afterAll(async () => {
  await t.close();
  await Promise.all(receivers.map((r) => r.close()));
});

async function receiver(secure = false): Promise<Receiver> {
  const r = await startReceiver(secure ? tls : undefined);
  receivers.push(r);
  return r;
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, t.service);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** Registers an endpoint with the CLI; returns its id and secret. */
async function add(tenant: string, url: string, ...more: string[]): Promise<{ id: string; secret: string }> {
  const r = await cli("add", "--tenant", tenant, "--url", url, "--json", ...more);
  expect(r).toMatchObject({ code: 0, err: "" });
  const created = JSON.parse(r.out);
  return { id: created.id, secret: created.secret };
}

const verify = (secret: string, r: { headers: Record<string, string>; body: string }) => new Webhook(secret).verify(r.body, r.headers) as any;
const ids = (rec: Receiver) => rec.received.map((r) => r.headers["webhook-id"]);
const show = async (id: string) => JSON.parse((await cli("show", id, "--json")).out);

test("an SCIM write arrives signed (Standard Webhooks), one event per request, the same event as the Events API's", async () => {
  const scim = await t.newTenant();
  const rec = await receiver();
  const { id, secret } = await add(scim.tenant, rec.url, "--allow-private-network");
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  const created = await scim.post("/Users", entraUser());
  await eventually(() => rec.received.length >= 1, 10_000, "the delivery");
  const got = rec.received[0]!;
  expect(got.headers["content-type"]).toBe("application/json");
  expect(got.headers["webhook-timestamp"]).toMatch(/^\d{10}$/);
  expect(got.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
  const payload = verify(secret, got);
  expect(payload).toMatchObject({ type: "user.created", tenant: scim.tenant, data: { resourceType: "User", id: created.body.id } });
  expect(got.headers["webhook-id"]).toBe(payload.id);
  // The same id and body as the Events API's item.
  const api = await t.apiClient(scim.tenant, "events");
  const listed = (await readAllEvents(api)).events[0];
  delete listed.data.resource.meta.location; // the Events API knows its host; deliveries carry meta.location only with SCIM_PUBLIC_BASE_URL
  expect(listed).toEqual(payload);
  // A tampered body or a wrong secret fails the package's verification.
  expect(() => verify(secret, { ...got, body: got.body.replace("user.created", "user.deleted") })).toThrow();
  expect(() => new Webhook("whsec_" + Buffer.alloc(32, 1).toString("base64")).verify(got.body, got.headers)).toThrow();
  await eventually(async () => (await show(id)).lastSuccessAt !== undefined, 5000, "the state");
  const state = await show(id);
  expect(state).toMatchObject({ state: "active", status: { backlog: 0, deadLetters: 0 } });
});

test("a receiver answering 500 then 200 gets the same webhook-id again, newly timestamped and signed", async () => {
  const scim = await t.newTenant();
  const rec = await receiver();
  rec.answer = (_, n) => ({ status: n === 0 ? 500 : 200 });
  const { id, secret } = await add(scim.tenant, rec.url, "--allow-private-network");
  await scim.post("/Users", entraUser());
  await eventually(() => rec.received.length >= 2, 10_000, "the retry");
  const [first, second] = rec.received;
  expect(second!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
  expect(second!.body).toBe(first!.body);
  expect(verify(secret, second!).id).toBe(first!.headers["webhook-id"]);
  await eventually(async () => (await show(id)).status.backlog === 0, 5000, "the retry row to go");
  const state = await show(id);
  expect(state.lastFailure).toBe("500");
  expect(state.retries).toEqual([]);
});

test("a receiver slower than the timeout is a failure (timeout), retried until it answers in time", async () => {
  const scim = await t.newTenant();
  const rec = await receiver();
  rec.answer = (_, n) => (n === 0 ? { status: 200, delayMs: TIMEOUT_MS * 3 } : { status: 200 });
  const { id } = await add(scim.tenant, rec.url, "--allow-private-network");
  await scim.post("/Users", entraUser());
  await eventually(() => rec.received.length >= 2, 10_000, "the retry after the timeout");
  expect(ids(rec)[1]).toBe(ids(rec)[0]);
  await eventually(async () => (await show(id)).status.backlog === 0, 5000, "delivery");
  expect((await show(id)).lastFailure).toMatch(/^timeout/);
});

test("429 with Retry-After: the next attempt is not before it", async () => {
  const scim = await t.newTenant();
  const rec = await receiver();
  rec.answer = (_, n) => (n === 0 ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 });
  const { id } = await add(scim.tenant, rec.url, "--allow-private-network");
  await scim.post("/Users", entraUser());
  await eventually(() => rec.received.length >= 2, 10_000, "the attempt after Retry-After");
  const [first, second] = rec.received;
  expect(second!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
  expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000 - 50); // the schedule alone would retry after 100 ms
  await eventually(async () => (await show(id)).state === "active" && (await show(id)).status.backlog === 0, 5000, "resumed");
});

test("410 disables the endpoint; nothing more is sent until it is enabled, then the event is delivered", async () => {
  const scim = await t.newTenant();
  const rec = await receiver();
  let gone = true;
  rec.answer = () => ({ status: gone ? 410 : 200 });
  const { id } = await add(scim.tenant, rec.url, "--allow-private-network");
  await scim.post("/Users", entraUser());
  await eventually(async () => (await show(id)).state === "disabled", 10_000, "disabled");
  const state = await show(id);
  expect(state.disabledReason).toMatch(/410 Gone/);
  expect(state.lastFailure).toBe("410 Gone");
  await scim.post("/Users", entraUser());
  await t.service.dispatcher.schedule(scim.tenant);
  expect(rec.received).toHaveLength(1);
  gone = false;
  expect((await cli("enable", id)).code).toBe(0);
  await eventually(() => new Set(ids(rec)).size === 2, 10_000, "both events after enabling");
  expect(ids(rec)[1]).toBe(ids(rec)[0]); // the 410'd event again, with its id
});

test("an unreachable endpoint (closed port) records why, keeps the event as backlog, and the status shows it", async () => {
  const scim = await t.newTenant();
  const closed = await startReceiver();
  const url = closed.url;
  await closed.close();
  const { id } = await add(scim.tenant, url, "--allow-private-network");
  await scim.post("/Users", entraUser());
  await eventually(async () => (await show(id)).lastFailure !== undefined, 10_000, "a failure");
  const state = await show(id);
  expect(state.lastFailure).toBe("unreachable (ECONNREFUSED)");
  const status = await t.service.dispatcher.status(scim.tenant);
  const mine = status.destinations.find((d) => d.id === id)!;
  expect(mine).toMatchObject({ deliverer: "webhooks", label: url.replace(/\/hook$/, "/hook") });
  expect(mine.backlog + mine.deadLetters).toBe(1);
  expect(mine.lastFailure).toBe("unreachable (ECONNREFUSED)");
});

test("a 3xx is a failure and its Location is not followed", async () => {
  const scim = await t.newTenant();
  const rec = await receiver();
  const elsewhere = await receiver();
  rec.answer = () => ({ status: 302, headers: { location: elsewhere.url } });
  const { id } = await add(scim.tenant, rec.url, "--allow-private-network");
  await scim.post("/Users", entraUser());
  await eventually(async () => (await show(id)).status.deadLetters === 1, 10_000, "the dead letter");
  expect(rec.received).toHaveLength(SCHEDULE.length);
  expect(elsewhere.received).toHaveLength(0);
  expect((await show(id)).lastFailure).toMatch(/^302/);
});

test("after the whole schedule an event is a dead letter; replaying the dead letters delivers it with the same id", async () => {
  const scim = await t.newTenant();
  const rec = await receiver();
  let failing = true;
  rec.answer = () => ({ status: failing ? 500 : 200 });
  const { id, secret } = await add(scim.tenant, rec.url, "--allow-private-network");
  await scim.post("/Users", entraUser());
  await eventually(async () => (await show(id)).status.deadLetters === 1, 10_000, "the dead letter");
  expect(rec.received).toHaveLength(SCHEDULE.length);
  const dead = JSON.parse((await cli("dead-letters", id, "--json")).out);
  expect(dead).toEqual([expect.objectContaining({ eventId: ids(rec)[0], attempts: SCHEDULE.length, lastError: "500" })]);
  failing = false;
  const replayed = await cli("replay", id, "--dead-letters");
  expect(replayed.code).toBe(0);
  expect(replayed.out).toContain("Queued 1 event");
  await eventually(() => rec.received.length === SCHEDULE.length + 1, 10_000, "the replayed delivery");
  const last = rec.received[SCHEDULE.length]!;
  expect(last.headers["webhook-id"]).toBe(ids(rec)[0]);
  expect(verify(secret, last).id).toBe(ids(rec)[0]);
  await eventually(async () => (await show(id)).status.deadLetters === 0 && (await show(id)).status.backlog === 0, 5000, "settled");
});

test("replay by event id and by time range re-delivers with the same webhook-id; the filter applies to ranges", async () => {
  const scim = await t.newTenant();
  const rec = await receiver();
  const { id } = await add(scim.tenant, rec.url, "--allow-private-network");
  const before = new Date(Date.now() - 1000).toISOString();
  const u = await scim.post("/Users", entraUser());
  await scim.patch(`/Users/${u.body.id}`, patchOp({ op: "replace", path: "displayName", value: "Ada" }));
  await eventually(() => rec.received.length === 2, 10_000, "two deliveries");
  const [created, updated] = ids(rec);
  expect((await cli("replay", id, "--event", created!)).code).toBe(0);
  await eventually(() => rec.received.length === 3, 10_000, "the replay by id");
  expect(ids(rec)[2]).toBe(created);
  const range = await cli("replay", id, "--since", before, "--until", new Date().toISOString(), "--json");
  expect(JSON.parse(range.out)).toEqual({ queued: 2 });
  await eventually(() => rec.received.length === 5, 10_000, "the range replay");
  expect(ids(rec).slice(3).sort()).toEqual([created, updated].sort());
  expect((await cli("replay", id, "--event", "evt_000000000aaaaaaaaaaaaaaaa")).code).toBe(1);
  expect((await cli("replay", id)).code).toBe(2);
  expect((await cli("replay", id, "--since", "yesterday")).code).toBe(2);
});

test("secret rotation: both secrets sign (two signatures, each verifies), then --finish leaves the new one only", async () => {
  const scim = await t.newTenant();
  const rec = await receiver();
  const { id, secret: old } = await add(scim.tenant, rec.url, "--allow-private-network");
  const rotated = await cli("rotate-secret", id, "--json");
  const { secret: fresh, previousUntil } = JSON.parse(rotated.out);
  expect(fresh).toMatch(/^whsec_/);
  expect(Date.parse(previousUntil) - Date.now()).toBeGreaterThan(23 * 3_600_000);
  await scim.post("/Users", entraUser());
  await eventually(() => rec.received.length === 1, 10_000, "delivery during rotation");
  const during = rec.received[0]!;
  expect(during.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
  expect(verify(old, during).type).toBe("user.created");
  expect(verify(fresh, during).type).toBe("user.created");
  expect((await cli("rotate-secret", id, "--finish")).code).toBe(0);
  await scim.post("/Users", entraUser());
  await eventually(() => rec.received.length === 2, 10_000, "delivery after rotation");
  const after = rec.received[1]!;
  expect(after.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
  expect(verify(fresh, after).type).toBe("user.created");
  expect(() => verify(old, after)).toThrow();
});

test("SSRF: http needs the flag; private, loopback and metadata addresses are refused, by literal and after DNS", async () => {
  const scim = await t.newTenant();
  const rec = await receiver();
  const port = new URL(rec.url).port;
  for (const url of [
    rec.url,
    "https://127.0.0.1/hook",
    "https://169.254.169.254/latest",
    "https://10.0.0.1/",
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",
  ]) {
    const r = await cli("add", "--tenant", scim.tenant, "--url", url);
    expect({ url, code: r.code }).toEqual({ url, code: 2 });
  }
  expect((await cli("add", "--tenant", scim.tenant, "--url", "http://example.com/")).err).toMatch(/must be https/);
  // The metadata service stays refused even on a private-network endpoint.
  expect((await cli("add", "--tenant", scim.tenant, "--url", "http://169.254.169.254/", "--allow-private-network")).err).toMatch(/metadata/);
  expect(JSON.parse((await cli("list", "--tenant", scim.tenant, "--json")).out)).toEqual([]);

  // A name that resolves to loopback is accepted as a name, and refused at delivery after resolution.
  const { id } = await add(scim.tenant, `https://localhost:${port}/hook`);
  await scim.post("/Users", entraUser());
  await eventually(async () => (await show(id)).lastFailure !== undefined, 10_000, "the refusal");
  expect((await show(id)).lastFailure).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1) is a private, loopback or reserved address/);
  expect(rec.received).toHaveLength(0);
  const ping = await cli("test", id);
  expect(ping.code).toBe(1);
  expect(ping.out).toMatch(/Not delivered: .* refused: localhost resolves to/);
  expect(rec.received).toHaveLength(0);
});

test("the type filter: only the chosen types arrive, and every one of them does", async () => {
  const scim = await t.newTenant();
  const rec = await receiver();
  await add(scim.tenant, rec.url, "--allow-private-network", "--types", "user.deactivated,user.deleted");
  const u = await scim.post("/Users", entraUser());
  await scim.patch(`/Users/${u.body.id}`, patchOp({ op: "replace", path: "displayName", value: "Ada" }));
  await scim.patch(`/Users/${u.body.id}`, patchOp({ op: "replace", path: "active", value: false }));
  await scim.delete(`/Users/${u.body.id}`);
  await eventually(() => rec.received.length >= 2, 10_000, "the filtered events");
  await t.service.dispatcher.schedule(scim.tenant);
  expect(rec.received.map((r) => JSON.parse(r.body).type)).toEqual(["user.deactivated", "user.deleted"]);
  expect((await cli("add", "--tenant", scim.tenant, "--url", rec.url, "--allow-private-network", "--types", "user.removed")).err).toMatch(
    /Unknown event type user.removed/,
  );
});

test("every event arrives (order not guaranteed) through a receiver failing a third of the requests, over https", async () => {
  const scim = await t.newTenant();
  const rec = await receiver(true);
  rec.answer = (_, n) => ({ status: n % 3 === 1 ? 503 : 200 });
  const { secret } = await add(scim.tenant, rec.url, "--allow-private-network");
  for (let i = 0; i < 12; i++) await scim.post("/Users", entraUser());
  const api = await t.apiClient(scim.tenant, "events");
  const expected = (await readAllEvents(api)).events.map((e) => e.id).sort();
  expect(expected).toHaveLength(12);
  const delivered = () => new Set(rec.received.filter((_, n) => n % 3 !== 1).map((r) => r.headers["webhook-id"]));
  await eventually(() => delivered().size === 12, 20_000, "every event");
  expect([...delivered()].sort()).toEqual(expected);
  for (const r of rec.received) expect(expected).toContain(verify(secret, r).id);
});

test("the CLI: list, show, disable, remove; test sends a signed ping", async () => {
  const scim = await t.newTenant();
  const rec = await receiver();
  const { id, secret } = await add(scim.tenant, rec.url, "--allow-private-network");
  const listed = await cli("list", "--tenant", scim.tenant);
  expect(listed.out).toContain(`${id}  tenant=${scim.tenant}  active  ${rec.url}`);
  const ping = await cli("test", id);
  expect(ping).toMatchObject({ code: 0 });
  expect(verify(secret, rec.received[0]!)).toMatchObject({ type: "webhook.test", tenant: scim.tenant });
  expect((await cli("disable", id)).code).toBe(0);
  expect((await cli("show", id)).out).toMatch(/disabled \(disabled by the operator\)/);
  await scim.post("/Users", entraUser());
  await t.service.dispatcher.schedule(scim.tenant);
  expect(rec.received).toHaveLength(1);
  expect((await cli("remove", id)).code).toBe(0);
  expect((await cli("show", id)).code).toBe(1);
  expect((await cli("remove", id)).code).toBe(1);
  expect((await cli("add", "--tenant", "Bad Tenant", "--url", rec.url)).code).toBe(2);
});
