// The Events API's parameters and refusals as a consumer meets them: limits, the type filter and the
// cursor it moves, bad and expired cursors, long polls, the snapshot's pages, and which tokens it takes.
import { type ScimClient, type TestHost, CORE_GROUP, entraUser, patchOp, startTestHost } from "../support/scim-client";

let t: TestHost;
beforeAll(async () => {
  // One day of history: a cursor of any earlier day is expired.
  t = await startTestHost({ SCIM_EVENT_RETENTION_DAYS: "1" });
});
afterAll(() => t.close());

async function tenantWithUsers(n: number): Promise<{ scim: ScimClient; api: ScimClient; ids: string[] }> {
  const scim = await t.newTenant();
  const api = await t.apiClient(scim.tenant, "events");
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await scim.post("/Users", entraUser())).body.id);
  return { scim, api, ids };
}

const refusal = (r: { status: number; body: any }) => ({ status: r.status, code: r.body?.error?.code, statusInBody: r.body?.error?.status });

test("limit is 1 to 1000: limit=1 answers one event and hasMore, 0 and 1001 are 400 invalid_limit", async () => {
  const { api, ids } = await tenantWithUsers(3);
  const one = await api.get("/events?limit=1");
  expect(one.status).toBe(200);
  expect(one.body.data.map((e: any) => e.data.id)).toEqual([ids[0]]);
  expect(one.body.hasMore).toBe(true);
  const rest = await api.get(`/events?limit=1000&after=${one.body.cursor}`);
  expect(rest.body.data.map((e: any) => e.data.id)).toEqual(ids.slice(1));
  expect(rest.body.hasMore).toBe(false);
  for (const bad of ["0", "1001", "-1", "ten", "1.5"]) {
    expect(refusal(await api.get(`/events?limit=${bad}`))).toEqual({ status: 400, code: "invalid_limit", statusInBody: 400 });
  }
});

test("the types filter returns only those types and its cursor moves past the events it skipped", async () => {
  const { scim, api, ids } = await tenantWithUsers(2);
  await scim.patch(`/Users/${ids[0]!}`, patchOp({ op: "replace", path: "active", value: false }));
  await scim.delete(`/Users/${ids[1]!}`);
  await scim.post("/Users", entraUser()); // after the last matching event: skipped too
  const filtered = await api.get("/events?types=user.deleted,user.deactivated");
  expect(filtered.body.data.map((e: any) => [e.type, e.data.id])).toEqual([
    ["user.deactivated", ids[0]],
    ["user.deleted", ids[1]],
  ]);
  expect(filtered.body.hasMore).toBe(false);
  const after = await api.get(`/events?after=${filtered.body.cursor}`);
  expect(after.body.data).toEqual([]); // the cursor is at the head: past the unmatched user.created
  const all = await api.get("/events");
  expect(all.body.cursor).toBe(filtered.body.cursor);
  // Repeated parameters count too, and an unknown type is refused.
  expect((await api.get("/events?types=user.deleted&types=user.created")).body.data.length).toBe(4);
  expect(refusal(await api.get("/events?types=user.created,user.exploded"))).toEqual({ status: 400, code: "invalid_types", statusInBody: 400 });
});

test("a cursor the API never returned is 400 invalid_cursor; one from a day past retention is 410 cursor_expired", async () => {
  const { api } = await tenantWithUsers(1);
  for (const bad of ["abc", "20240101", "2024010-1", "x-1", "20240101-1-2"]) {
    expect(refusal(await api.get(`/events?after=${encodeURIComponent(bad)}`))).toEqual({ status: 400, code: "invalid_cursor", statusInBody: 400 });
  }
  const expired = await api.get("/events?after=20000101-5");
  expect(refusal(expired)).toEqual({ status: 410, code: "cursor_expired", statusInBody: 410 });
  expect(expired.body.error.message).toMatch(/snapshot/);
  // The oldest day retained (yesterday, with one day of retention) is still served.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10).replace(/-/g, "");
  const kept = await api.get(`/events?after=${yesterday}-0`);
  expect(kept.status).toBe(200);
});

test("wait is 0 to 30 seconds; a long poll at the head answers with the event committed while it waits", async () => {
  const { scim, api } = await tenantWithUsers(1);
  for (const bad of ["31", "-1", "soon"])
    expect(refusal(await api.get(`/events?wait=${bad}`))).toEqual({ status: 400, code: "invalid_wait", statusInBody: 400 });
  const head = (await api.get("/events")).body.cursor as string;
  const poll = api.get(`/events?after=${head}&wait=30`);
  // The host is answering (and the poll has been sent) before the write.
  expect((await api.get(`/events?after=${head}`)).body.data).toEqual([]);
  const created = await scim.post("/Users", entraUser());
  const answer = await poll;
  expect(answer.status).toBe(200);
  expect(answer.body.data.map((e: any) => [e.type, e.data.id])).toEqual([["user.created", created.body.id]]);
});

