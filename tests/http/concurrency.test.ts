// Concurrent writes: 20 parallel PATCHes of different attributes on one user lose nothing; userName
// uniqueness holds under parallel POSTs and parallel renames; a user deleted under parallel PATCHes
// stays deleted. Entra sends several requests in parallel (reference §6, S14c).
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import { ENTERPRISE_USER, createUser, enterprise, entraUser, expectStatus, filterQuery, patchOp, unique } from "../support/builders";

let t: TestHost;
let scim: ScimClient;
beforeAll(async () => {
  t = await startTestHost();
  scim = await t.newTenant();
});
afterAll(() => t.close());

const ENT = ENTERPRISE_USER;

test("20 parallel PATCHes of different attributes on one user: all 20 changes are present afterwards", async () => {
  const created = await createUser(scim, entraUser({ emails: [], name: {} }));
  // Both dialects, one attribute each: plain, sub-attribute, URN path, path-less value object, filtered upsert.
  const changes: Array<[string, unknown]> = [
    ["Replace displayName", { op: "Replace", path: "displayName", value: "Display" }],
    ["Add nickName", { op: "Add", path: "nickName", value: "Nick" }],
    ["replace title", { op: "replace", path: "title", value: "Title" }],
    ["replace userType", { op: "replace", path: "userType", value: "Employee" }],
    ["Replace preferredLanguage", { op: "Replace", path: "preferredLanguage", value: "en-US" }],
    ["add locale", { op: "add", path: "locale", value: "en-GB" }],
    ["Add timezone", { op: "Add", path: "timezone", value: "Europe/London" }],
    ["replace profileUrl", { op: "replace", path: "profileUrl", value: "https://example.com/p" }],
    ["Replace name.givenName", { op: "Replace", path: "name.givenName", value: "Given" }],
    ["Replace name.familyName", { op: "Replace", path: "name.familyName", value: "Family" }],
    ["path-less name.middleName", { op: "replace", value: { "name.middleName": "Middle" } }],
    ["path-less nested name.formatted", { op: "replace", value: { name: { formatted: "Given Family" } } }],
    ["Replace employeeNumber (URN path)", { op: "Replace", path: `${ENT}:employeeNumber`, value: "701984" }],
    ["replace costCenter (URN path)", { op: "replace", path: `${ENT}:costCenter`, value: "4130" }],
    ["path-less organization (URN key)", { op: "replace", value: { [`${ENT}:organization`]: "Org" } }],
    ["path-less division (nested extension)", { op: "replace", value: { [ENT]: { division: "Div" } } }],
    ["Add department", { op: "Add", path: `${ENT}:department`, value: "Dept" }],
    ["Replace work email (filtered upsert)", { op: "Replace", path: 'emails[type eq "work"].value', value: "work@example.com" }],
    ["Add mobile phone (filtered upsert)", { op: "Add", path: 'phoneNumbers[type eq "mobile"].value', value: "+1 555 0100" }],
    ['Replace active with "False"', { op: "Replace", path: "active", value: "False" }],
  ];
  expect(changes).toHaveLength(20);
  const replies = await Promise.all(changes.map(([, op]) => scim.patch(`/Users/${created.id}`, patchOp(op))));
  replies.forEach((reply, i) => expect([changes[i]![0], reply.status]).toEqual([changes[i]![0], 200]));

  const after = (await scim.get(`/Users/${created.id}`)).body;
  expect(after).toMatchObject({
    displayName: "Display",
    nickName: "Nick",
    title: "Title",
    userType: "Employee",
    preferredLanguage: "en-US",
    locale: "en-GB",
    timezone: "Europe/London",
    profileUrl: "https://example.com/p",
    active: false,
    name: { givenName: "Given", familyName: "Family", middleName: "Middle", formatted: "Given Family" },
    emails: [{ type: "work", value: "work@example.com" }],
    phoneNumbers: [{ type: "mobile", value: "+1 555 0100" }],
  });
  expect(enterprise(after)).toEqual({ employeeNumber: "701984", costCenter: "4130", organization: "Org", division: "Div", department: "Dept" });
  // Every answer was a distinct version, and the last read carries the newest one.
  const versions = replies.map((r) => r.body.meta.version);
  expect(new Set(versions).size).toBe(20);
  expect(versions).toContain(after.meta.version);
});

