// When Table Storage commits a transaction and its answer is lost, the SDK sends the same transaction
// again, and Entra may send the whole request again after a 503: either way the client sees what the
// first attempt would have answered, and no index, membership or tombstone row is left half-written.
import { startFaultyProxy, FaultyProxy, batchesAfter, nthBatch } from "../support/faulty-proxy";
import { tableInspector } from "../support/table-inspect";
import { startTestHost, TestHost, ScimClient, Reply, entraUser, patchOp } from "../support/scim-client";
import { createGroup, entraGroup, groupIdsOf, memberIds, seedUsers } from "../support/groups";

// Wiring: the host reaches Azurite through the proxy; the inspector reads Azurite directly.
const azurite = process.env.SCIM_STORAGE_CONNECTION_STRING!;
const table = tableInspector(azurite);
let proxy: FaultyProxy;
let t: TestHost;
beforeAll(async () => {
  proxy = await startFaultyProxy(azurite);
  // No background dispatch: its storage calls would take the faults meant for the requests under test.
  t = await startTestHost({ SCIM_STORAGE_CONNECTION_STRING: proxy.connectionString, SCIM_EVENT_DISPATCH: "off" });
});
afterEach(() => proxy.heal());
afterAll(async () => {
  /* eslint-disable @typescript-eslint/no-unnecessary-condition -- beforeAll may fail before t or proxy is assigned */
  await t?.close();
  await proxy?.close();
  /* eslint-enable @typescript-eslint/no-unnecessary-condition */
});

/** The request's first transaction commits and its answer is lost once; the SDK replays it. */
async function withFirstAnswerLost(request: () => Promise<Reply>): Promise<Reply> {
  proxy.fail("lose-answer", nthBatch(1));
  const reply = await request();
  expect(proxy.struck()).toEqual([1]); // the fault did strike: this is a replay, not a plain write
  proxy.heal();
  return reply;
}

/** The first transaction commits, its answer is lost, and every replay is throttled: the client sees 503. */
async function committedButAnswered503(request: () => Promise<Reply>): Promise<void> {
  proxy.fail("lose-answer", nthBatch(1));
  proxy.alsoFail("server-busy", batchesAfter(1));
  const reply = await request();
  const [lost, throttled] = proxy.struck();
  proxy.heal();
  expect([lost, (throttled ?? 0) > 0]).toEqual([1, true]); // committed once, every replay refused
  expect([reply.status, reply.body?.status]).toEqual([503, "503"]);
}

const statusAndBody = (r: Reply) => [r.status, r.body];
/** What the client was answered, and what the partition holds that it should not (one assertion shows both). */
const outcome = async (r: Reply, tenant: string) => ({ answer: statusAndBody(r), orphans: await table.orphans(tenant) });
const byUserName = (userName: unknown) => `/Users?filter=${encodeURIComponent(`userName eq "${String(userName)}"`)}`;
const byDisplayName = (name: unknown) => `/Groups?filter=${encodeURIComponent(`displayName eq "${String(name)}"`)}&excludedAttributes=members`;
const withMembers = (ids: string[]) => ids.map((value) => ({ value }));

async function createGroups(scim: ScimClient, n: number, members: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 8) {
    ids.push(...(await Promise.all(Array.from({ length: Math.min(8, n - i) }, () => createGroup(scim, { members: withMembers(members) })))));
  }
  return ids;
}

async function ifMatchHeader(scim: ScimClient, path: string, withIfMatch: boolean): Promise<Record<string, string>> {
  if (!withIfMatch) return {};
  const etag = (await scim.get(path)).headers.get("etag");
  expect(etag).toMatch(/^W\/".+"$/);
  return { "If-Match": etag! };
}

