// Cold start of the Functions entry module: fresh node processes load package.json "main" (the esbuild
// bundle), a bare one-route @azure/functions app and, for comparison, the unbundled tsc emit of the same
// sources, interleaved so they share the machine's noise. Each child loads its entry behind a stand-in of
// the worker's runtime API (so app.http registers as on Azure instead of switching to test mode), then
// answers one request and loads the Azure SDKs production needs on its first authenticated request.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, promises as fs, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import type { Scenario } from "./scenario";
import { machineNotes, table } from "./report";

const ROOT = path.resolve(__dirname, "..", ".."); // dist/bench → the repository
const WORK = path.join(ROOT, "dist", "bench", "cold-start");
const TARGET_RATIO = 1.5;

// The child: the worker's require("@azure/functions-core") answer (azure-functions-nodejs-worker,
// src/setupCoreModule.ts), then the timed require, one request, the SDK loads. One JSON line per phase.
const RUNNER = String.raw`
const Module = require("node:module");
const handlers = new Map();
const core = {
  version: "stand-in", hostVersion: "4.1040.0", log() {}, setProgrammingModel() {}, getProgrammingModel() {},
  registerHook: () => ({ dispose() {} }),
  registerFunction: (metadata, handler) => { handlers.set(metadata.name, handler); return { dispose() {} }; },
};
const original = Module.prototype.require;
Module.prototype.require = function (id) { return id === "@azure/functions-core" ? core : original.apply(this, arguments); };
const [entry, callJson, sdkJson] = process.argv.slice(2);
const before = performance.now();
require(entry);
const ready = performance.now();
const loaded = (re) => Object.keys(require.cache).some((f) => re.test(f));
const sdkAtImport = loaded(/azure-identity\.js$|node_modules\/@azure\/identity\//) || loaded(/azure-keyvault-secrets\.js$|node_modules\/@azure\/keyvault-secrets\//);
process.stdout.write(JSON.stringify({ requireMs: ready - before, readyMs: ready, functions: handlers.size, sdkAtImport }) + "\n");
(async () => {
  const { HttpRequest, InvocationContext } = require("@azure/functions");
  const call = JSON.parse(callJson);
  const started = performance.now();
  const response = await handlers.get(call.name)(new HttpRequest({ method: "GET", url: call.url, headers: call.headers }), new InvocationContext({ functionName: call.name, logHandler: () => undefined }));
  if (response.body && typeof response.body[Symbol.asyncIterator] === "function") for await (const _ of response.body);
  const firstMs = performance.now() - started;
  const sdk = JSON.parse(sdkJson);
  const req = Module.createRequire(entry);
  const sdkStarted = performance.now();
  for (const id of sdk) req(id);
  const sdkMs = sdk.length ? performance.now() - sdkStarted : undefined;
  process.stdout.write(JSON.stringify({ status: response.status ?? 200, firstMs, sdkMs }) + "\n");
})().catch((e) => { console.error(e); process.exit(1); });
`;

const BARE_APP = `// A bare Functions app: the library and one route, set up as functions/index.ts sets up ours.
const { app } = require("@azure/functions");
app.setup({ enableHttpStream: true });
app.http("ping", { methods: ["GET"], route: "ping", authLevel: "anonymous", handler: async () => ({ status: 200, body: "pong" }) });
`;

interface Call {
  name: string;
  url: string;
  headers?: Record<string, string>;
}
interface Variant {
  label: string;
  entry: string;
  call: Call;
  sdk: string[];
  size: string;
}
interface Sample {
  requireMs: number;
  readyMs: number;
  wallMs: number;
  functions: number;
  sdkAtImport: boolean;
  status: number;
  firstMs: number;
  sdkMs?: number;
}