test("the snapshot pages through users, then groups, then memberships, with one cursor and its sequence", async () => {
  const { scim, api, ids } = await tenantWithUsers(5);
  const groups: string[] = [];
  for (let g = 0; g < 3; g++) {
    const members = ids.slice(g, g + 3).map((value) => ({ value }));
    groups.push((await scim.post("/Groups", { schemas: [CORE_GROUP], displayName: `G${g}`, members })).body.id);
  }
  // A nested group: group 0 is a member of group 2.
  await scim.patch(`/Groups/${groups[2]!}`, patchOp({ op: "add", path: "members", value: [{ value: groups[0] }] }));
  const head = (await api.get("/events?limit=1000")).body;

  const pages: any[] = [];
  let r = await api.get("/events/snapshot?limit=2");
  pages.push(r.body);
  for (let i = 0; r.body.next !== null && i < 50; i++) {
    r = await api.get(`/events/snapshot?limit=2&page=${encodeURIComponent(r.body.next)}`);
    expect(r.status).toBe(200);
    pages.push(r.body);
  }
  expect(pages.length).toBeGreaterThan(5);
  expect(pages.every((p) => p.data.length <= 2 && p.cursor === head.cursor && p.sequence === head.data.length)).toBe(true);
  const items = pages.flatMap((p) => p.data);
  const objects = items.map((i) => i.object);
  // users first, then groups, then memberships
  expect(objects).toEqual([...ids.map(() => "user"), ...groups.map(() => "group"), ...objects.filter((o) => o === "membership")]);
  expect(new Set(items.filter((i) => i.object === "user").map((i) => i.resource.id))).toEqual(new Set(ids));
  expect(new Set(items.filter((i) => i.object === "group").map((i) => i.resource.id))).toEqual(new Set(groups));
  const memberships = items.filter((i) => i.object === "membership").map((i) => `${i.group} ${i.member.value} ${i.member.type}`);
  const expected = [...groups.flatMap((g, n) => ids.slice(n, n + 3).map((u) => `${g} ${u} User`)), `${groups[2]!} ${groups[0]!} Group`];
  expect(memberships.sort()).toEqual(expected.sort());
  expect(refusal(await api.get("/events/snapshot?page=bogus"))).toEqual({ status: 400, code: "invalid_page", statusInBody: 400 });
  expect(refusal(await api.get("/events/snapshot?limit=0"))).toEqual({ status: 400, code: "invalid_limit", statusInBody: 400 });
});

test("only an events token reads events: SCIM and admin tokens are 403 there, an events token is 403 on SCIM, none is 401", async () => {
  const { scim, api } = await tenantWithUsers(0);
  const admin = await t.apiClient(scim.tenant, "admin");
  for (const path of ["/events", "/events/snapshot"]) {
    expect(refusal(await api.withToken(scim.token).get(path))).toEqual({ status: 403, code: "forbidden", statusInBody: 403 });
    expect(refusal(await api.withToken(admin.token).get(path))).toEqual({ status: 403, code: "forbidden", statusInBody: 403 });
    expect((await api.withToken("").get(path)).status).toBe(401);
  }
  expect((await scim.withToken(api.token).get("/Users")).status).toBe(403);
  expect((await scim.withToken(api.token).post("/Users", entraUser())).status).toBe(403);
});

test("an event's resource and a snapshot item are what GET returns (schemas included), a group's without its members", async () => {
  const { scim, api, ids } = await tenantWithUsers(1);
  const patched = await scim.patch(
    `/Users/${ids[0]!}`,
    patchOp({ op: "add", path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", value: "R&D" }),
  );
  expect(patched.status).toBe(200);
  const group = await scim.post("/Groups", { schemas: [CORE_GROUP], displayName: "Ops", members: [{ value: ids[0] }] });
  const events = (await api.get("/events")).body.data as any[];
  const user = (await scim.get(`/Users/${ids[0]!}`)).body;
  const { members: _members, ...groupWithoutMembers } = (await scim.get(`/Groups/${group.body.id}?excludedAttributes=members`)).body;
  expect(events[1].data.resource).toEqual(user);
  expect(user.schemas).toEqual(["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]);
  expect(events[2].data.resource).toEqual(groupWithoutMembers);
  const snapshot = (await api.get("/events/snapshot")).body.data as any[];
  expect(snapshot.find((i) => i.object === "user").resource).toEqual(user);
  expect(snapshot.find((i) => i.object === "group").resource).toEqual(groupWithoutMembers);
});