describe("the SDK replays a transaction whose answer was lost", () => {
  test("POST /Users answers 201 with the new user, and exactly one user has that userName", async () => {
    const scim = await t.newTenant();
    const user = entraUser();
    const reply = await withFirstAnswerLost(() => scim.post("/Users", user));
    expect(await outcome(reply, scim.tenant)).toMatchObject({ answer: [201, { userName: user.userName, externalId: user.externalId }], orphans: [] });
    const found = await scim.get(byUserName(user.userName));
    expect(found.body).toMatchObject({ totalResults: 1, Resources: [{ id: reply.body.id, userName: user.userName }] });
    expect((await table.resources(scim.tenant, "User")).map((u) => u.id)).toEqual([reply.body.id]);
  });

  test.each([false, true])("PUT /Users/{id} (If-Match sent: %s) answers 200 with the replaced user, and the old userName is free", async (withIfMatch) => {
    const scim = await t.newTenant();
    const created = (await scim.post("/Users", entraUser())).body;
    const headers = await ifMatchHeader(scim, `/Users/${created.id}`, withIfMatch);
    const replacement = entraUser({ externalId: created.externalId, displayName: "Replaced" });
    const reply = await withFirstAnswerLost(() => scim.put(`/Users/${created.id}`, replacement, headers));
    expect(await outcome(reply, scim.tenant)).toMatchObject({
      answer: [200, { id: created.id, userName: replacement.userName, displayName: "Replaced" }],
      orphans: [],
    });
    const got = await scim.get(`/Users/${created.id}`);
    expect(got.body).toMatchObject({ userName: replacement.userName, displayName: "Replaced" });
    expect(got.headers.get("etag")).toBe(reply.headers.get("etag")); // the answer's version is the stored one
    expect((await scim.get(byUserName(created.userName))).body.totalResults).toBe(0);
    expect((await scim.get(byUserName(replacement.userName))).body.Resources.map((u: { id: string }) => u.id)).toEqual([created.id]);
  });

  test.each([false, true])("PATCH /Users/{id} (If-Match sent: %s) answers 200 with the patched user", async (withIfMatch) => {
    const scim = await t.newTenant();
    const created = (await scim.post("/Users", entraUser())).body;
    const headers = await ifMatchHeader(scim, `/Users/${created.id}`, withIfMatch);
    const newName = entraUser().userName;
    const patch = patchOp({ op: "Replace", path: "userName", value: newName }, { op: "Replace", path: "active", value: "False" });
    const reply = await withFirstAnswerLost(() => scim.patch(`/Users/${created.id}`, patch, headers));
    expect(await outcome(reply, scim.tenant)).toMatchObject({ answer: [200, { id: created.id, userName: newName, active: false }], orphans: [] });
    const got = await scim.get(`/Users/${created.id}`);
    expect(got.body).toMatchObject({ userName: newName, active: false });
    expect(got.headers.get("etag")).toBe(reply.headers.get("etag"));
    expect((await scim.get(byUserName(created.userName))).body.totalResults).toBe(0);
    expect((await scim.get(byUserName(newName))).body.Resources.map((u: { id: string }) => u.id)).toEqual([created.id]);
  });

  test.each([3, 60])("DELETE /Users/{id} of a user in %i groups answers 204, and no group lists the user any more", async (groupCount) => {
    const scim = await t.newTenant();
    const [userId] = await seedUsers(scim, 1);
    const groups = await createGroups(scim, groupCount, [userId]);
    const reply = await withFirstAnswerLost(() => scim.delete(`/Users/${userId}`));
    expect(await outcome(reply, scim.tenant)).toMatchObject({ answer: [204, undefined], orphans: [] });
    expect((await scim.get(`/Users/${userId}`)).status).toBe(404);
    expect(await memberIds(scim, groups[0]!)).toEqual([]);
    expect(await table.membershipRowsNaming(scim.tenant, userId)).toEqual([]);
  });

  test("POST /Groups with 60 members answers 201 with the group and its members, and exactly one group has that displayName", async () => {
    const scim = await t.newTenant();
    const users = await seedUsers(scim, 60);
    const group = entraGroup({ members: withMembers(users) });
    const reply = await withFirstAnswerLost(() => scim.post("/Groups", group));
    expect(await outcome(reply, scim.tenant)).toMatchObject({ answer: [201, { displayName: group.displayName, externalId: group.externalId }], orphans: [] });
    expect((reply.body.members as Array<{ value: string }>).map((m) => m.value).sort()).toEqual([...users].sort());
    expect((await scim.get(byDisplayName(group.displayName))).body).toMatchObject({ totalResults: 1, Resources: [{ id: reply.body.id }] });
    expect(await memberIds(scim, reply.body.id)).toEqual([...users].sort());
    expect((await table.resources(scim.tenant, "Group")).map((g) => g.id)).toEqual([reply.body.id]);
  });

  test.each([
    { change: "renamed, members added and removed", rename: true, withIfMatch: false },
    { change: "renamed, members added and removed, If-Match sent", rename: true, withIfMatch: true },
    { change: "members added and removed", rename: false, withIfMatch: false },
  ])("PATCH /Groups/{id} ($change) answers 204, and the group is exactly as asked", async ({ rename, withIfMatch }) => {
    const scim = await t.newTenant();
    const users = await seedUsers(scim, 6);
    const original = entraGroup({ members: withMembers(users.slice(0, 3)) });
    const id = (await scim.post("/Groups", original)).body.id as string;
    const headers = await ifMatchHeader(scim, `/Groups/${id}?excludedAttributes=members`, withIfMatch);
    const newName = entraGroup().displayName;
    const patch = patchOp(
      { op: "Add", path: "members", value: withMembers(users.slice(3)) },
      { op: "Remove", path: "members", value: withMembers(users.slice(0, 2)) },
      ...(rename ? [{ op: "Replace", path: "displayName", value: newName }] : []),
    );
    const reply = await withFirstAnswerLost(() => scim.patch(`/Groups/${id}`, patch, headers));
    expect(await outcome(reply, scim.tenant)).toMatchObject({ answer: [204, undefined], orphans: [] });
    expect(await memberIds(scim, id)).toEqual(users.slice(2).sort());
    expect(await groupIdsOf(scim, users[0]!)).toEqual([]);
    expect(await groupIdsOf(scim, users[5]!)).toEqual([id]);
    const name = rename ? newName : original.displayName;
    expect((await scim.get(`/Groups/${id}?excludedAttributes=members`)).body.displayName).toBe(name);
    expect((await scim.get(byDisplayName(name))).body.totalResults).toBe(1);
    if (rename) expect((await scim.get(byDisplayName(original.displayName))).body.totalResults).toBe(0);
  });

  test("DELETE /Groups/{id} with 60 members answers 204, the group is gone and no membership row or tombstone is left", async () => {
    const scim = await t.newTenant();
    const users = await seedUsers(scim, 60);
    const group = entraGroup({ members: withMembers(users) });
    const id = (await scim.post("/Groups", group)).body.id as string;
    const reply = await withFirstAnswerLost(() => scim.delete(`/Groups/${id}`));
    expect(await outcome(reply, scim.tenant)).toMatchObject({ answer: [204, undefined], orphans: [] });
    expect((await scim.get(`/Groups/${id}`)).status).toBe(404);
    expect((await scim.get(byDisplayName(group.displayName))).body.totalResults).toBe(0);
    expect(await groupIdsOf(scim, users[0]!)).toEqual([]);
    // Users and their index rows stay; so do the outbox entries (E:) this test's writes recorded.
    expect((await table.rowKeys(scim.tenant)).filter((k) => !/^(U|N|X|E|Q):/.test(k))).toEqual([]);
  });
});

