// The deployment bundle as the Functions worker loads it: scripts/build.mjs builds the entry module into a
// temporary directory, and a plain node process loads it behind a stand-in of the worker's runtime API
// (the worker answers require("@azure/functions-core") before it loads package.json "main"), so the
// library registers for real instead of switching to test mode. The registrations must be the route
// table's, and the bundled handlers must serve the same store the source does.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import os from "node:os";
import path from "node:path";
import { routes } from "../../shared/http/routes";
import { tenantPartition } from "../../shared/store";
import { startTestHost, TestHost, ScimClient, entraUser } from "../support/scim-client";

const REPO = path.resolve(__dirname, "..", "..");

const WORKER_STAND_IN = String.raw`
const Module = require("node:module");
const registered = new Map();
let model;
const core = {
  version: "stand-in", hostVersion: "4.1040.0", log() {},
  setProgrammingModel: (m) => { model = m; }, getProgrammingModel: () => model,
  registerHook: () => ({ dispose() {} }),
  registerFunction: (metadata, handler) => { registered.set(metadata.name, { metadata, handler }); return { dispose() {} }; },
};
const original = Module.prototype.require;
Module.prototype.require = function (id) { return id === "@azure/functions-core" ? core : original.apply(this, arguments); };

const [bundle, requestsJson] = process.argv.slice(2);
require(bundle);
const sdkAtImport = Object.keys(require.cache).filter((f) => /azure-(identity|keyvault-secrets|storage-queue|eventgrid)\.js$|node_modules\/@azure\/(identity|keyvault-secrets|storage-queue|eventgrid)\//.test(f));
const { HttpRequest, InvocationContext } = require("@azure/functions");

(async () => {
  const answers = [];
  for (const r of JSON.parse(requestsJson)) {
    const fn = registered.get(r.name);
    if (r.trigger) {
      // A queue message as the worker hands it over (JSON parsed), or a timer tick.
      const input = r.trigger === "timer" ? { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: {} } : r.message;
      const out = await fn.handler(input, new InvocationContext({ functionName: r.name, logHandler: () => undefined }));
      answers.push({ status: 0, headers: {}, body: out === undefined ? null : out });
      continue;
    }
    const request = new HttpRequest({ method: r.method, url: r.url, params: r.params ?? {}, headers: r.headers ?? {}, body: r.body === undefined ? undefined : { string: r.body } });
    const response = await fn.handler(request, new InvocationContext({ functionName: r.name, logHandler: () => undefined }));
    let text = typeof response.body === "string" ? response.body : "";
    if (response.body && typeof response.body[Symbol.asyncIterator] === "function") for await (const chunk of response.body) text += chunk.toString();
    answers.push({ status: response.status ?? 200, headers: response.headers ?? {}, body: text ? JSON.parse(text) : undefined });
  }
  const functions = [...registered.values()].map(({ metadata }) => metadata);
  process.stdout.write(JSON.stringify({ model: model && { name: model.name, version: model.version }, functions, sdkAtImport, answers }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

interface Loaded {
  model?: { name: string; version: string };
  functions: Array<{
    name: string;
    bindings: Record<
      string,
      { type: string; direction: string; route?: string; methods?: string[]; authLevel?: string; queueName?: string; connection?: string; schedule?: string }
    >;
  }>;
  sdkAtImport: string[];
  answers: Array<{ status: number; headers: Record<string, string>; body: any }>;
}
interface Call {
  name: string;
  /** A background trigger's call instead of an HTTP request. */
  trigger?: "queue" | "timer";
  message?: unknown;
  method?: string;
  url?: string;
  params?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}

let dir: string;
let bundle: string;
let standIn: string;
let t: TestHost | undefined;
let scim: ScimClient;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "scim-bundle-"));
  execFileSync(process.execPath, [path.join(REPO, "scripts", "build.mjs"), "--outdir", dir, "--only", "functions/index"], {
    cwd: REPO,
    stdio: "pipe",
    timeout: 60_000,
  });
  const main = (JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { main: string }).main;
  bundle = path.join(dir, path.relative("dist", main)); // the build's default outdir is dist/
  standIn = path.join(dir, "worker-stand-in.js");
  writeFileSync(standIn, WORKER_STAND_IN);
  t = await startTestHost();
  scim = await t.newTenant();
}, 90_000);

afterAll(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Loads the bundle in a fresh node process and sends it the calls, in order. */
function load(calls: Call[] = [], env: Record<string, string> = {}): Promise<Loaded> {
  return new Promise((resolve, reject) => {
    // Outside the repository the bundle's externals (@azure/functions) resolve through NODE_PATH; the app
    // settings are the test host's own (same table, same credentials file), as Azure would hand them over.
    const settings = t?.service.config;
    const child = spawn(process.execPath, [standIn, bundle, JSON.stringify(calls)], {
      env: {
        ...process.env,
        NODE_PATH: path.join(REPO, "node_modules"),
        SCIM_STORAGE_CONNECTION_STRING: settings?.storageConnectionString,
        SCIM_LOCAL_CREDENTIALS_FILE: settings?.localCredentialsFile,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as Loaded);
      else reject(new Error(`bundle process exited with ${String(code)}: ${err}`));
    });
  });
}

test("the build writes package.json main as a single file beside the SDK bundles it loads on first use", () => {
  expect(existsSync(bundle)).toBe(true);
  for (const sdk of ["azure-identity.js", "azure-keyvault-secrets.js", "azure-storage-queue.js", "azure-eventgrid.js"])
    expect(existsSync(path.join(path.dirname(bundle), sdk))).toBe(true);
  const text = readFileSync(bundle, "utf8");
  // Only the Functions library (and Node's own modules) are loaded from outside the bundle.
  const external = new Set(
    [...text.matchAll(/\brequire\("([^".][^"]*)"\)/g)].map((m) => m[1] ?? "").filter((id) => !id.startsWith("node:") && !id.startsWith("ajv/dist/runtime/")),
  );
  const builtins = new Set(builtinModules);
  expect([...external].filter((id) => !builtins.has(id))).toEqual(["@azure/functions"]);
});

test("registers every route of the table, anonymous, with its methods and template, in the v4 programming model", async () => {
  const loaded = await load();
  expect(loaded.model?.name).toBe("@azure/functions");
  const http = loaded.functions.filter((f) => Object.values(f.bindings).some((b) => b.type === "httpTrigger"));
  const registered = http.map((f) => {
    const trigger = Object.values(f.bindings).find((b) => b.direction === "in")!;
    return { name: f.name, type: trigger.type, route: trigger.route, methods: trigger.methods, authLevel: trigger.authLevel };
  });
  expect(registered).toEqual(routes.map((r) => ({ name: r.name, type: "httpTrigger", route: r.route, methods: r.methods, authLevel: "anonymous" })));
});

test("registers the event triggers: the nudge queue and the sweeper, both named by app settings the host resolves", async () => {
  const loaded = await load();
  const others = loaded.functions
    .filter((f) => !Object.values(f.bindings).some((b) => b.type === "httpTrigger"))
    .map((f) => {
      const { type, queueName, connection, schedule } = Object.values(f.bindings).find((b) => b.direction === "in")!;
      return { name: f.name, type, queueName, connection, schedule };
    });
  expect(others).toEqual([
    { name: "eventNudge", type: "queueTrigger", queueName: "%SCIM_EVENT_QUEUE%", connection: "AzureWebJobsStorage", schedule: undefined },
    { name: "eventSweep", type: "timerTrigger", queueName: undefined, connection: undefined, schedule: "%SCIM_EVENT_SWEEP_SCHEDULE%" },
  ]);
});

test("does not load the Key Vault or Queue SDK when the module is imported", async () => {
  const loaded = await load();
  expect(loaded.sdkAtImport).toEqual([]);
});

test("the bundled queue trigger dispatches the tenant a nudge names, and the bundled timer sweeps every tenant", async () => {
  const auth = { authorization: `Bearer ${scim.token}`, "content-type": "application/scim+json" };
  const pending = async () => (await t!.service.store.events.pending(tenantPartition(scim.tenant))).count;
  const createUser = () => ({
    name: "createUser",
    method: "POST",
    url: "http://127.0.0.1:7071/scim/v2/Users",
    headers: auth,
    body: JSON.stringify(entraUser()),
  });
  // Dispatch off: the write leaves its outbox entry for the triggers alone.
  const off = { SCIM_EVENT_DISPATCH: "off" };
  expect((await load([createUser()], off)).answers[0]!.status).toBe(201);
  expect(await pending()).toBe(1);
  const [nudged] = (await load([{ name: "eventNudge", trigger: "queue", message: { tenant: scim.tenant } }], off)).answers;
  expect(nudged!.body).toBeNull();
  expect(await pending()).toBe(0);

  expect((await load([createUser()], off)).answers[0]!.status).toBe(201);
  expect(await pending()).toBe(1);
  await load([{ name: "eventSweep", trigger: "timer" }], off);
  expect(await pending()).toBe(0);
});

test("the bundled handlers serve discovery, and write to and read from the store the source host uses", async () => {
  const auth = { authorization: `Bearer ${scim.token}`, "content-type": "application/scim+json" };
  const base = "http://127.0.0.1:7071/scim/v2";
  const user = entraUser();
  const [config, created, found] = (
    await load([
      { name: "serviceProviderConfig", method: "GET", url: `${base}/ServiceProviderConfig` },
      { name: "createUser", method: "POST", url: `${base}/Users`, headers: auth, body: JSON.stringify(user) },
      { name: "listUsers", method: "GET", url: `${base}/Users?filter=${encodeURIComponent(`userName eq "${String(user.userName)}"`)}`, headers: auth },
    ])
  ).answers;
  expect(config!.status).toBe(200);
  expect(config!.body.patch).toEqual({ supported: true });
  expect(created!.status).toBe(201);
  expect(found!.status).toBe(200);
  expect(found!.body.Resources.map((r: { id: string }) => r.id)).toEqual([created!.body.id]);

  // The source (local host) sees what the bundle wrote.
  const read = await scim.get(`/Users/${created!.body.id as string}`);
  expect(read.status).toBe(200);
  expect(read.body.userName).toBe(user.userName);
});

test("rejects a user with a mistyped attribute from the bundle with 400 invalidValue", async () => {
  const auth = { authorization: `Bearer ${scim.token}`, "content-type": "application/scim+json" };
  const [answer] = (
    await load([
      {
        name: "createUser",
        method: "POST",
        url: "http://127.0.0.1:7071/scim/v2/Users",
        headers: auth,
        body: JSON.stringify({ ...entraUser(), name: "Joy Young" }),
      },
    ])
  ).answers;
  expect(answer!.status).toBe(400);
  expect(answer!.body.scimType).toBe("invalidValue");
  expect(answer!.body.detail).toMatch(/'name'/);
});
