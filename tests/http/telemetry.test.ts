// Telemetry through the composition root: a test host built with OpenTelemetry providers that keep spans
// and metrics in memory (createService's `telemetry` option), asserting one span per request with its
// route, status, tenant, storage round trips and transactions, the request metrics by route and status,
// storage latency per call, what the tenant's policy ignored, and that no attribute value or token reaches
// any exported attribute. Then the Functions bundle with the real Azure Monitor distro: nothing of
// OpenTelemetry loads while Application Insights is not configured, and when it is, the spans and metrics
// reach a loopback stand-in of the ingestion endpoint with a token from a stand-in of the managed identity
// endpoint, and nothing else does.
import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { type Attributes, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { DataPointType, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { METRICS, openTelemetry } from "../../shared/telemetry/open-telemetry";
import { tenantPartition } from "../../shared/store";
import { type Reply, type ScimClient, type TestHost, startTestHost } from "../support/scim-client";
import { entraUser, expectStatus, filterQuery, patchOp, unique } from "../support/builders";
import { newOAuthTenant } from "../support/oauth";
import { type FaultyProxy, startFaultyProxy } from "../support/faulty-proxy";
import { loopbackCertificate } from "../support/loopback-tls";

/** Collects on demand: the test reads exactly what has been recorded so far. */
class CollectingReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Point {
  metric: string;
  attributes: Attributes;
  /** A counter's sum, or a histogram's count. */
  count: number;
  /** A histogram's sum. */
  sum?: number;
}

interface Recorded {
  t: TestHost;
  spans: InMemorySpanExporter;
  points(): Promise<Point[]>;
  close(): Promise<void>;
}

async function recordedHost(settings: Record<string, string> = {}): Promise<Recorded> {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const telemetry = openTelemetry({
    tracerProvider,
    meterProvider,
    shutdown: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  });
  const t = await startTestHost(settings, { telemetry });
  return {
    t,
    spans,
    points: async () => {
      const { resourceMetrics, errors } = await reader.collect();
      expect(errors).toEqual([]);
      return resourceMetrics.scopeMetrics.flatMap((scope) =>
        scope.metrics.flatMap((m) =>
          m.dataPoints.map((p): Point => {
            const value = p.value as number | { count: number; sum?: number };
            return typeof value === "number" || m.dataPointType !== DataPointType.HISTOGRAM
              ? { metric: m.descriptor.name, attributes: p.attributes, count: value as number }
              : { metric: m.descriptor.name, attributes: p.attributes, count: value.count, sum: value.sum ?? 0 };
          }),
        ),
      );
    },
    close: async () => {
      await t.close();
      await t.service.telemetry.shutdown();
    },
  };
}

/** The one span whose request id the answer carries. */
function spanOf(r: Recorded, reply: Reply): ReadableSpan {
  const id = reply.headers.get("x-request-id");
  const found = r.spans.getFinishedSpans().filter((s) => s.attributes["scim.request_id"] === id);
  expect(found).toHaveLength(1);
  return found[0]!;
}

const storageOf = (reply: Reply) => ({
  "scim.storage.round_trips": Number(reply.headers.get("x-storage-round-trips") ?? 0),
  "scim.storage.transactions": Number(reply.headers.get("x-storage-transactions") ?? 0),
});

/** Points of one metric, without their values' order mattering. */
const pointsOf = (points: Point[], metric: string) =>
  points
    .filter((p) => p.metric === metric)
    .map(({ attributes, count }) => ({ attributes, count }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const sorted = <T>(items: T[]) => [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe("through the composition root, with in-memory exporters", () => {
  let r: Recorded;
  beforeAll(async () => {
    r = await recordedHost();
  });
  afterAll(() => r.close());

  test("each request is one SERVER span named by method and route template, with route, status, tenant, storage round trips, transactions and request id", async () => {
    const scim = await r.t.newTenant();
    const before = r.spans.getFinishedSpans().length;
    const created = await scim.post("/Users", entraUser());
    expectStatus(created, 201);
    const read = await scim.get(`/Users/${String(created.body.id)}`);
    expectStatus(read, 200);
    const missing = await scim.get(`/Users/${randomUUID()}`);
    const anonymous = await scim.withToken("").get("/Users");
    const unknownPath = await scim.get("/Nowhere");
    const outside = await fetch(`${r.t.host.url}/elsewhere`);
    const outsideReply: Reply = { status: outside.status, headers: outside.headers, body: await outside.text() };
    expect([missing.status, anonymous.status, unknownPath.status, outside.status]).toEqual([404, 401, 404, 404]);
    expect(r.spans.getFinishedSpans().length - before).toBe(6);

    const expected: Array<[Reply, string, string, string | undefined, boolean]> = [
      [created, "POST", "createUser", "/scim/v2/Users", true],
      [read, "GET", "getUser", "/scim/v2/Users/{id}", true],
      [missing, "GET", "getUser", "/scim/v2/Users/{id}", true],
      [anonymous, "GET", "listUsers", "/scim/v2/Users", false],
      [unknownPath, "GET", "scimFallback", "/scim/v2/{*rest}", false],
      [outsideReply, "GET", "unmatched", undefined, false],
    ];
    for (const [reply, method, route, template, authenticated] of expected) {
      const span = spanOf(r, reply);
      expect(span.kind).toBe(SpanKind.SERVER);
      expect(span.name).toBe(template ? `${method} ${template}` : method);
      expect(span.status.code).toBe(SpanStatusCode.UNSET); // 4xx is the client's: not a server error
      expect(span.attributes).toEqual({
        "scim.route": route,
        "http.request.method": method,
        "http.response.status_code": reply.status,
        ...(template ? { "http.route": template } : {}),
        "scim.request_id": reply.headers.get("x-request-id"),
        ...(authenticated ? { "scim.tenant": scim.tenant } : {}),
        ...storageOf(reply),
      });
    }
    // The numbers are the request's own (docs/architecture.md, Round trips per operation).
    expect(storageOf(created)).toEqual({ "scim.storage.round_trips": 1, "scim.storage.transactions": 1 });
    expect(storageOf(read)).toEqual({ "scim.storage.round_trips": 1, "scim.storage.transactions": 0 });
  });

  test("ignored unknown attributes are counted as policy rejections per route and tenant, by number, never by name or value", async () => {
    const scim = await r.t.newTenant();
    const created = await scim.post("/Users", entraUser({ adreses: [{ value: "SECRET-STREET" }], favouriteColour: "SECRET-BLUE" }));
    expectStatus(created, 201);
    const patched = await scim.patch(`/Users/${String(created.body.id)}`, patchOp({ op: "Replace", path: "favouriteColour", value: "SECRET-RED" }));
    expectStatus(patched, 200);
    const clean = await scim.post("/Users", entraUser());
    expectStatus(clean, 201);

    expect(spanOf(r, created).attributes["scim.policy.ignored_attributes"]).toBe(2);
    expect(spanOf(r, patched).attributes["scim.policy.ignored_attributes"]).toBe(1);
    expect(spanOf(r, clean).attributes["scim.policy.ignored_attributes"]).toBeUndefined();
    const mine = pointsOf(await r.points(), METRICS.policyRejections).filter((p) => p.attributes["scim.tenant"] === scim.tenant);
    expect(mine).toEqual(
      sorted([
        { attributes: { "scim.route": "createUser", "scim.tenant": scim.tenant, "scim.policy.reason": "unknown-attribute" }, count: 2 },
        { attributes: { "scim.route": "patchUser", "scim.tenant": scim.tenant, "scim.policy.reason": "unknown-attribute" }, count: 1 },
      ]),
    );
  });

  test("a request refused for a missing required attribute is a policy rejection", async () => {
    const scim = await r.t.newTenant({ policy: { required: { User: ["name.familyName"] } } });
    const refused = await scim.post("/Users", { ...entraUser(), name: { givenName: "Only" } });
    expect(refused.status).toBe(400);
    expect(spanOf(r, refused).attributes["scim.policy.rejection"]).toBe("required");
    const mine = pointsOf(await r.points(), METRICS.policyRejections).filter((p) => p.attributes["scim.tenant"] === scim.tenant);
    expect(mine).toEqual([{ attributes: { "scim.route": "createUser", "scim.tenant": scim.tenant, "scim.policy.reason": "required" }, count: 1 }]);
  });

  test("every sequenced change records its event lag, by tenant", async () => {
    const scim = await r.t.newTenant();
    for (let i = 0; i < 3; i++) expectStatus(await scim.post("/Users", entraUser()), 201);
    // Chained after any in-process run under way, so every entry is appended when it resolves.
    await r.t.service.store.events.sequence(tenantPartition(scim.tenant));
    const lag = pointsOf(await r.points(), METRICS.eventLag).filter((p) => p.attributes["scim.tenant"] === scim.tenant);
    expect(lag).toHaveLength(1);
    expect(lag[0]?.count).toBe(3);
  });

  test("no attribute value, header, secret or token appears in any span or metric", async () => {
    const marker = unique("leak");
    const values = {
      userName: `${marker}-user@example.test`,
      email: `${marker}-mail@example.test`,
      externalId: `${marker}-ext`,
      displayName: `${marker} Display`,
      givenName: `${marker}-given`,
      renamed: `${marker}-renamed`,
      ignored: `${marker}-ignored`,
      header: `${marker}-header`,
      wrongToken: `sft_${marker}.wrong`,
    };
    const scim = await r.t.newTenant();
    const oauth = await newOAuthTenant(r.t);
    const user = {
      ...entraUser(),
      userName: values.userName,
      externalId: values.externalId,
      displayName: values.displayName,
      name: { givenName: values.givenName, familyName: "Family" },
      emails: [{ primary: true, type: "work", value: values.email }],
      favouriteColour: values.ignored,
    };
    const created = await scim.post("/Users", user, { "x-custom": values.header });
    expectStatus(created, 201);
    const id = String(created.body.id);
    expectStatus(await scim.get(`/Users${filterQuery(`userName eq "${values.userName}"`)}`), 200);
    expectStatus(await scim.get(`/Users${filterQuery(`emails[type eq "work"].value eq "${values.email}"`)}`), 200);
    expectStatus(await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "displayName", value: values.renamed })), 200);
    expectStatus(
      await scim.post("/Users/.search", { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: `externalId eq "${values.externalId}"` }),
      200,
    );
    expect((await scim.withToken(values.wrongToken).get("/Users")).status).toBe(401);
    expectStatus(await oauth.scim.get(`/Users${filterQuery(`userName eq "${values.userName}"`)}`), 200);
    expectStatus(await scim.delete(`/Users/${id}`), 204);

    const exported = JSON.stringify({
      spans: r.spans.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, links: s.links, status: s.status })),
      metrics: await r.points(),
    });
    expect(exported).toContain(scim.tenant); // the spans are there: the tenant key is exported on purpose
    const secrets = [...Object.values(values), scim.token, scim.token.split(".")[1]!, oauth.secret, oauth.accessToken, oauth.accessToken.split(".")[2]!];
    for (const secret of secrets) expect({ secret, found: exported.includes(secret) }).toEqual({ secret, found: false });
    expect(exported).not.toMatch(/sft_|Bearer|@example\.test/);
  });
});