/** `settings`: the app settings a fresh instance gets (the bench's storage and credentials file), as Azure hands them over. */
function runOnce(runner: string, v: Variant, settings: Record<string, string>): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const spawned = performance.now();
    const child = spawn(process.execPath, [runner, v.entry, JSON.stringify(v.call), JSON.stringify(v.sdk)], {
      stdio: ["ignore", "pipe", "pipe"],
      env: settings,
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    let out = "";
    let err = "";
    let wallMs = 0;
    child.stdout.on("data", (d: Buffer) => {
      if (!wallMs && d.includes(10)) wallMs = performance.now() - spawned;
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      const [first, second] = out.trim().split("\n");
      if (code !== 0 || first === undefined || second === undefined) {
        reject(new Error(`${v.label}: exited ${String(code)}: ${err.trim().split("\n").slice(-5).join(" / ")}`));
        return;
      }
      resolve({ ...(JSON.parse(first) as Omit<Sample, "wallMs">), ...(JSON.parse(second) as object), wallMs });
    });
  });
}

/** The tsc emit of the whole project into dist/bench/cold-start/tsc (type errors do not stop the emit). */
function tscEmit(log: (line: string) => void): string | undefined {
  const out = path.join(WORK, "tsc");
  log("cold-start: tsc emit for the unbundled comparison");
  try {
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json", "--outDir", out], { cwd: ROOT, stdio: "pipe" });
  } catch (e) {
    log(`cold-start: tsc reported errors (the emit is still used): ${String((e as { stdout?: Buffer }).stdout ?? e).split("\n")[0] ?? ""}`);
  }
  const entry = path.join(out, "functions", "index.js");
  return existsSync(entry) ? entry : undefined;
}

/** NaN for no values, so a missing series shows as NaN instead of failing the report. */
const quantile = (values: number[], q: number): number => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN;
};
const median = (values: number[]) => quantile(values, 0.5);
const p90 = (values: number[]) => quantile(values, 0.9);
const ms = (n: number) => (Number.isNaN(n) ? "—" : n.toFixed(1));
const pair = (values: number[]) => `${ms(median(values))} / ${ms(p90(values))}`;

