// Starts and stops an Azurite Table service on a loopback port (npm start, tests, bench), and a Queue
// service beside it when a test needs the nudge queue (startAzuriteQueue). Telemetry off.
import { spawn, ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

export const AZURITE_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export function azuriteConnectionString(port: number): string {
  return (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" + `AccountKey=${AZURITE_ACCOUNT_KEY};TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export interface AzuriteOptions {
  port?: number;
  location?: string;
}

/** Spawns azurite-table (telemetry off, loopback). In memory unless a location is given. */
export async function startAzurite(options: AzuriteOptions = {}): Promise<{ child: ChildProcess; port: number; connectionString: string }> {
  const port = options.port ?? (await freePort());
  const bin = require.resolve("azurite/dist/src/table/main.js");
  const storage = options.location ? ["--location", options.location] : ["--inMemoryPersistence"];
  // Keep point operations independent of partition size, as on the real service (see the preload's header).
  // The .cjs sits beside this file in the source tree; the compiled copy in dist/scripts finds it two levels up.
  const preload = [__dirname, path.join(__dirname, "../../scripts")].map((d) => path.join(d, "azurite-indexed-lookups.cjs")).find((f) => fs.existsSync(f));
  const child = spawn(
    process.execPath,
    [
      ...(preload ? ["-r", preload] : []),
      bin,
      ...storage,
      "--disableTelemetry",
      "--skipApiVersionCheck",
      "--silent",
      "--tableHost",
      "127.0.0.1",
      "--tablePort",
      String(port),
    ],
    { stdio: "ignore" },
  );
  await waitForPort(child, port);
  return { child, port, connectionString: azuriteConnectionString(port) };
}

/**
 * Azurite's Queue service (in memory, loopback, same development account) for a Table service started
 * above: the connection string returned serves both, as an account's does. A process of its own, so the
 * Table service every other test uses stays as it is.
 */
export async function startAzuriteQueue(tableConnectionString: string): Promise<{ child: ChildProcess; port: number; connectionString: string }> {
  const port = await freePort();
  const bin = require.resolve("azurite/dist/src/queue/main.js");
  const child = spawn(
    process.execPath,
    [bin, "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--silent", "--queueHost", "127.0.0.1", "--queuePort", String(port)],
    { stdio: "ignore" },
  );
  await waitForPort(child, port);
  const base = tableConnectionString.trim().replace(/;?$/, ";");
  return { child, port, connectionString: `${base}QueueEndpoint=http://127.0.0.1:${port}/devstoreaccount1;` };
}

async function waitForPort(child: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null) throw new Error(`Azurite exited early with code ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error("Azurite did not start within 20 s");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stopAzurite(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((r) => {
    timer = setTimeout(() => r("timeout"), 5000);
  });
  if ((await Promise.race([exited, timeout])) === "timeout") child.kill("SIGKILL");
  clearTimeout(timer);
}
