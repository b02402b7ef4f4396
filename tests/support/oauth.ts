// OAuth helpers for tests: token requests against a test host, OAuth clients created through the
// lifecycle module, and a movable clock.
import { createClient } from "../../shared/auth/lifecycle";
import { Reply, ScimClient, TestHost } from "./scim-client";

export async function tokenRequest(host: TestHost, params: Record<string, string | undefined>, headers: Record<string, string> = {}): Promise<Reply> {
  const form = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  const res = await fetch(`${host.host.url}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: form.toString(),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body };
}

/** The three parts of a compact JWS (header, payload, signature); throws on anything else. */
export function jwsParts(token: string): [string, string, string] {
  const [header, payload, signature, ...rest] = token.split(".");
  if (header === undefined || payload === undefined || signature === undefined || rest.length > 0) throw new Error(`not a compact JWS: ${token}`);
  return [header, payload, signature];
}

export const basicAuth = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

export interface OAuthTenant {
  tenant: string;
  clientId: string;
  secret: string;
  secretId: string;
  scim: ScimClient;
  accessToken: string;
}

/** A fresh tenant with an OAuth client, and a SCIM client holding an access token obtained with its secret. */
export async function newOAuthTenant(host: TestHost): Promise<OAuthTenant> {
  const tenant = `t-${Math.random().toString(36).slice(2, 10)}`;
  const { client, secret, secretRecord } = await createClient(host.service.credentials, { tenant });
  const reply = await tokenRequest(host, { grant_type: "client_credentials", client_id: client.id, client_secret: secret });
  if (reply.status !== 200) throw new Error(`token request failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  const accessToken = reply.body.access_token as string;
  return { tenant, clientId: client.id, secret, secretId: secretRecord.id, accessToken, scim: new ScimClient(host.scimUrl, accessToken, tenant) };
}

/**
 * Fakes only Date (timers, I/O and Azurite keep real time), so cache TTLs and token lifetimes can be
 * crossed without sleeping. `advance` moves the clock forward.
 */
export function fakeClock(): { advance(ms: number): void; restore(): void } {
  jest.useFakeTimers({
    now: Date.now(),
    doNotFake: [
      "hrtime",
      "nextTick",
      "performance",
      "queueMicrotask",
      "requestAnimationFrame",
      "cancelAnimationFrame",
      "requestIdleCallback",
      "cancelIdleCallback",
      "setImmediate",
      "clearImmediate",
      "setInterval",
      "clearInterval",
      "setTimeout",
      "clearTimeout",
    ],
  });
  return { advance: (ms) => jest.setSystemTime(Date.now() + ms), restore: () => jest.useRealTimers() };
}