describe("metrics by route and status, and storage latency", () => {
  let r: Recorded;
  const replies: Reply[] = [];
  beforeAll(async () => {
    r = await recordedHost();
    const scim = await r.t.newTenant();
    const users = [entraUser(), entraUser(), entraUser()];
    for (const u of users) replies.push(await scim.post("/Users", u));
    replies.push(await scim.post("/Users", { ...entraUser(), userName: users[0]!.userName })); // 409 uniqueness
    replies.push(await scim.get(`/Users/${String(replies[0]!.body.id)}`));
    replies.push(await scim.get(`/Users/${String(replies[1]!.body.id)}`));
    replies.push(await scim.get(`/Users/${randomUUID()}`)); // 404
    expect(replies.map((reply) => reply.status)).toEqual([201, 201, 201, 409, 200, 200, 404]);
  });
  afterAll(() => r.close());

  test("requests are counted, and their durations recorded, by route, method and status", async () => {
    const points = await r.points();
    const expected = sorted([
      { attributes: { "scim.route": "createUser", "http.request.method": "POST", "http.response.status_code": 201 }, count: 3 },
      { attributes: { "scim.route": "createUser", "http.request.method": "POST", "http.response.status_code": 409 }, count: 1 },
      { attributes: { "scim.route": "getUser", "http.request.method": "GET", "http.response.status_code": 200 }, count: 2 },
      { attributes: { "scim.route": "getUser", "http.request.method": "GET", "http.response.status_code": 404 }, count: 1 },
    ]);
    expect(pointsOf(points, METRICS.requests)).toEqual(expected);
    expect(pointsOf(points, METRICS.requestDuration)).toEqual(expected);
  });

  test("every storage round trip of a request is one latency sample, by operation and outcome", async () => {
    const points = await r.points();
    expect(pointsOf(points, METRICS.storageDuration)).toEqual(
      sorted([
        { attributes: { "scim.storage.operation": "transaction", "scim.storage.outcome": "ok" }, count: 3 },
        { attributes: { "scim.storage.operation": "transaction", "scim.storage.outcome": "conflict" }, count: 1 },
        { attributes: { "scim.storage.operation": "read", "scim.storage.outcome": "ok" }, count: 2 },
        // The 404 GET, and the 409's read that tells a taken userName from a replay of its own create
        // (whose outbox row the sequencer may have cleared before the replay: no proof without the read).
        { attributes: { "scim.storage.operation": "read", "scim.storage.outcome": "not-found" }, count: 2 },
      ]),
    );
    const samples = points.filter((p) => p.metric === METRICS.storageDuration);
    const trips = replies.reduce((n, reply) => n + Number(reply.headers.get("x-storage-round-trips")), 0);
    expect(samples.reduce((n, p) => n + p.count, 0)).toBe(trips);
    for (const p of samples) expect(p.sum).toBeGreaterThan(0);
  });
});

