// The bench's world: its own in-memory Azurite (telemetry off, loopback), the local host on a free
// loopback port built through the composition root with the bench's own settings, fresh tenants with
// their own tokens, and a timed SCIM client that reads the x-storage-round-trips header.
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { startAzurite, stopAzurite } from "../scripts/azurite";
import { loadConfig } from "../shared/config";
import { type Service, createService } from "../shared/root";
import { type LocalHost, startLocalHost } from "../shared/http/local-host";
import { createStaticToken } from "../shared/auth/lifecycle";

export interface Tenant {
  tenant: string;
  token: string;
}

export interface BenchHost {
  scimUrl: string;
  /** The service the local host runs (its store, for seeding that HTTP cannot do quickly). */
  service: Service;
  newTenant(): Promise<Tenant>;
}

export interface Bench extends BenchHost {
  /** The Azurite connection string (for bare-SDK comparisons). */
  connectionString: string;
  /** The bench's settings lifting the request limits, so scenarios measure the server, not the limiter. */
  unlimited: Record<string, string>;
  /** A second host on the same storage with the default request limits (what Entra meets on Azure). */
  withDefaultLimits(): Promise<BenchHost>;
  /** A further host on the same storage with these settings over the bench's (limits lifted). */
  withSettings(settings: Record<string, string>): Promise<BenchHost>;
  close(): Promise<void>;
}

/** Per-credential and per-source limits far above what one machine can send: the bench measures capacity. */
const UNLIMITED = {
  SCIM_CREDENTIAL_REQUESTS_PER_SECOND: "1000000",
  SCIM_CREDENTIAL_BURST: "1000000",
  SCIM_ANONYMOUS_REQUESTS_PER_SECOND: "1000000",
  SCIM_ANONYMOUS_BURST: "1000000",
};

export async function startBench(): Promise<Bench> {
  const azurite = await startAzurite(); // in memory, --disableTelemetry, 127.0.0.1
  const base = {
    SCIM_STORAGE_CONNECTION_STRING: azurite.connectionString,
    SCIM_LOCAL_CREDENTIALS_FILE: path.join(os.tmpdir(), `scim-bench-credentials-${randomUUID()}.json`),
  };
  const hosts: LocalHost[] = [];
  const services: Service[] = [];
  const start = async (settings: Record<string, string>): Promise<BenchHost> => {
    const config = loadConfig(settings);
    const service = createService(config, { log: { info: () => undefined, error: (line) => console.error(line) } });
    const host = await startLocalHost(service.pipeline, { port: 0, maxBodyBytes: config.maxBodyBytes, onError: (line) => console.error(line) });
    hosts.push(host);
    services.push(service);
    return {
      scimUrl: `${host.url}/scim/v2`,
      service,
      newTenant: async () => {
        const tenant = `bench-${randomUUID().slice(0, 8)}`;
        return { tenant, token: (await createStaticToken(service.credentials, { tenant, label: "bench" })).token };
      },
    };
  };
  const main = await start({ ...base, ...UNLIMITED });
  return {
    ...main,
    connectionString: azurite.connectionString,
    unlimited: UNLIMITED,
    withDefaultLimits: () => start(base),
    withSettings: (settings) => start({ ...base, ...UNLIMITED, ...settings }),
    close: async () => {
      for (const s of services) await s.dispatcher.close();
      for (const host of hosts) await host.close();
      await stopAzurite(azurite.child);
    },
  };
}

export interface Timed<T = unknown> {
  status: number;
  body: T;
  ms: number;
  roundTrips: number | undefined;
}

/** A tenant-bound client that times each request (wall clock, client side, including the body). */
export class BenchClient {
  constructor(
    readonly scimUrl: string,
    readonly tenant: Tenant,
  ) {}

  async call<T = unknown>(method: string, pathAndQuery: string, body?: unknown): Promise<Timed<T>> {
    const started = performance.now();
    const res = await fetch(`${this.scimUrl}${pathAndQuery}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.tenant.token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/scim+json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const ms = performance.now() - started;
    const trips = res.headers.get("x-storage-round-trips");
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, ms, roundTrips: trips === null ? undefined : Number(trips) };
  }
}

/** Runs `work(i)` for i in [0, n) with at most `parallel` in flight. */
export async function inParallel(n: number, parallel: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, worker));
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
export const ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/** The user Entra creates with its default mappings (reference §1.2), made unique by `key`. */
export function entraUser(key: string): Record<string, unknown> {
  return {
    schemas: [CORE_USER, ENTERPRISE_USER],
    externalId: `ext-${key}`,
    userName: `user-${key}@bench.example`,
    active: true,
    displayName: `Bench User ${key}`,
    emails: [{ primary: true, type: "work", value: `user-${key}@bench.example` }],
    meta: { resourceType: "User" },
    name: { formatted: `Given ${key} Family`, familyName: "Family", givenName: `Given ${key}` },
    [ENTERPRISE_USER]: { employeeNumber: key, department: "Benchmarks" },
    roles: [],
  };
}

export const filterQuery = (filter: string) => `?filter=${encodeURIComponent(filter)}`;
