// Request limits as a client sees them: abusive volume is refused with 429 + Retry-After (unauthenticated
// traffic sooner than authenticated), a credential over its rate waits instead of being refused, a forged
// X-Forwarded-For moves nothing on the local host, and an Entra-like sync under the default limits sees no 429.
import { randomUUID } from "node:crypto";
import { HttpRequest, InvocationContext } from "@azure/functions";
import { azureHandler } from "../../functions/azure-adapter";
import { routeMatcher } from "../../shared/http/routes";
import { clientFromForwardedFor, sourceKey } from "../../shared/http/limits";
import { type Environment } from "../../shared/config";
import { startTestHost, TestHost, ScimClient, entraUser } from "../support/scim-client";

const ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";
const BAD_TOKEN = () => `sft_${randomUUID().replace(/-/g, "").slice(0, 16)}.${"A".repeat(43)}`;

/** Small budgets: 5 anonymous requests then 1/s per source; 20 per credential then 1/s, no waiting. */
const SMALL: Environment = {
  SCIM_ANONYMOUS_REQUESTS_PER_SECOND: "1",
  SCIM_ANONYMOUS_BURST: "5",
  SCIM_CREDENTIAL_REQUESTS_PER_SECOND: "1",
  SCIM_CREDENTIAL_BURST: "20",
  SCIM_LIMIT_QUEUE_SECONDS: "0",
  SCIM_AUTH_FAILURE_LIMIT: "1000", // the failure throttle stays out of the way: what answers 429 here is the request limit
};

const hosts: TestHost[] = [];
async function host(settings: Environment = {}): Promise<TestHost> {
  const t = await startTestHost(settings);
  hosts.push(t);
  return t;
}
afterAll(async () => {
  await Promise.all(hosts.map((t) => t.close()));
});

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> | undefined };
};

/** Sends `send` until the first 429 (at most `max` times): the statuses seen and the 429 itself. */
async function untilRefused(max: number, send: (i: number) => ReturnType<typeof get>) {
  const statuses: number[] = [];
  for (let i = 0; i < max; i++) {
    const reply = await send(i);
    statuses.push(reply.status);
    if (reply.status === 429) return { statuses, refused: reply };
  }
  return { statuses, refused: undefined };
}

function expectScim429(reply: Awaited<ReturnType<typeof get>> | undefined) {
  expect(reply?.status).toBe(429);
  expect(Number(reply?.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number.isInteger(Number(reply?.retryAfter))).toBe(true);
  expect(reply?.body).toMatchObject({ schemas: [ERROR], status: "429" });
}

test("brute force with bad tokens from one address is answered 429 with Retry-After once its budget is spent; a valid credential from it still gets through", async () => {
  const t = await host(SMALL);
  const valid = await t.newTenant();
  const run = await untilRefused(50, () => get(`${t.scimUrl}/Users`, { Authorization: `Bearer ${BAD_TOKEN()}` }));
  expect(run.statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
  expect(run.statuses.length).toBeLessThanOrEqual(7); // burst of 5, plus what refilled at 1/s meanwhile
  expectScim429(run.refused);

  // The same budget covers requests with no token at all and anonymous routes.
  expectScim429(await get(`${t.scimUrl}/Users`));
  expectScim429(await get(`${t.scimUrl}/ServiceProviderConfig`));
  // A valid credential is never refused because of its address (Entra shares its addresses with everyone).
  expect((await valid.get("/Users?count=1")).status).toBe(200);
});

test("unauthenticated requests are refused sooner than authenticated ones, both with 429 + Retry-After", async () => {
  const t = await host(SMALL);
  const valid = await t.newTenant();
  const anonymous = await untilRefused(100, () => get(`${t.scimUrl}/ServiceProviderConfig`));
  const authenticated = await untilRefused(100, () => get(`${t.scimUrl}/Users?count=1`, { Authorization: `Bearer ${valid.token}` }));
  expectScim429(anonymous.refused);
  expectScim429(authenticated.refused);
  const served = (r: { statuses: number[] }) => r.statuses.filter((s) => s === 200).length;
  expect(served(anonymous)).toBeGreaterThanOrEqual(5);
  expect(served(authenticated)).toBeGreaterThanOrEqual(20);
  expect(served(anonymous)).toBeLessThan(served(authenticated));
});

describe("a credential over its rate", () => {
  // 32 in flight against a burst of 1 at 50/s: all but the first must wait for the budget.
  const burst = async (t: TestHost, client: ScimClient) => {
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let i = 0; i < 3; i++) statuses.push((await client.get(`/Users?filter=${encodeURIComponent(`userName eq "${randomUUID()}"`)}`)).status);
      }),
    );
    return { statuses, stats: t.service.limits.stats() };
  };
  const tight = { SCIM_CREDENTIAL_REQUESTS_PER_SECOND: "50", SCIM_CREDENTIAL_BURST: "1" };

  test("waits in the instance instead of being refused while its requests in flight fit the queue (32 ≤ 50/s × 1 s)", async () => {
    const t = await host({ ...tight, SCIM_LIMIT_QUEUE_SECONDS: "1" });
    const { statuses, stats } = await burst(t, await t.newTenant());
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(stats.delayed).toBeGreaterThan(0);
    expect(stats.refusedCredential).toBe(0);
  });

  test("is refused with 429 under the same load when the queue is 0 s (what the waiting prevents)", async () => {
    const t = await host({ ...tight, SCIM_LIMIT_QUEUE_SECONDS: "0" });
    const { statuses } = await burst(t, await t.newTenant());
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
  });
});

