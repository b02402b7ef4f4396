// The Events API as the vendor's app sees it: what each SCIM write records, in order.
import { type TestHost, entraUser, patchOp, startTestHost } from "../support/scim-client";
import { readAllEvents } from "../support/events";

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.close());

test("a user's life as events: created, updated with the changed names, deactivated, reactivated, deleted", async () => {
  const scim = await t.newTenant();
  const api = await t.apiClient(scim.tenant, "events");
  const created = await scim.post("/Users", entraUser());
  const id = created.body.id as string;
  await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "displayName", value: "Ada" }));
  await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "active", value: false }));
  await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "active", value: false })); // no-op
  await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "active", value: true }));
  await scim.delete(`/Users/${id}`);
  const { events } = await readAllEvents(api);
  expect(events.map((e) => e.type)).toEqual(["user.created", "user.updated", "user.deactivated", "user.reactivated", "user.deleted"]);
  expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
  expect(events[1].data.changed).toEqual(["displayName"]);
  expect(events[0].data.resource.userName).toBe(created.body.userName);
  expect(events.every((e) => e.tenant === scim.tenant && e.data.id === id)).toBe(true);
});

test("group members added in chunks are one event each; adding an existing member records nothing", async () => {
  const scim = await t.newTenant();
  const api = await t.apiClient(scim.tenant, "events");
  const users: string[] = [];
  for (let i = 0; i < 60; i++) users.push((await scim.post("/Users", entraUser())).body.id);
  const g = await scim.post("/Groups", {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    displayName: "Eng",
    members: users.slice(0, 55).map((value) => ({ value })),
  });
  expect(g.status).toBe(201);
  const before = (await readAllEvents(api)).cursor;
  const again = await scim.patch(`/Groups/${g.body.id}`, patchOp({ op: "add", path: "members", value: users.slice(50).map((value) => ({ value })) }));
  expect(again.status).toBe(204);
  const { events } = await readAllEvents(api, before);
  expect(events.map((e) => [e.type, e.data.member.value])).toEqual(users.slice(55).map((u) => ["group.member_added", u]));
});

test("an SCIM token is refused by the Events API and an events token by SCIM", async () => {
  const scim = await t.newTenant();
  const api = await t.apiClient(scim.tenant, "events");
  expect((await scim.withToken(scim.token).get("/Users")).status).toBe(200);
  const wrong = await api.withToken(scim.token).get("/events");
  expect(wrong.status).toBe(403);
  expect(wrong.body.error.code).toBe("forbidden");
  expect((await scim.withToken(api.token).get("/Users")).status).toBe(403);
});

test("deleting a user records its removal from each group, then user.deleted; deleting a group is one event", async () => {
  const scim = await t.newTenant();
  const api = await t.apiClient(scim.tenant, "events");
  const user = (await scim.post("/Users", entraUser())).body.id as string;
  const others: string[] = [];
  for (let i = 0; i < 3; i++) others.push((await scim.post("/Users", entraUser())).body.id);
  const groups: string[] = [];
  for (let i = 0; i < 2; i++) {
    const g = await scim.post("/Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: `G${i}`,
      members: [user, ...others].map((value) => ({ value })),
    });
    groups.push(g.body.id);
  }
  const before = (await readAllEvents(api)).cursor;
  expect((await scim.delete(`/Users/${user}`)).status).toBe(204);
  expect((await scim.delete(`/Groups/${groups[0] ?? ""}`)).status).toBe(204);
  const { events } = await readAllEvents(api, before);
  expect(events.map((e) => [e.type, e.data.id, e.data.member?.value])).toEqual([
    ...[...groups].sort().map((g) => ["group.member_removed", g, user]),
    ["user.deleted", user, undefined],
    ["group.deleted", groups[0], undefined],
  ]);
  expect(events[0].data.member.type).toBe("User");
  expect(events[2].data.resource.userName).toBeDefined(); // the deleted user's last state
});