describe("Entra sends the request again after a 503 whose first attempt had committed", () => {
  test("DELETE /Groups/{id} answers 204 to the retry while the group's cleanup is pending, then 404", async () => {
    const scim = await t.newTenant();
    const users = await seedUsers(scim, 60);
    const id = (await scim.post("/Groups", entraGroup({ members: withMembers(users) }))).body.id as string;
    await committedButAnswered503(() => scim.delete(`/Groups/${id}`));
    expect(await table.rowKeys(scim.tenant)).toContain(`Z:${id}`); // the first attempt did commit; its cleanup is pending
    expect((await scim.get(`/Groups/${id}`)).status).toBe(404);
    const retry = await scim.delete(`/Groups/${id}`);
    expect(await outcome(retry, scim.tenant)).toMatchObject({ answer: [204, undefined], orphans: [] });
    expect((await scim.delete(`/Groups/${id}`)).status).toBe(404); // finished: a further DELETE is RFC 7644 §3.6's 404
  });

  // A second POST of the same user is RFC 7644's 409 uniqueness, which Microsoft's and Okta's validators
  // require (tests/http/peer-suites.test.ts); Entra then finds the user by its matching query.
  test("POST /Users sent again is 409 uniqueness, and the user its first attempt created is the only one", async () => {
    const scim = await t.newTenant();
    const user = entraUser();
    await committedButAnswered503(() => scim.post("/Users", user));
    const stored = await table.resources(scim.tenant, "User");
    expect(stored.map((u) => u.doc.userName)).toEqual([user.userName]); // the first attempt did commit
    const retry = await scim.post("/Users", user);
    expect(await outcome(retry, scim.tenant)).toMatchObject({ answer: [409, { scimType: "uniqueness" }], orphans: [] });
    const found = await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${String(user.userName)}"`)}`);
    expect(found.body.Resources.map((u: { id: string }) => u.id)).toEqual([stored[0]!.id]);
    expect((await table.resources(scim.tenant, "User")).map((u) => u.id)).toEqual([stored[0]!.id]);
    await table.expectNoOrphans(scim.tenant);
  });

  test("PATCH /Users/{id} without If-Match answers 200 with the change", async () => {
    const scim = await t.newTenant();
    const created = (await scim.post("/Users", entraUser())).body;
    const patch = patchOp({ op: "Replace", path: "displayName", value: "Patched twice" });
    await committedButAnswered503(() => scim.patch(`/Users/${created.id}`, patch));
    const retry = await scim.patch(`/Users/${created.id}`, patch);
    expect(await outcome(retry, scim.tenant)).toMatchObject({ answer: [200, { id: created.id, displayName: "Patched twice" }], orphans: [] });
    expect((await scim.get(`/Users/${created.id}`)).headers.get("etag")).toBe(retry.headers.get("etag"));
  });

  test("DELETE /Users/{id} of a user in 3 groups answers 404 to the retry (the delete had finished), with no membership row left", async () => {
    const scim = await t.newTenant();
    const [userId] = await seedUsers(scim, 1);
    await createGroups(scim, 3, [userId]);
    await committedButAnswered503(() => scim.delete(`/Users/${userId}`));
    expect((await table.resources(scim.tenant, "User")).map((u) => u.id)).toEqual([]); // the first attempt did commit
    const retry = await scim.delete(`/Users/${userId}`);
    expect(await outcome(retry, scim.tenant)).toMatchObject({ answer: [404, { status: "404" }], orphans: [] });
    expect(await table.membershipRowsNaming(scim.tenant, userId)).toEqual([]);
  });
});
