// Static bearer tokens (the Secret Token Entra sends): missing, malformed, unknown, wrong, revoked and
// expired tokens are 401 SCIM errors with WWW-Authenticate on every /Users route; nothing is read or
// written. Kept under the failed-authentication budget per source (OAuth and throttling: tests/auth).
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import { createStaticToken } from "../../shared/auth/lifecycle";
import { createUser, entraUser, expectScimError, expectStatus, filterQuery, patchOp } from "../support/builders";

let t: TestHost;
let scim: ScimClient;
let user: any;
let authLog: string[] = [];
let stopCapture: () => void;
const presented: string[] = [];
beforeAll(async () => {
  t = await startTestHost();
  const capture = t.captureAuthLog();
  authLog = capture.raw;
  stopCapture = capture.stop;
  scim = await t.newTenant();
  user = await createUser(scim);
});
afterAll(async () => {
  stopCapture();
  await t.close();
});

function expectUnauthorized(reply: Awaited<ReturnType<ScimClient["get"]>>): void {
  expectScimError(reply, 401);
  expect(reply.headers.get("www-authenticate")).toMatch(/^Bearer\b/i);
}

const withHeaders = (headers: Record<string, string>) => new ScimClient(scim.baseUrl, "", scim.tenant).get("/Users", headers);

test("no Authorization header is 401", async () => {
  expectUnauthorized(await scim.withToken("").get("/Users"));
});

test.each([
  ["the Basic scheme", `Basic ${Buffer.from("user:pass").toString("base64")}`],
  ["Bearer without a token", "Bearer "],
  ["a malformed token", "Bearer not-a-token"],
  ["an unknown credential id", `Bearer sft_0123456789abcdef.${"A".repeat(43)}`],
])("%s is 401", async (_, authorization) => {
  expectUnauthorized(await withHeaders({ Authorization: authorization }));
});

test("the right credential id with a wrong secret is 401", async () => {
  const id = /^sft_([0-9a-f]{16})\./.exec(scim.token)![1]!;
  expectUnauthorized(await scim.withToken(`sft_${id}.${"B".repeat(43)}`).get("/Users"));
});

test("a revoked token is 401", async () => {
  const { token, record } = await createStaticToken(t.service.credentials, { tenant: scim.tenant, label: "revoked in test" });
  presented.push(token);
  expect(await t.service.credentials.revoke(record.id)).toBe(true);
  expectUnauthorized(await scim.withToken(token).get("/Users"));
});

test("an expired token is 401", async () => {
  const { token, record } = await createStaticToken(t.service.credentials, { tenant: scim.tenant, label: "expired in test" });
  presented.push(token);
  await t.service.credentials.put({ ...record, expiresAt: new Date(Date.now() - 60_000).toISOString() });
  expectUnauthorized(await scim.withToken(token).get("/Users"));
});

test("a token in the query string is not accepted", async () => {
  expectUnauthorized(await scim.withToken("").get(`/Users?access_token=${encodeURIComponent(scim.token)}`));
});

test("every /Users route refuses a bad token and leaves the data alone", async () => {
  const bad = scim.withToken(`sft_0123456789abcdef.${"C".repeat(43)}`);
  expectUnauthorized(await bad.get(`/Users/${user.id}`));
  expectUnauthorized(await bad.get(`/Users${filterQuery(`userName eq "${user.userName}"`)}`));
  expectUnauthorized(await bad.post("/Users", entraUser()));
  expectUnauthorized(await bad.post("/Users/.search", { filter: `userName eq "${user.userName}"` }));
  expectUnauthorized(await bad.put(`/Users/${user.id}`, { userName: user.userName }));
  expectUnauthorized(await bad.patch(`/Users/${user.id}`, patchOp({ op: "Replace", path: "active", value: "False" })));
  expectUnauthorized(await bad.delete(`/Users/${user.id}`));
  expect((await scim.get(`/Users/${user.id}`)).body).toEqual(user);
  expect((await scim.get("/Users?count=0")).body.totalResults).toBe(1);
});

test("the scheme name is case-insensitive", async () => {
  expectStatus(await withHeaders({ Authorization: `bearer ${scim.token}` }), 200);
});

test("discovery endpoints answer with Entra's token as well as without one", async () => {
  for (const path of ["/ServiceProviderConfig", "/Schemas", "/ResourceTypes"]) {
    expectStatus(await scim.get(path), 200);
    expectStatus(await scim.withToken("").get(path), 200);
  }
});

test("failures are logged without any token or secret", () => {
  expect(authLog.length).toBeGreaterThan(0);
  const secrets = [scim.token, ...presented].map((token) => token.split(".")[1]);
  for (const line of authLog) for (const secret of secrets) expect(line).not.toContain(secret);
  for (const line of authLog) expect(line).not.toMatch(/A{43}|B{43}|C{43}/);
});