test("20 parallel Adds to a multi-valued attribute keep every value", async () => {
  const created = await createUser(scim, entraUser({ roles: [] }));
  const replies = await Promise.all(
    Array.from({ length: 20 }, (_, i) => scim.patch(`/Users/${created.id}`, patchOp({ op: "Add", path: "roles", value: [{ value: `role-${i}` }] }))),
  );
  for (const reply of replies) expectStatus(reply, 200);
  const roles = (await scim.get(`/Users/${created.id}`)).body.roles.map((r: any) => r.value).sort();
  expect(roles).toEqual(Array.from({ length: 20 }, (_, i) => `role-${i}`).sort());
});

test("10 parallel POSTs of the same userName: exactly one 201, the others 409 uniqueness", async () => {
  const userName = `${unique("race")}@example.com`;
  const replies = await Promise.all(
    Array.from({ length: 10 }, (_, i) => scim.post("/Users", entraUser({ userName: i % 2 ? userName.toUpperCase() : userName }))),
  );
  const statuses = replies.map((r) => r.status).sort();
  expect(statuses).toEqual([201, ...Array(9).fill(409)]);
  for (const r of replies.filter((x) => x.status === 409)) expect(r.body.scimType).toBe("uniqueness");
  const found = await scim.get(`/Users${filterQuery(`userName eq "${userName}"`)}`);
  expect(found.body.totalResults).toBe(1);
  expect(found.body.Resources[0].id).toBe(replies.find((r) => r.status === 201)!.body.id);
});

test("10 users renamed in parallel onto one free userName: exactly one wins, the rest keep their names", async () => {
  const users = await Promise.all(Array.from({ length: 10 }, () => createUser(scim)));
  const target = `${unique("target")}@example.com`;
  const replies = await Promise.all(users.map((u) => scim.patch(`/Users/${u.id}`, patchOp({ op: "Replace", path: "userName", value: target }))));
  expect(replies.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(409)]);
  const winner = users[replies.findIndex((r) => r.status === 200)];
  const found = await scim.get(`/Users${filterQuery(`userName eq "${target}"`)}`);
  expect(found.body.Resources.map((r: any) => r.id)).toEqual([winner.id]);
  for (const u of users.filter((x) => x !== winner)) {
    const byOldName = await scim.get(`/Users${filterQuery(`userName eq "${u.userName}"`)}`);
    expect(byOldName.body.Resources.map((r: any) => r.id)).toEqual([u.id]);
  }
  const byWinnersOldName = await scim.get(`/Users${filterQuery(`userName eq "${winner.userName}"`)}`);
  expect(byWinnersOldName.body.totalResults).toBe(0);
});

test("a DELETE racing PATCHes: the user ends deleted, nothing resurrects it, its userName is free", async () => {
  const created = await createUser(scim);
  const replies = await Promise.all([
    ...Array.from({ length: 5 }, (_, i) => scim.patch(`/Users/${created.id}`, patchOp({ op: "Replace", path: "title", value: `t${i}` }))),
    scim.delete(`/Users/${created.id}`),
    ...Array.from({ length: 5 }, (_, i) => scim.patch(`/Users/${created.id}`, patchOp({ op: "Replace", path: "nickName", value: `n${i}` }))),
  ]);
  for (const reply of replies) expect([200, 204, 404]).toContain(reply.status);
  expect(replies[5]!.status).toBe(204);
  expect((await scim.get(`/Users/${created.id}`)).status).toBe(404);
  expect((await scim.get(`/Users${filterQuery(`userName eq "${created.userName}"`)}`)).body.totalResults).toBe(0);
  expectStatus(await scim.post("/Users", entraUser({ userName: created.userName })), 201);
});

test("parallel PUTs and PATCHes on one user leave a consistent userName index", async () => {
  const created = await createUser(scim);
  const names = Array.from({ length: 6 }, (_, i) => `${unique(`n${i}`)}@example.com`);
  await Promise.all([
    ...names.slice(0, 3).map((userName) => scim.put(`/Users/${created.id}`, { userName })),
    ...names.slice(3).map((userName) => scim.patch(`/Users/${created.id}`, patchOp({ op: "Replace", path: "userName", value: userName }))),
  ]);
  const final = (await scim.get(`/Users/${created.id}`)).body.userName;
  expect(names).toContain(final);
  for (const name of [created.userName, ...names]) {
    const found = await scim.get(`/Users${filterQuery(`userName eq "${name}"`)}`);
    expect([name, found.body.totalResults]).toEqual([name, name === final ? 1 : 0]);
  }
});
