// Test helpers: a local host on a free loopback port (talking to the run's Azurite), built through the
// composition root with this file's own settings, and a client per tenant with its own fresh
// credential, so every test file is isolated and runs in parallel.
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { type Config, type Environment, loadConfig } from "../../shared/config";
import { type Service, type ServiceOptions, createService } from "../../shared/root";
import { startLocalHost, LocalHost } from "../../shared/http/local-host";
import { createStaticToken } from "../../shared/auth/lifecycle";

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export class ScimClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
    readonly tenant: string,
  ) {}

  async request<T = any>(method: string, pathAndQuery: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const init: RequestInit = {
      method,
      headers: {
        ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
        ...(body !== undefined ? { "Content-Type": "application/scim+json" } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    };
    const res = await fetch(`${this.baseUrl}${pathAndQuery}`, init);
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  get = <T = any>(p: string, h?: Record<string, string>) => this.request<T>("GET", p, undefined, h);
  post = <T = any>(p: string, b: unknown, h?: Record<string, string>) => this.request<T>("POST", p, b, h);
  put = <T = any>(p: string, b: unknown, h?: Record<string, string>) => this.request<T>("PUT", p, b, h);
  patch = <T = any>(p: string, b: unknown, h?: Record<string, string>) => this.request<T>("PATCH", p, b, h);
  delete = <T = any>(p: string, h?: Record<string, string>) => this.request<T>("DELETE", p, undefined, h);

  withToken(token: string): ScimClient {
    return new ScimClient(this.baseUrl, token, this.tenant);
  }
}

export interface TestHost {
  host: LocalHost;
  scimUrl: string;
  service: Service;
  /** A fresh tenant with its own static token; with `policy`, that schema policy is stored for it first. */
  newTenant(options?: { policy?: unknown }): Promise<ScimClient>;
  /** A client of the host's root (not the SCIM base) with a fresh token of `scope` for `tenant` (Events API, admin API). */
  apiClient(tenant: string, scope: "events" | "admin"): Promise<ScimClient>;
  /** Another instance on the same settings (same table and credentials, its own in-memory state). */
  sibling(): Promise<TestHost>;
  /** Captures the request log lines (parsed) until stop() is called. */
  captureRequestLog(): { lines: Record<string, unknown>[]; raw: string[]; stop: () => void };
  /** Captures auth log lines (parsed) until stop() is called. */
  captureAuthLog(): { lines: Record<string, unknown>[]; raw: string[]; stop: () => void };
  close(): Promise<void>;
}

/** Log lines of one kind: dropped, unless a test captures them (parsed) until it stops. */
class LogCapture {
  private sink: ((line: string) => void) | undefined;
  write(line: string): void {
    this.sink?.(line);
  }
  capture(): { lines: Record<string, unknown>[]; raw: string[]; stop: () => void } {
    const raw: string[] = [];
    const lines: Record<string, unknown>[] = [];
    const previous = this.sink;
    this.sink = (line) => {
      raw.push(line);
      lines.push(JSON.parse(line) as Record<string, unknown>);
    };
    return { lines, raw, stop: () => (this.sink = previous) };
  }
}

/** The settings every test host starts from: the run's Azurite, a credentials file of its own, a 1 s cache. */
export function testEnvironment(overrides: Environment = {}): Environment {
  return {
    SCIM_STORAGE_CONNECTION_STRING: process.env.SCIM_STORAGE_CONNECTION_STRING, // the run's Azurite (global setup)
    SCIM_LOCAL_CREDENTIALS_FILE: path.join(os.tmpdir(), `scim-test-credentials-${randomUUID()}.json`),
    SCIM_CREDENTIAL_CACHE_SECONDS: "1",
    ...overrides,
  };
}

/** Starts the local host for one test file with these settings (over testEnvironment's); call close() in afterAll. */
export async function startTestHost(
  settings: Environment = {},
  options: Pick<ServiceOptions, "secretClients" | "telemetry" | "webhooks" | "cloudEventPublisher"> = {},
): Promise<TestHost> {
  return startHost(loadConfig(testEnvironment(settings)), options);
}

async function startHost(config: Config, options: Pick<ServiceOptions, "secretClients" | "telemetry" | "webhooks" | "cloudEventPublisher">): Promise<TestHost> {
  // Auth failures and request lines are expected here: they are dropped unless a test captures them.
  const authLog = new LogCapture();
  const requestLog = new LogCapture();
  const service = createService(config, {
    ...options,
    log: { info: (line) => requestLog.write(line), error: (line) => console.error(line) },
    authLog: (line) => authLog.write(line),
  });
  const host = await startLocalHost(service.pipeline, { port: 0, maxBodyBytes: config.maxBodyBytes, onError: (line) => console.error(line) });
  const scimUrl = `${host.url}/scim/v2`;
  return {
    host,
    scimUrl,
    service,
    sibling: () => startHost(config, options),
    newTenant: async (o = {}) => {
      const tenant = `t-${randomUUID().slice(0, 8)}`;
      if (o.policy !== undefined) await (await service.store.settings(tenant)).put("policy", JSON.stringify(o.policy));
      const { token } = await createStaticToken(service.credentials, { tenant, label: "test" });
      return new ScimClient(scimUrl, token, tenant);
    },
    apiClient: async (tenant, scope) => {
      const { token } = await createStaticToken(service.credentials, { tenant, label: "test", scope });
      return new ScimClient(host.url, token, tenant);
    },
    captureRequestLog: () => requestLog.capture(),
    captureAuthLog: () => authLog.capture(),
    close: async () => {
      await service.dispatcher.close();
      await service.activity.close();
      await host.close();
    },
  };
}

export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
export const ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

export const patchOp = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

let counter = 0;
/** A minimal Entra-shaped user with unique userName/externalId. */
export function entraUser(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const n = `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return {
    schemas: [CORE_USER, ENTERPRISE_USER],
    externalId: `ext-${n}`,
    userName: `Test_User_${n}@testuser.com`,
    active: true,
    emails: [{ primary: true, type: "work", value: `Test_User_${n}@testuser.com` }],
    meta: { resourceType: "User" },
    name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
    roles: [],
    ...overrides,
  };
}
