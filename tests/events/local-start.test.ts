// npm start (scripts/start.ts, the real entry as a child process) for the vendor's side: it prints the
// Events API's URL and an events token for the development tenant, keeps that token across restarts,
// and runs the sweeper in-process, so an event no nudge announced is still sequenced.
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { type ChildHost, removeLocalHostBundle, startChildHost } from "../support/child-host";
import { ScimClient, entraUser } from "../support/scim-client";
import { createService } from "../../shared/root";
import { loadConfig } from "../../shared/config";
import { tenantPartition } from "../../shared/store";

let dir: string;
let host: ChildHost | undefined;
const tenant = `t-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "scim-start-"));
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await removeLocalHostBundle();
  await fs.rm(dir, { recursive: true, force: true });
});

const start = () =>
  startChildHost({
    storageConnectionString: process.env.SCIM_STORAGE_CONNECTION_STRING!,
    dir,
    tenant,
    // No nudges at all: only the in-process sweeper (every 5 s) can sequence what a write commits.
    env: { SCIM_EVENT_DISPATCH: "off", SCIM_EVENT_SWEEP_SECONDS: "5" },
  });

test("prints an Events API URL and an events token for the dev tenant that reads its events; restarts keep the token", async () => {
  host = await start();
  expect(host.eventsUrl).toBe(host.scimUrl.replace(/\/scim\/v2$/, "/events"));
  expect(host.eventsToken).not.toBe(host.token);
  const scim = new ScimClient(host.scimUrl, host.token, tenant);
  const created = await scim.post("/Users", entraUser());
  expect(created.status).toBe(201);

  const api = new ScimClient(host.eventsUrl.replace(/\/events$/, ""), host.eventsToken, tenant);
  const page = await api.get("/events");
  expect(page.status).toBe(200);
  expect(page.body.data.map((e: any) => [e.type, e.data.id])).toEqual([["user.created", created.body.id]]);
  expect((await scim.withToken(host.eventsToken).get("/Users")).status).toBe(403);

  const { eventsToken, token } = host;
  await host.stop();
  host = await start();
  expect([host.token, host.eventsToken]).toEqual([token, eventsToken]);
  expect(await fs.readFile(path.join(dir, ".local", "dev-events-token"), "utf8")).toBe(`${eventsToken}\n`);
}, 60_000);

test("the in-process sweeper sequences a write that no nudge announced", async () => {
  host ??= await start();
  const scim = new ScimClient(host.scimUrl, host.token, tenant);
  expect((await scim.post("/Users", entraUser())).status).toBe(201);
  // Read the outbox from outside the child, through a service of our own on the same storage.
  const observer = createService(loadConfig({ SCIM_STORAGE_CONNECTION_STRING: process.env.SCIM_STORAGE_CONNECTION_STRING, SCIM_EVENT_DISPATCH: "off" }));
  const pending = async () => (await observer.store.events.pending(tenantPartition(tenant))).count;
  let left = await pending();
  for (let i = 0; i < 150 && left > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = await pending();
  }
  expect(left).toBe(0);
}, 60_000);
