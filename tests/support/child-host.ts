// The real local host (scripts/start.ts) as a child process, so a test can kill -9 it mid-request and
// start it again on the same storage. Bundled with esbuild (node_modules stay external), no build step.
import { ChildProcess, spawn } from "node:child_process";
import { promises as fs, realpathSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";

const ROOT = path.resolve(__dirname, "../..");
const NODE_MODULES = realpathSync(path.join(ROOT, "node_modules"));
const START_TIMEOUT_MS = 20_000;

let bundled: Promise<string> | undefined;

/** Bundles scripts/start.ts once per test file into a temp dir; returns the bundle's path. */
export function bundleLocalHost(): Promise<string> {
  bundled ??= (async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "scim-host-bundle-"));
    const outfile = path.join(dir, "start.js");
    await build({
      entryPoints: [path.join(ROOT, "scripts/start.ts")],
      bundle: true,
      platform: "node",
      target: "node20",
      outfile,
      packages: "external",
      logLevel: "silent",
    });
    return outfile;
  })();
  return bundled;
}

/** Removes the bundle (call in afterAll). */
export async function removeLocalHostBundle(): Promise<void> {
  if (!bundled) return;
  const file = await bundled.catch(() => undefined);
  bundled = undefined;
  if (file) await fs.rm(path.dirname(file), { recursive: true, force: true });
}

export interface ChildHost {
  scimUrl: string;
  token: string;
  /** The Events API's URL and the events-scope token npm start printed for the development tenant. */
  eventsUrl: string;
  eventsToken: string;
  pid: number;
  /** SIGKILL, now (synchronous: safe to call from inside a proxy hook). */
  kill(): void;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
  /** Kills the host if it is still running and waits for it to exit. */
  stop(): Promise<void>;
}

export interface ChildHostOptions {
  storageConnectionString: string;
  /** Working directory: `.local/dev-token` and the credential file live here, so a restart keeps the token. */
  dir: string;
  /** The tenant of the development token (SCIM_DEV_TENANT). */
  tenant: string;
  /** More settings for the child (e.g. SCIM_EVENT_DISPATCH). */
  env?: Record<string, string>;
}

/** Starts `npm start`'s entry on a free loopback port; resolves once it printed its URLs and tokens. */
export async function startChildHost(options: ChildHostOptions): Promise<ChildHost> {
  const bundle = await bundleLocalHost();
  // Started through -e so the bundle is not require.main (credentials.ts would run its own CLI otherwise).
  const child: ChildProcess = spawn(process.execPath, ["-e", "require(process.argv[1])", bundle], {
    cwd: options.dir,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH,
      NODE_PATH: NODE_MODULES, // the bundle sits in a temp dir; its require()s resolve to the repository's packages
      PORT: "0",
      SCIM_STORAGE_CONNECTION_STRING: options.storageConnectionString,
      SCIM_LOCAL_CREDENTIALS_FILE: path.join(options.dir, "credentials.json"),
      SCIM_DEV_TENANT: options.tenant,
      ...(options.env ?? {}),
    },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  const printed = await new Promise<{ url: string; token: string; eventsUrl: string; eventsToken: string } | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), START_TIMEOUT_MS);
    child.stdout!.on("data", (c: Buffer) => {
      stdout += c.toString("utf8");
      const url = /Tenant URL:\s+(\S+)/.exec(stdout)?.[1];
      const token = /Secret Token:\s+(\S+)/.exec(stdout)?.[1];
      const eventsUrl = /Events API:\s+(\S+)/.exec(stdout)?.[1];
      const eventsToken = /Events Token:\s+(\S+)/.exec(stdout)?.[1];
      if (url && token && eventsUrl && eventsToken) {
        clearTimeout(timer);
        resolve({ url, token, eventsUrl, eventsToken });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  if (!printed) {
    child.kill("SIGKILL");
    await exited;
    throw new Error(`the child host did not start (exit ${String(child.exitCode ?? child.signalCode)}):\n${stdout}\n${stderr}`);
  }
  return {
    scimUrl: printed.url,
    token: printed.token,
    eventsUrl: printed.eventsUrl,
    eventsToken: printed.eventsToken,
    pid: child.pid!,
    kill: () => {
      child.kill("SIGKILL");
    },
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