describe("storage unavailable", () => {
  let proxy: FaultyProxy;
  let r: Recorded;
  beforeAll(async () => {
    proxy = await startFaultyProxy(process.env.SCIM_STORAGE_CONNECTION_STRING!);
    r = await recordedHost({ SCIM_STORAGE_CONNECTION_STRING: proxy.connectionString, SCIM_EVENT_DISPATCH: "off" });
  });
  afterAll(async () => {
    await r.close();
    await proxy.close();
  });

  test("a 503 is an error span (error.type 503), and the failed call a storage sample with outcome unavailable", async () => {
    const scim = await r.t.newTenant();
    const created = await scim.post("/Users", entraUser()); // also caches the tenant's policy
    expectStatus(created, 201);
    proxy.fail("server-busy");
    const failed = await scim.get(`/Users/${String(created.body.id)}`);
    proxy.heal();
    expect(failed.status).toBe(503);
    const span = spanOf(r, failed);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes).toMatchObject({ "scim.route": "getUser", "http.response.status_code": 503, "error.type": "503", "scim.storage.round_trips": 1 });
    expect(pointsOf(await r.points(), METRICS.storageDuration)).toContainEqual({
      attributes: { "scim.storage.operation": "read", "scim.storage.outcome": "unavailable" },
      count: 1,
    });
  });
});