test("a forged X-Forwarded-For does not change the source on the local host, even with SCIM_TRUST_FORWARDED_FOR=true", async () => {
  const t = await host({ ...SMALL, SCIM_TRUST_FORWARDED_FOR: "true" });
  const log = t.captureAuthLog();
  try {
    const run = await untilRefused(30, (i) => get(`${t.scimUrl}/Users`, { Authorization: `Bearer ${BAD_TOKEN()}`, "X-Forwarded-For": `198.51.100.${i + 1}` }));
    expect(run.statuses.length).toBeLessThanOrEqual(7); // one budget, whatever the header said
    expectScim429(run.refused);
    const sources = new Set(log.lines.map((l) => l.source));
    expect([...sources]).toEqual(["127.0.0.1"]);
  } finally {
    log.stop();
  }
});

describe("the Azure Functions adapter", () => {
  const viaFunctions = async (t: TestHost, forwardedFor: string) => {
    const url = new URL(`${t.scimUrl}/ServiceProviderConfig`);
    const match = routeMatcher.match("GET", url.pathname);
    if (!match || "allowed" in match) throw new Error("no route");
    const request = new HttpRequest({ method: "GET", url: url.toString(), params: match.params, headers: { "x-forwarded-for": forwardedFor } });
    const response = await azureHandler(t.service.pipeline, match.item)(
      request,
      new InvocationContext({ functionName: match.item.name, logHandler: () => undefined }),
    );
    return response.status ?? 200;
  };
  const budgetOf2 = { SCIM_ANONYMOUS_REQUESTS_PER_SECOND: "1", SCIM_ANONYMOUS_BURST: "2" };

  test("with SCIM_TRUST_FORWARDED_FOR=true, takes the source from the entry the platform appended (the last), not from what the caller prepended", async () => {
    const t = await host({ ...budgetOf2, SCIM_TRUST_FORWARDED_FOR: "true" });
    const forged = (i: number) => `10.0.0.${i}, 192.0.2.${i}, 203.0.113.7:50123`;
    const statuses = [await viaFunctions(t, forged(1)), await viaFunctions(t, forged(2)), await viaFunctions(t, forged(3))];
    expect(statuses).toEqual([200, 200, 429]);
    // Another client (another last entry) has a budget of its own.
    expect(await viaFunctions(t, "10.0.0.1, 203.0.113.8:40000")).toBe(200);
    expect(await viaFunctions(t, "[2001:db8::5]:443")).toBe(200);
  });

  test("without it (the default), the header is ignored: every caller shares one unknown source", async () => {
    const t = await host(budgetOf2);
    const statuses = [await viaFunctions(t, "203.0.113.1:1"), await viaFunctions(t, "203.0.113.2:1"), await viaFunctions(t, "203.0.113.3:1")];
    expect(statuses).toEqual([200, 200, 429]);
  });
});

test("an Entra-like initial sync at concurrency 32 under the default limits gets no 429 and no 5xx", async () => {
  const t = await host();
  const entra = await t.newTenant();
  const statuses: number[] = [];
  const probe = await entra.get(`/Users?filter=${encodeURIComponent(`userName eq "${randomUUID()}"`)}`);
  expect(probe.status).toBe(200);
  let next = 0;
  const users = 600; // 1,200 requests: past the 400-request burst, so the sustained rate and the queue are in play
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < users) {
        next++;
        const user = entraUser();
        const found = await entra.get(`/Users?filter=${encodeURIComponent(`userName eq "${String(user.userName)}"`)}`);
        const created = await entra.post("/Users", user);
        statuses.push(found.status, created.status);
      }
    }),
  );
  expect(statuses.length).toBe(2 * users);
  expect(statuses.filter((s) => s === 429 || s >= 500)).toEqual([]);
  expect(new Set(statuses)).toEqual(new Set([200, 201]));
  expect(t.service.limits.stats().refusedCredential).toBe(0);
});

describe("addresses", () => {
  test.each([
    ["203.0.113.7", "203.0.113.7"],
    ["198.51.100.1, 203.0.113.7:50123", "203.0.113.7"],
    ["198.51.100.1,203.0.113.7", "203.0.113.7"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["10.0.0.1, 2001:db8::1", "2001:db8::1"],
    ["203.0.113.7, not-an-address", undefined],
    ["", undefined],
  ])("X-Forwarded-For %j names the client %j", (header, client) => {
    expect(clientFromForwardedFor(header)).toBe(client);
  });

  test.each([
    [undefined, "unknown"],
    ["127.0.0.1", "127.0.0.1"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002::9", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
  ])("the budget of %j is kept under %j", (ip, key) => {
    expect(sourceKey(ip)).toBe(key);
  });
});

test("the token endpoint answers its own refusals in OAuth's format: 429 temporarily_unavailable with Retry-After", async () => {
  const t = await host(SMALL);
  const post = async () => {
    const res = await fetch(`${t.host.url}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&client_id=nobody&client_secret=wrong",
    });
    return {
      status: res.status,
      retryAfter: res.headers.get("retry-after"),
      type: res.headers.get("content-type"),
      body: (await res.json()) as Record<string, unknown>,
    };
  };
  let reply = await post();
  for (let i = 0; i < 20 && reply.status !== 429; i++) reply = await post();
  expect(reply.status).toBe(429);
  expect(Number(reply.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(reply.type).toMatch(/^application\/json/);
  expect(reply.body).toEqual({ error: "temporarily_unavailable", error_description: expect.any(String) as string });
});
