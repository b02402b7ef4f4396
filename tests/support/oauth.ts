// OAuth helpers for tests: token requests against a test host, OAuth clients created through the
// lifecycle module, settings applied for one test file and restored after it, and a movable clock.
import { config } from "../../shared/config";
import { credentialStore } from "../../shared/auth/credentials";
import { createClient } from "../../shared/auth/lifecycle";
import { useAuthLogSink } from "../../shared/auth/auth-log";
import { Reply, ScimClient, TestHost } from "./scim-client";

export async function tokenRequest(host: TestHost, params: Record<string, string | undefined>, headers: Record<string, string> = {}): Promise<Reply> {
  const form = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  const res = await fetch(`${host.host.url}/oauth2/token`, {
    method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, body: form.toString(),
  });
  const text = await res.text();
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, body };
}

export const basicAuth = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

export interface OAuthTenant { tenant: string; clientId: string; secret: string; secretId: string; scim: ScimClient; accessToken: string }

/** A fresh tenant with an OAuth client, and a SCIM client holding an access token obtained with its secret. */
export async function newOAuthTenant(host: TestHost): Promise<OAuthTenant> {
  const tenant = `t-${Math.random().toString(36).slice(2, 10)}`;
  const { client, secret, secretRecord } = await createClient(credentialStore(config()), { tenant });
  const reply = await tokenRequest(host, { grant_type: "client_credentials", client_id: client.id, client_secret: secret });
  if (reply.status !== 200) throw new Error(`token request failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  const accessToken = reply.body.access_token as string;
  return { tenant, clientId: client.id, secret, secretId: secretRecord.id, accessToken, scim: new ScimClient(host.scimUrl, accessToken, tenant) };
}

/** Sets environment variables for this test file; call the returned function in afterAll. */
export function setEnv(vars: Record<string, string | undefined>): () => void {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  return () => { for (const [k, v] of Object.entries(before)) if (v === undefined) delete process.env[k]; else process.env[k] = v; };
}

/** Captures auth log lines (parsed) until the returned stop function is called. */
export function captureAuthLog(): { lines: Record<string, unknown>[]; raw: string[]; stop(): void } {
  const raw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const previous = useAuthLogSink((line) => { raw.push(line); lines.push(JSON.parse(line)); });
  return { lines, raw, stop: () => useAuthLogSink(previous) };
}

/**
 * Fakes only Date (timers, I/O and Azurite keep real time), so cache TTLs and token lifetimes can be
 * crossed without sleeping. `advance` moves the clock forward.
 */
export function fakeClock(): { advance(ms: number): void; restore(): void } {
  jest.useFakeTimers({
    now: Date.now(),
    doNotFake: ["hrtime", "nextTick", "performance", "queueMicrotask", "requestAnimationFrame", "cancelAnimationFrame",
      "requestIdleCallback", "cancelIdleCallback", "setImmediate", "clearImmediate", "setInterval", "clearInterval", "setTimeout", "clearTimeout"],
  });
  return { advance: (ms) => jest.setSystemTime(Date.now() + ms), restore: () => jest.useRealTimers() };
}
