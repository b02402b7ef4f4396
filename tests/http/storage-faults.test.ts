// When Table Storage throttles or is unreachable, requests answer 503 with Retry-After (a SCIM error,
// never a 500), nothing half-written survives, and repeating the request once storage is back converges.
import { startFaultyProxy, FaultyProxy } from "../support/faulty-proxy";
import { startTestHost, TestHost, ScimClient, entraUser } from "../support/scim-client";
import { addMembers, createGroup, groupIdsOf, memberIds, seedUsers } from "../support/groups";

let proxy: FaultyProxy;
let t: TestHost;
let scim: ScimClient;
beforeAll(async () => {
  proxy = await startFaultyProxy(process.env.SCIM_STORAGE_CONNECTION_STRING!);
  // No background dispatch: its storage calls would take the faults meant for the requests under test.
  t = await startTestHost({ SCIM_STORAGE_CONNECTION_STRING: proxy.connectionString, SCIM_EVENT_DISPATCH: "off" });
  scim = await t.newTenant();
});
afterEach(() => proxy.heal());
afterAll(async () => {
  await t.close();
  await proxy.close();
});

function expectUnavailable(reply: { status: number; headers: Headers; body: any }): void {
  expect(reply.status).toBe(503);
  expect(Number(reply.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(reply.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "503" });
  expect(reply.headers.get("content-type")).toMatch(/^application\/scim\+json/);
}

test.each(["server-busy", "connection-reset"] as const)("a %s storage answers reads and writes with 503 and Retry-After", async (fault) => {
  const user = entraUser();
  const created = (await scim.post("/Users", user)).body;
  proxy.fail(fault);
  expectUnavailable(await scim.get(`/Users/${created.id}`));
  expectUnavailable(await scim.get(`/Users?filter=userName+eq+%22${encodeURIComponent(String(user.userName))}%22`));
  expectUnavailable(await scim.post("/Users", entraUser()));
  expectUnavailable(
    await scim.patch(`/Users/${created.id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "Replace", path: "active", value: "False" }],
    }),
  );
  proxy.heal();
  expect((await scim.get(`/Users/${created.id}`)).body.active).toBe(true);
});

test("a create that fails in storage leaves nothing behind: the same userName is free afterwards", async () => {
  const user = entraUser();
  proxy.fail("server-busy", ({ url }) => url.includes("$batch"));
  expectUnavailable(await scim.post("/Users", user));
  proxy.heal();
  expect((await scim.post("/Users", user)).status).toBe(201);
});

test("a member PATCH cut off after its first transactions is completed exactly by Entra's retry", async () => {
  const users = await seedUsers(scim, 150); // 4 transactions: 49 + 3 × 49 in parallel (the last one 3)
  const id = await createGroup(scim);
  let first: number | undefined;
  proxy.fail("server-busy", ({ url, batchNumber }) => {
    if (!url.includes("$batch")) return false;
    first ??= batchNumber;
    return batchNumber > first + 1; // the first two transactions go through, the rest are throttled
  });
  expectUnavailable(await scim.patch(`/Groups/${id}`, addMembers(...users)));
  proxy.heal();
  const partial = await memberIds(scim, id);
  expect(partial.length).toBeGreaterThan(0);
  expect(partial.length).toBeLessThan(150);
  expect((await scim.patch(`/Groups/${id}`, addMembers(...users))).status).toBe(204);
  expect(await memberIds(scim, id)).toEqual([...users].sort());
  for (const m of [users[0]!, users[75]!, users[149]!]) expect(await groupIdsOf(scim, m)).toEqual([id]);
});