export const coldStart: Scenario = {
  name: "cold-start",
  describe:
    "fresh node processes loading the Functions entry module (bundle), a bare one-route app and the tsc emit: load time, ratio to the bare app, first request",
  async run(ctx) {
    const { bench, options } = ctx;
    const log = (line: string) => ctx.log(line);
    const main = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { main: string }).main;
    const bundle = path.join(ROOT, main);
    if (!existsSync(bundle)) throw new Error(`${main} is missing: npm run build first (npm run bench does)`);
    await fs.mkdir(WORK, { recursive: true });
    const runner = path.join(WORK, "runner.js");
    const bare = path.join(WORK, "bare-app.js");
    await fs.writeFile(runner, RUNNER);
    await fs.writeFile(bare, BARE_APP);

    const { token } = await bench.newTenant();
    const settings = { SCIM_STORAGE_CONNECTION_STRING: bench.connectionString, SCIM_LOCAL_CREDENTIALS_FILE: bench.service.config.localCredentialsFile };
    const testConnection: Call = {
      name: "listUsers",
      url: `http://127.0.0.1/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${randomUUID()}"`)}`,
      headers: { authorization: `Bearer ${token}` },
    };
    const sdkBundles = ["./azure-identity.js", "./azure-keyvault-secrets.js"];
    const kib = (files: string[]) =>
      `${Math.round(files.reduce((n, f) => n + statSync(path.resolve(path.dirname(bundle), f)).size, 0) / 1024).toLocaleString("en")} KiB`;
    const variants: Variant[] = [
      { label: "bare app (@azure/functions + 1 route)", entry: bare, call: { name: "ping", url: "http://127.0.0.1/ping" }, sdk: [], size: "—" },
      {
        label: `${main} (esbuild bundle)`,
        entry: bundle,
        call: testConnection,
        sdk: sdkBundles,
        // Every bundle beside the entry is loaded on first use only (the Table SDK by the first request).
        size: `${kib([bundle])} (+ ${kib(readdirSync(path.dirname(bundle)).filter((f) => f.endsWith(".js") && f !== path.basename(bundle)))} on first use)`,
      },
    ];
    const tsc = tscEmit(log);
    if (tsc)
      variants.push({
        label: "tsc emit, unbundled (same sources)",
        entry: tsc,
        call: testConnection,
        sdk: ["@azure/identity", "@azure/keyvault-secrets"],
        size: "—",
      });

    const runs = options.quick ? 5 : 15;
    const samples = variants.map(() => [] as Sample[]);
    for (let round = 0; round <= runs; round++) {
      log(`cold-start: round ${round}/${runs}${round === 0 ? " (warm-up, not reported)" : ""}`);
      // Interleaved, and rotated so that no variant always runs first after a pause.
      for (let k = 0; k < variants.length; k++) {
        const i = (k + round) % variants.length;
        const variant = variants[i];
        const into = samples[i];
        if (!variant || !into) continue;
        const s = await runOnce(runner, variant, settings);
        if (round > 0) into.push(s);
      }
    }
    if (tsc) await fs.rm(path.join(WORK, "tsc"), { recursive: true, force: true });

    const col = (i: number, key: "requireMs" | "readyMs" | "wallMs" | "firstMs" | "sdkMs") =>
      (samples[i] ?? []).flatMap((s) => (s[key] === undefined ? [] : [s[key]]));
    const bareWall = median(col(0, "wallMs"));
    const bareReady = median(col(0, "readyMs"));
    const rows = variants.map((v, i) => [
      v.label,
      v.size,
      samples[i]?.[0]?.functions ?? "?",
      pair(col(i, "requireMs")),
      pair(col(i, "readyMs")),
      pair(col(i, "wallMs")),
      `${(median(col(i, "wallMs")) / bareWall).toFixed(2)}×`,
      `${(median(col(i, "readyMs")) / bareReady).toFixed(2)}×`,
      ms(median(col(i, "firstMs"))),
      (samples[i] ?? []).some((s) => s.sdkAtImport) ? "at import" : ms(median(col(i, "sdkMs"))),
    ]);
    const statuses = new Set(samples.flat().map((s) => s.status));
    const ratio = median(col(1, "wallMs")) / bareWall;
    const ratioReady = median(col(1, "readyMs")) / bareReady;
    const ratioP90 = p90(col(1, "wallMs")) / p90(col(0, "wallMs"));
    return [
      "## Cold start: loading the Functions entry module",
      "",
      machineNotes([
        `${runs} fresh \`node\` processes per entry module after one unreported round, interleaved (rotated order); each loads its entry behind a stand-in of the worker's \`@azure/functions-core\`, so every \`app.http\` registers as on Azure`,
        "require: the `require()` of the entry; process start → ready: Node's clock from process start to the end of that `require()` (bootstrap included); spawn → ready: the bench's wall clock from `spawn()` to the child's first line",
        "first request: Test Connection (`GET /Users?filter=userName eq …`, bearer token from the local credential file, one Table query on the bench's Azurite) for our app, `GET /ping` for the bare app; Azure SDKs: loading `@azure/identity` and `@azure/keyvault-secrets` after it, as the first request on Azure does (managed identity for Table Storage, Key Vault for credentials)",
      ]),
      "",
      table(
        [
          "Entry module",
          "Size",
          "Functions",
          "require ms (median / p90)",
          "process start → ready ms",
          "spawn → ready ms",
          "× bare (spawn → ready)",
          "× bare (start → ready)",
          "First request ms",
          "Azure SDKs, first use ms",
        ],
        rows,
      ),
      "",
      `- entry module load, spawn → ready median: ${ratio.toFixed(2)}× the bare app (p90 ${ratioP90.toFixed(2)}×, process start → ready ${ratioReady.toFixed(2)}×) → target ≤ ${TARGET_RATIO}×: ${ratio <= TARGET_RATIO ? "met" : "NOT met"}`,
      `- the Azure SDKs load at import: ${(samples[1] ?? []).some((s) => s.sdkAtImport) ? "YES (a top-level value import of @azure/identity or @azure/keyvault-secrets; see the build's note)" : "no (loaded on first use, from their own bundles beside index.js)"}`,
      `- first-request answers: ${[...statuses].join(", ")}${statuses.size === 1 && statuses.has(200) ? "" : " (expected 200 only)"}`,
    ].join("\n");
  },
};