// --- The Functions bundle with the Azure Monitor distro ------------------------------------------------

const REPO = path.resolve(__dirname, "..", "..");

// The worker's answer to require("@azure/functions-core") (as in tests/hosts/bundle.test.ts), the bundle,
// the calls in order, and which OpenTelemetry files are loaded at import and after the calls.
const WORKER_STAND_IN = String.raw`
const Module = require("node:module");
const registered = new Map();
const core = {
  version: "stand-in", hostVersion: "4.1040.0", log() {}, setProgrammingModel() {}, getProgrammingModel() {},
  registerHook: () => ({ dispose() {} }),
  registerFunction: (metadata, handler) => { registered.set(metadata.name, handler); return { dispose() {} }; },
};
const original = Module.prototype.require;
Module.prototype.require = function (id) { return id === "@azure/functions-core" ? core : original.apply(this, arguments); };
const [bundle, callsJson] = process.argv.slice(2);
const openTelemetryFiles = () => Object.keys(require.cache).filter((f) => /opentelemetry/.test(f)).map((f) => f.replace(/\\/g, "/"));
require(bundle);
const atImport = openTelemetryFiles();
const { HttpRequest, InvocationContext } = require("@azure/functions");
(async () => {
  const answers = [];
  for (const c of JSON.parse(callsJson)) {
    const request = new HttpRequest({ method: c.method, url: c.url, headers: c.headers ?? {}, body: c.body === undefined ? undefined : { string: c.body } });
    const response = await registered.get(c.name)(request, new InvocationContext({ functionName: c.name, logHandler: () => undefined }));
    let text = typeof response.body === "string" ? response.body : "";
    if (response.body && typeof response.body[Symbol.asyncIterator] === "function") for await (const chunk of response.body) text += chunk.toString();
    answers.push({ status: response.status ?? 200, headers: Object.fromEntries(new Headers(response.headers ?? {})) });
  }
  process.stdout.write(JSON.stringify({ atImport, afterCalls: openTelemetryFiles(), answers }) + "\n");
  // Stays up while the exporters send; the test ends the process.
  setTimeout(() => process.exit(0), 30000);
})().catch((e) => { console.error(e); process.exit(1); });
`;

interface Call {
  name: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
}
interface Loaded {
  atImport: string[];
  afterCalls: string[];
  answers: Array<{ status: number; headers: Record<string, string> }>;
}

