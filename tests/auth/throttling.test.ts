import { createClient } from "../../shared/auth/lifecycle";
import { Reply, startTestHost, TestHost } from "../support/scim-client";
import { basicAuth, tokenRequest } from "../support/oauth";

// Three failures per source and per client per minute; all requests here come from 127.0.0.1.
let t: TestHost;
let log: ReturnType<TestHost["captureAuthLog"]>;
beforeAll(async () => {
  t = await startTestHost({ SCIM_AUTH_FAILURE_LIMIT: "3", SCIM_AUTH_FAILURE_WINDOW_SECONDS: "60" });
  log = t.captureAuthLog();
});
afterAll(async () => {
  log.stop();
  await t.close();
});

const grant = (client_id: string, client_secret: string) => ({ grant_type: "client_credentials", client_id, client_secret });

test("guessing client secrets: 401 until the budget is spent, then 429 with Retry-After — and the real secret still works", async () => {
  const { client, secret } = await createClient(t.service.credentials, { tenant: "t-brute" });
  const guess = () => `scs_${"0".repeat(16)}.${"A".repeat(43)}`;
  const statuses: number[] = [];
  let last: Reply | undefined;
  for (let i = 0; i < 5; i++) {
    last = await tokenRequest(t, grant(client.id, guess()));
    statuses.push(last.status);
  }
  expect(statuses).toEqual([401, 401, 401, 429, 429]);
  expect(last!.body).toEqual({ error: "temporarily_unavailable", error_description: expect.any(String) });
  expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(last!.headers.get("cache-control")).toBe("no-store");

  // The valid client, from the same throttled source and for the same throttled client id, gets in.
  const ok = await tokenRequest(t, grant(client.id, secret));
  expect(ok.status).toBe(200);
  const viaBasic = await tokenRequest(t, { grant_type: "client_credentials" }, { Authorization: basicAuth(client.id, secret) });
  expect(viaBasic.status).toBe(200);

  // Every failure was logged with its reason, the client id and the source, never the secret.
  const failures = log.lines.filter((l) => l.event === "auth.failure" && l.endpoint === "token");
  expect(failures).toHaveLength(5);
  expect(failures[0]).toMatchObject({ reason: "unknown-credential", clientId: client.id, source: "127.0.0.1", throttled: false });
  expect(failures[4]).toMatchObject({ throttled: true });
  expect(log.raw.join("\n")).not.toContain(secret);
  expect(log.raw.join("\n")).not.toContain("AAAAAAAAAA");
});

test("guessing bearer tokens on SCIM routes: 429 SCIM error with Retry-After, while a valid token still gets in", async () => {
  const scim = await t.newTenant(); // static token
  const bad = scim.withToken(`sft_${"0".repeat(16)}.${"B".repeat(43)}`);
  let reply = await bad.get("/Users?startIndex=1&count=1");
  for (let i = 0; i < 3 && reply.status === 401; i++) reply = await bad.get("/Users?startIndex=1&count=1");
  expect(reply.status).toBe(429); // the source spent its budget in the test above and here
  expect(reply.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "429" });
  expect(Number(reply.headers.get("retry-after"))).toBeGreaterThan(0);

  expect((await scim.get("/Users?startIndex=1&count=1")).status).toBe(200);
  expect(log.raw.join("\n")).not.toContain(scim.token);
});
