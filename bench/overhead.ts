// Per-request overhead: GET /Users/{id} through the local host against a bare TableClient.getEntity of
// the same rows, side by side on the same Azurite (a client built as the store builds its own), 8 in
// flight each. The sides take turns in 1 s slices, so background load on the box weighs on all alike.
// The verdict's side runs the host as it runs in production, in a process of its own (the built
// `npm start` entry, pointed at the bench's Azurite), so the load client's CPU does not count against it;
// the in-process sides show what the client and the host cost when they share one JavaScript thread
// (a keep-alive node:http client, and fetch as BenchClient sends it — in Node 20 fetch costs more CPU per
// request than all of our own code).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { ROW, tenantPartition } from "../shared/store/keys";
import { createTableClient } from "../shared/store/table";
import { percentile } from "./harness";
import { machineNotes, table } from "./report";
import type { Scenario } from "./scenario";
import { seededTenant } from "./users";

const CONCURRENCY = 8;
const ROWS = 1000;
const SLICE_MS = 1000;
const TARGET_RATIO = 0.8;

interface Side {
  label: string;
  /** One request for the i-th pick; true when it was answered as expected. */
  run: (i: number) => Promise<boolean>;
  requests: number;
  errors: number;
  ms: number[];
  seconds: number;
  cpuMicros: number;
}

/** The built `npm start` entry in a child process on the bench's storage and credentials, serving `tenant`. */
async function hostProcess(
  bench: { connectionString: string; credentialsFile: string; unlimited: Record<string, string> },
  tenant: string,
): Promise<{ url: string; token: string; stop(): void }> {
  const cwd = mkdtempSync(path.join(os.tmpdir(), "scim-bench-host-"));
  const child = spawn(process.execPath, [path.join(__dirname, "../scripts/start.js")], {
    cwd,
    // Only what it needs: the settings are the bench's, not whatever this shell has.
    env: {
      SCIM_STORAGE_CONNECTION_STRING: bench.connectionString,
      SCIM_LOCAL_CREDENTIALS_FILE: bench.credentialsFile,
      SCIM_DEV_TENANT: tenant,
      PORT: "0",
      ...bench.unlimited,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stop = () => {
    child.kill("SIGKILL");
    rmSync(cwd, { recursive: true, force: true });
  };
  let out = "";
  const ready = new Promise<{ url: string; token: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the host process did not start within 30 s")), 30_000);
    child.stdout.on("data", (d: Buffer) => {
      if (out.length > 100_000) return; // the banner is long read; the request log lines that follow are not kept
      out += d.toString();
      const url = /Tenant URL:\s+(\S+)/.exec(out)?.[1];
      const token = /Secret Token:\s+(\S+)/.exec(out)?.[1];
      if (url && token) {
        clearTimeout(timer);
        resolve({ url, token });
      }
    });
    child.on("exit", (code) => reject(new Error(`the host process exited with ${String(code)}`)));
  });
  try {
    return { ...(await ready), stop };
  } catch (e) {
    stop();
    throw e;
  }
}

const side = (label: string, run: (i: number) => Promise<boolean>): Side => ({ label, run, requests: 0, errors: 0, ms: [], seconds: 0, cpuMicros: 0 });

/** A GET over a keep-alive connection that reads and parses the body, as a client would. */
function httpGetJson(agent: http.Agent, url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        try {
          JSON.parse(Buffer.concat(chunks).toString("utf8"));
          resolve(res.statusCode ?? 0);
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** CONCURRENCY loops of `s.run` for `ms`, counted into `s` (requests, errors, latencies, this process's CPU) when `record`. */
async function slice(s: Side, ms: number, sequence: { next: number }, record = true): Promise<void> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + ms;
  let requests = 0;
  let errors = 0;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        const ok = await s.run(sequence.next++).catch(() => false);
        latencies.push(performance.now() - t);
        requests++;
        if (!ok) errors++;
      }
    }),
  );
  if (!record) return;
  const used = process.cpuUsage(cpu);
  s.seconds += (performance.now() - started) / 1000;
  s.requests += requests;
  s.errors += errors;
  s.cpuMicros += used.user + used.system;
  s.ms.push(...latencies);
}

