// Test helpers: a local host on a free loopback port (talking to the run's Azurite), and a client
// per tenant with its own fresh credential, so every test file is isolated and runs in parallel.
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { startLocalHost, LocalHost } from "../../shared/http/local-host";
import { createToken } from "../../scripts/credentials";
import { quietUncapturedAuthLog } from "../../shared/auth/auth-log";

export interface Reply<T = any> { status: number; headers: Headers; body: T }

export class ScimClient {
  constructor(readonly baseUrl: string, readonly token: string, readonly tenant: string) {}

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
      try { parsed = JSON.parse(text); } catch { parsed = text; }
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

export interface TestHost { host: LocalHost; scimUrl: string; newTenant(): Promise<ScimClient>; close(): Promise<void> }

/** Starts the local host for one test file; call close() in afterAll. */
export async function startTestHost(): Promise<TestHost> {
  process.env.SCIM_LOCAL_CREDENTIALS_FILE ??= path.join(os.tmpdir(), `scim-test-credentials-${randomUUID()}.json`);
  process.env.SCIM_CREDENTIAL_CACHE_SECONDS ??= "1";
  const quiet = { info: () => undefined, error: (line: string) => console.error(line) };
  quietUncapturedAuthLog(true); // auth failures are expected here; tests that check them capture them
  const host = await startLocalHost(0, quiet);
  const scimUrl = `${host.url}/scim/v2`;
  return {
    host, scimUrl,
    newTenant: async () => {
      const tenant = `t-${randomUUID().slice(0, 8)}`;
      const { token } = await createToken(tenant, "test");
      return new ScimClient(scimUrl, token, tenant);
    },
    close: () => host.close(),
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
