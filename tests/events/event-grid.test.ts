// The Event Grid sink through the real SDK (EventGridPublisherClient, CloudEvent schema) against an HTTPS
// loopback stand-in of a topic: what the topic receives is CloudEvents 1.0, one per change event with
// the same id, in order, with the sequence extension; the deliverer's cursor moves only past what the
// topic accepted, so a failed publish is sent again with the same ids and nothing is published twice
// once accepted.
import https from "node:https";
import type { AddressInfo } from "node:net";
import { EventGridPublisherClient } from "@azure/eventgrid";
import type { TokenCredential } from "@azure/core-auth";
import { cloudEventPublisher, toCloudEvent } from "../../shared/events/event-grid";
import { loopbackCertificate } from "../support/loopback-tls";
import { type TestHost, entraUser, patchOp, startTestHost } from "../support/scim-client";
import { readAllEvents } from "../support/events";

const TOKEN = "stand-in-eventgrid-token";
const BASE = "https://scim.example.com";

interface Received {
  authorization?: string;
  contentType?: string;
  events: any[];
}

let topic: https.Server;
let received: Received[] = [];
let failNext = 0;
let t: TestHost;

beforeAll(async () => {
  const tls = loopbackCertificate();
  topic = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(503, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "ServiceUnavailable", message: "try later" } }));
        return;
      }
      received.push({
        authorization: req.headers.authorization,
        contentType: req.headers["content-type"],
        events: JSON.parse(Buffer.concat(chunks).toString("utf8")) as any[],
      });
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => topic.listen(0, "127.0.0.1", resolve));
  const endpoint = `https://127.0.0.1:${(topic.address() as AddressInfo).port}/api/events`;
  // The managed identity's token, as DefaultAzureCredential would hand it over.
  const credential: TokenCredential = { getToken: () => Promise.resolve({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  t = await startTestHost(
    // No nudges: each test runs the dispatch itself, so nothing else publishes behind its back.
    { SCIM_EVENT_GRID_ENDPOINT: endpoint, SCIM_PUBLIC_BASE_URL: BASE, SCIM_EVENT_DISPATCH: "off" },
    {
      cloudEventPublisher: (url) =>
        cloudEventPublisher(new EventGridPublisherClient(url, "CloudEvent", credential, { tlsOptions: { ca: tls.cert }, retryOptions: { maxRetries: 0 } })),
    },
  );
}, 60_000);

afterAll(async () => {
  await t.close();
  await new Promise((r) => topic.close(r));
});

test("each change event reaches the topic as a CloudEvent 1.0 with its id, source, type, subject, time and sequence", async () => {
  received = [];
  const scim = await t.newTenant();
  const user = await scim.post("/Users", entraUser());
  const group = await scim.post("/Groups", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Eng" });
  expect((await scim.patch(`/Groups/${group.body.id}`, patchOp({ op: "add", path: "members", value: [{ value: user.body.id }] }))).status).toBe(204);

  expect(await t.service.dispatcher.run(scim.tenant)).toEqual({ tenant: scim.tenant, sequenced: 3, failed: [] });
  const events = (await readAllEvents(await t.apiClient(scim.tenant, "events"))).events;
  expect(events.map((e) => e.type)).toEqual(["user.created", "group.created", "group.member_added"]);

  expect(received).toHaveLength(1);
  expect(received[0]!.authorization).toBe(`Bearer ${TOKEN}`);
  expect(received[0]!.contentType).toMatch(/^application\/cloudevents-batch\+json/);
  expect(received[0]!.events).toEqual(
    events.map((e) => ({
      specversion: "1.0",
      id: e.id,
      source: `${BASE}/tenants/${scim.tenant}`,
      type: `com.scim-functions.${e.type as string}`,
      subject: `${e.data.resourceType === "Group" ? "Groups" : "Users"}/${e.data.id as string}`,
      time: new Date(e.timestamp).toISOString(),
      datacontenttype: "application/json",
      data: e,
      sequence: String(e.sequence),
      sequencetype: "Integer",
    })),
  );

  // Nothing new: the next dispatch publishes nothing.
  await t.service.dispatcher.run(scim.tenant);
  expect(received).toHaveLength(1);
  const [status] = (await t.service.dispatcher.status(scim.tenant)).destinations;
  expect(status).toMatchObject({ deliverer: "event-grid", backlog: 0, state: "active" });
  expect(status!.label).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
});

test("a publish the topic refuses is retried by the next dispatch with the same ids, and published once accepted", async () => {
  received = [];
  const scim = await t.newTenant();
  await scim.post("/Users", entraUser());
  failNext = 1;
  const failed = await t.service.dispatcher.run(scim.tenant);
  expect(failed.failed).toEqual(["event-grid"]);
  expect(received).toHaveLength(0);
  const [status] = (await t.service.dispatcher.status(scim.tenant)).destinations;
  expect(status).toMatchObject({ backlog: 1, lastFailure: "HTTP 503" });

  await scim.post("/Users", entraUser());
  expect((await t.service.eventJobs.sweep()).find((r) => r.tenant === scim.tenant)).toEqual({ tenant: scim.tenant, sequenced: 1, failed: [] });
  const events = (await readAllEvents(await t.apiClient(scim.tenant, "events"))).events;
  expect(received.flatMap((r) => r.events.map((e) => [e.id, e.sequence]))).toEqual(events.map((e) => [e.id, String(e.sequence)]));
  await t.service.dispatcher.run(scim.tenant);
  expect(received.flatMap((r) => r.events)).toHaveLength(2);
});

test("without a public base URL the source is a URN naming the tenant", () => {
  const event = {
    id: "e1",
    type: "user.deleted",
    sequence: 7,
    tenant: "a b",
    timestamp: "2026-01-02T03:04:05.000Z",
    data: { resourceType: "User", id: "u1", version: "v" },
  };
  expect(toCloudEvent(event as never, undefined)).toMatchObject({
    source: "urn:scim-functions:tenant:a%20b",
    subject: "Users/u1",
    extensionAttributes: { sequence: "7" },
  });
});