export const overhead: Scenario = {
  name: "overhead",
  describe: "GET /Users/{id} through the local host vs a bare TableClient.getEntity of the same rows: req/s at concurrency 8, ratio (target ≥ 0.8×)",
  async run({ bench, options, log }) {
    const t = await seededTenant(bench, ROWS, log);
    const ids = t.users.map((u) => u.id);
    const pick = (i: number): string => ids[(i * 7919) % ids.length] ?? "";
    // A TableClient built as the store builds its own (same settings, retry options and pipeline), on the same Azurite.
    const client = createTableClient({ storageConnectionString: bench.connectionString, tableName: bench.service.config.tableName });
    const partitionKey = tenantPartition(t.client.tenant.tenant);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const headers = { Authorization: `Bearer ${t.client.tenant.token}`, Accept: "application/scim+json" };
    const bare = side("bare `TableClient.getEntity`", async (i) => (await client.getEntity(partitionKey, ROW.user + pick(i))).rowKey !== undefined);
    const viaHttp = side(
      "`GET /Users/{id}`, keep-alive node:http client, host in the bench process",
      async (i) => (await httpGetJson(agent, `${bench.scimUrl}/Users/${pick(i)}`, headers)) === 200,
    );
    const viaFetch = side(
      "`GET /Users/{id}`, fetch (as BenchClient), host in the bench process",
      async (i) => (await t.client.call("GET", `/Users/${pick(i)}`)).status === 200,
    );
    const host = await hostProcess(
      { connectionString: bench.connectionString, credentialsFile: bench.service.config.localCredentialsFile, unlimited: bench.unlimited },
      t.client.tenant.tenant,
    );
    const separate = side(
      "`GET /Users/{id}`, keep-alive node:http client, host in its own process (as on Azure)",
      async (i) => (await httpGetJson(agent, `${host.url}/Users/${pick(i)}`, { ...headers, Authorization: `Bearer ${host.token}` })) === 200,
    );
    // The floor of the in-process measurement: a node:http server with no SCIM code at all (no
    // authentication, no render, no log) that reads the same entity and answers it as JSON.
    const minimal = http.createServer((req, res) => {
      const id = (req.url ?? "").split("/").pop() ?? "";
      client.getEntity(partitionKey, ROW.user + id).then(
        (entity) => {
          const body = JSON.stringify(entity);
          res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
        },
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve) => minimal.listen(0, "127.0.0.1", resolve));
    const minimalUrl = `http://127.0.0.1:${(minimal.address() as AddressInfo).port}`;
    const floor = side(
      "a node:http server with no SCIM code (getEntity, JSON), keep-alive client, in the bench process",
      async (i) => (await httpGetJson(agent, `${minimalUrl}/${pick(i)}`, {})) === 200,
    );
    const sides = [bare, separate, viaHttp, floor, viaFetch];
    const sequence = { next: 0 };
    try {
      for (const s of sides) await slice(s, SLICE_MS, sequence, false); // warm-up (JIT, connections), not reported
      const rounds = Math.max(1, Math.round((options.seconds * 1000) / SLICE_MS));
      log(`overhead: ${sides.length} sides × ${rounds} slices of ${SLICE_MS} ms, ${CONCURRENCY} in flight, ${ROWS} rows`);
      for (let r = 0; r < rounds; r++) for (const s of sides) await slice(s, SLICE_MS, sequence);
    } finally {
      agent.destroy();
      host.stop();
      minimal.closeAllConnections();
      minimal.close();
    }
    const rps = (s: Side) => s.requests / s.seconds;
    const cpuPerRequest = (s: Side) => s.cpuMicros / s.requests;
    const rows = sides.map((s) => {
      const sorted = [...s.ms].sort((a, b) => a - b);
      return [
        s.label,
        s.requests,
        s.errors,
        rps(s).toFixed(0),
        (rps(s) / rps(bare)).toFixed(2),
        percentile(sorted, 50).toFixed(1),
        percentile(sorted, 99).toFixed(1),
        cpuPerRequest(s).toFixed(0),
      ];
    });
    const verdict = (s: Side) => {
      const ratio = rps(s) / rps(bare);
      return `${s.label}: ${ratio.toFixed(2)}× the bare req/s → ${ratio >= TARGET_RATIO && s.errors === 0 && bare.errors === 0 ? "met" : "NOT met"} (target ≥ ${TARGET_RATIO}×, no errors)`;
    };
    return [
      "## Per-request overhead: GET /Users/{id} vs a bare getEntity",
      "",
      machineNotes([
        `${ROWS} users seeded through POST /Users, read at random by every side, ${CONCURRENCY} in flight, in ${SLICE_MS / 1000} s slices taken in turn (${bare.seconds.toFixed(0)} s per side) after an unreported warm-up slice`,
        "bare: a TableClient built as the store builds its own (createTableClient, same settings); GET: through the local host (authentication, store, render, projection, log line)",
        "own process: the built `npm start` entry on the same Azurite and credentials (the verdict: as on Azure, the host's thread serves requests only); in the bench process: the load client, the local host and the SDK share one JavaScript thread",
        "CPU per request is the bench process's user + system time over the requests answered (for the own-process side: the client's share only)",
      ]),
      "",
      table(["Side", "Requests", "Errors", "req/s", "× bare", "p50 ms", "p99 ms", "CPU µs per request (bench process)"], rows),
      "",
      `- ${verdict(separate)}`,
      `- ${verdict(viaHttp)}; the client and the host share one thread here`,
      `- the floor of that measurement, a server with no SCIM code on the same thread: ${(rps(floor) / rps(bare)).toFixed(2)}× the bare req/s; the host reaches ${(rps(viaHttp) / rps(floor)).toFixed(2)}× of that floor (the SCIM work itself: authentication, store, render, projection, headers, log line)`,
      `- ${verdict(viaFetch)}; fetch's own cost is the load client's, not the host's`,
      `- the host adds ${(cpuPerRequest(viaHttp) - cpuPerRequest(bare)).toFixed(0)} µs of CPU per request over the bare read (keep-alive client; both ends of the extra hop included)`,
    ].join("\n");
  },
};