/** Runs the bundle in a fresh node process; resolves on its report, and `stop()` ends it. */
function runBundle(bundle: string, standIn: string, calls: Call[], env: Record<string, string>): { loaded: Promise<Loaded>; stop: () => void } {
  const child = spawn(process.execPath, [standIn, bundle, JSON.stringify(calls)], {
    // Only what the app needs: no Azure variable of the test's environment may reach the credential.
    env: { PATH: process.env.PATH ?? "", NODE_PATH: path.join(REPO, "node_modules"), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  let out = "";
  let err = "";
  const loaded = new Promise<Loaded>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) resolve(JSON.parse(line) as Loaded);
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`bundle process exited with ${String(code)} before reporting: ${err}`));
    });
  });
  return {
    loaded,
    stop: () => {
      clearTimeout(timer);
      child.kill("SIGKILL");
    },
  };
}

interface Envelope {
  name: string;
  data: {
    baseType: string;
    baseData: { name?: string; responseCode?: string; success?: boolean; url?: string; metrics?: Array<{ name: string }>; properties?: Record<string, string> };
  };
}

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

describe("the Functions bundle with the Azure Monitor distro", () => {
  let dir: string;
  let bundle: string;
  let standIn: string;
  let t: TestHost;
  let scim: ScimClient;
  const ingested: Array<{ authorization?: string; text: string; envelopes: Envelope[] }> = [];
  const identityCalls: Array<{ url: string; header?: string }> = [];
  let ingestion: https.Server;
  let identity: http.Server;
  let ingestionPort: number;
  let identityPort: number;
  const MI_TOKEN = `mi-token-${randomUUID()}`;
  const CLIENT_ID = randomUUID();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "scim-telemetry-"));
    execFileSync(process.execPath, [path.join(REPO, "scripts", "build.mjs"), "--outdir", path.join(dir, "dist"), "--only", "functions/index"], {
      cwd: REPO,
      stdio: "pipe",
      timeout: 120_000,
    });
    bundle = path.join(dir, "dist", "functions", "index.js");
    standIn = path.join(dir, "worker-stand-in.js");
    writeFileSync(standIn, WORKER_STAND_IN);
    // The exporter only speaks https: a self-signed certificate for 127.0.0.1, trusted by the child alone.
    const tls = loopbackCertificate();
    writeFileSync(path.join(dir, "cert.pem"), tls.cert);
    ingestion = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks);
        const text = (req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
        const envelopes = req.url === "/v2.1/track" ? (JSON.parse(text) as Envelope[]) : [];
        ingested.push({ authorization: req.headers.authorization, text, envelopes });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ itemsReceived: envelopes.length, itemsAccepted: envelopes.length, errors: [] }));
      });
    });
    // App Service's managed identity endpoint (IDENTITY_ENDPOINT / IDENTITY_HEADER), as on Flex Consumption.
    identity = http.createServer((req, res) => {
      identityCalls.push({ url: req.url ?? "", header: req.headers["x-identity-header"] as string | undefined });
      res.writeHead(200, { "content-type": "application/json" });
      const expiresOn = Math.floor(Date.now() / 1000) + 3600;
      res.end(
        JSON.stringify({
          access_token: MI_TOKEN,
          expires_on: String(expiresOn),
          resource: "https://monitor.azure.com",
          token_type: "Bearer",
          client_id: CLIENT_ID,
        }),
      );
    });
    ingestionPort = await listen(ingestion);
    identityPort = await listen(identity);
    t = await startTestHost();
    scim = await t.newTenant();
  }, 180_000);

  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => ingestion.close(resolve));
    await new Promise((resolve) => identity.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const base = "http://127.0.0.1:7071/scim/v2";
  const appSettings = (): Record<string, string> => ({
    SCIM_STORAGE_CONNECTION_STRING: t.service.config.storageConnectionString ?? "",
    SCIM_LOCAL_CREDENTIALS_FILE: t.service.config.localCredentialsFile,
  });

  test("without Application Insights, no OpenTelemetry module loads, at import or while answering", async () => {
    const run = runBundle(
      bundle,
      standIn,
      [{ name: "listUsers", method: "GET", url: `${base}/Users`, headers: { authorization: `Bearer ${scim.token}` } }],
      appSettings(),
    );
    try {
      const loaded = await run.loaded;
      expect(loaded.answers.map((a) => a.status)).toEqual([200]);
      expect(loaded.atImport).toEqual([]);
      expect(loaded.afterCalls).toEqual([]);
    } finally {
      run.stop();
    }
  });

  test("with it, spans and metrics reach the ingestion endpoint with the managed identity's token; no Table call, value or token does", async () => {
    const marker = unique("dist");
    const user = { ...entraUser(), userName: `${marker}@example.test`, emails: [{ primary: true, type: "work", value: `${marker}-mail@example.test` }] };
    const auth = { authorization: `Bearer ${scim.token}`, "content-type": "application/scim+json" };
    const run = runBundle(
      bundle,
      standIn,
      [
        { name: "createUser", method: "POST", url: `${base}/Users`, headers: auth, body: JSON.stringify(user) },
        { name: "listUsers", method: "GET", url: `${base}/Users${filterQuery(`userName eq "${user.userName}"`)}`, headers: auth },
      ],
      {
        ...appSettings(),
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${randomUUID()};IngestionEndpoint=https://127.0.0.1:${ingestionPort}/`,
        AZURE_CLIENT_ID: CLIENT_ID,
        IDENTITY_ENDPOINT: `http://127.0.0.1:${identityPort}/msi/token`,
        IDENTITY_HEADER: "stand-in-identity-header",
        NODE_EXTRA_CA_CERTS: path.join(dir, "cert.pem"),
        // Offline: the SDK's own usage statistics go to a Microsoft endpoint of their own.
        APPLICATIONINSIGHTS_STATSBEAT_DISABLED: "true",
        APPLICATIONINSIGHTS_SDKSTATS_DISABLED: "true",
        OTEL_BSP_SCHEDULE_DELAY: "100",
        OTEL_METRIC_EXPORT_INTERVAL: "500",
      },
    );
    try {
      const loaded = await run.loaded;
      expect(loaded.answers.map((a) => a.status)).toEqual([201, 200]);
      // Started by the first request, not by the import; from the bundle of its own, not node_modules.
      expect(loaded.atImport).toEqual([]);
      expect(loaded.afterCalls.some((f) => f.endsWith("/functions/azure-monitor-opentelemetry.js"))).toBe(true);
      expect(loaded.afterCalls.filter((f) => f.includes("/node_modules/"))).toEqual([]);

      const requestIds = loaded.answers.map((a) => a.headers["x-request-id"]);
      const envelopes = () => ingested.flatMap((i) => i.envelopes);
      const requests = () =>
        envelopes().filter((e) => e.data.baseType === "RequestData" && requestIds.includes(e.data.baseData.properties?.["scim.request_id"]));
      const metricNames = () =>
        new Set(envelopes().flatMap((e) => (e.data.baseType === "MetricData" ? (e.data.baseData.metrics ?? []).map((m) => m.name) : [])));
      const deadline = Date.now() + 30_000;
      while ((requests().length < 2 || !metricNames().has(METRICS.requests) || !metricNames().has(METRICS.storageDuration)) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));

      expect(
        requests().map((e) => ({ name: e.data.baseData.name, code: e.data.baseData.responseCode, route: e.data.baseData.properties?.["scim.route"] })),
      ).toEqual([
        { name: "POST /scim/v2/Users", code: "201", route: "createUser" },
        { name: "GET /scim/v2/Users", code: "200", route: "listUsers" },
      ]);
      for (const e of requests()) expect(e.data.baseData.properties?.["scim.tenant"]).toBe(scim.tenant);
      expect([...metricNames()]).toEqual(expect.arrayContaining([METRICS.requests, METRICS.requestDuration, METRICS.storageDuration]));
      // No automatic instrumentation: no dependency (Table Storage URLs hold userNames in their keys).
      expect(envelopes().filter((e) => e.data.baseType === "RemoteDependencyData")).toEqual([]);

      expect(identityCalls.length).toBeGreaterThan(0);
      for (const c of identityCalls) {
        const query = new URL(c.url, "http://x").searchParams;
        expect({ resource: query.get("resource"), clientId: query.get("client_id"), header: c.header }).toEqual({
          resource: "https://monitor.azure.com",
          clientId: CLIENT_ID,
          header: "stand-in-identity-header",
        });
      }
      expect(new Set(ingested.map((i) => i.authorization))).toEqual(new Set([`Bearer ${MI_TOKEN}`]));

      const sent = ingested.map((i) => i.text).join("\n");
      for (const secret of [user.userName, `${marker}-mail@example.test`, marker, scim.token, scim.token.split(".")[1]!, MI_TOKEN])
        expect({ secret, found: sent.includes(secret) }).toEqual({ secret, found: false });
    } finally {
      run.stop();
    }
  });
});
