// Groups as Entra drives them (§1.10–1.16, Q5, Q11, Q18, Q19), in both PATCH dialects.
import { startTestHost, TestHost, ScimClient, entraUser, patchOp, CORE_GROUP } from "../support/scim-client";
import {
  ADSCIM_GROUP,
  addMembers,
  createGroup,
  entraGroup,
  groupIdsOf,
  memberIds,
  removeMembersByPath,
  removeMembersByValue,
  seedUsers,
} from "../support/groups";

let t: TestHost;
let scim: ScimClient;
beforeAll(async () => {
  t = await startTestHost();
  scim = await t.newTenant();
});
afterAll(() => t.close());

const sorted = (ids: string[]) => [...ids].sort();
const q = (filter: string) => encodeURIComponent(filter);

describe("create and read", () => {
  test("creates a group with the ADSCIM schema URN and an empty member list, answering 201 with members []", async () => {
    const body = entraGroup();
    const reply = await scim.post("/Groups", body);
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ schemas: [CORE_GROUP], displayName: body.displayName, externalId: body.externalId, members: [] });
    expect(reply.body.schemas).not.toContain(ADSCIM_GROUP);
    expect(reply.headers.get("location")).toBe(reply.body.meta.location);
    expect(reply.headers.get("etag")).toBe(reply.body.meta.version);
    expect(reply.headers.get("x-storage-round-trips")).toBe("1");
  });

  test("returns 409 uniqueness when displayName differs only in case", async () => {
    const first = entraGroup();
    await scim.post("/Groups", first);
    const clash = await scim.post("/Groups", entraGroup({ displayName: String(first.displayName).toUpperCase() }));
    expect(clash.status).toBe(409);
    expect(clash.body.scimType).toBe("uniqueness");
  });

  test("reads a group without members, and finds it by displayName in any case, with no membership read", async () => {
    const body = entraGroup();
    const id = await createGroup(scim, body);
    await scim.patch(`/Groups/${id}`, addMembers(...(await seedUsers(scim, 2))));
    const byId = await scim.get(`/Groups/${id}?excludedAttributes=members`);
    expect(byId.status).toBe(200);
    expect(byId.body.members).toBeUndefined();
    expect(byId.headers.get("x-storage-round-trips")).toBe("1");
    const found = await scim.get(`/Groups?excludedAttributes=members&filter=${q(`displayName eq "${String(body.displayName).toLowerCase()}"`)}`);
    expect(found.status).toBe(200);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].id).toBe(id);
    expect(found.body.Resources[0].members).toBeUndefined();
    expect(found.headers.get("x-storage-round-trips")).toBe("2");
    const byExternalId = await scim.get(`/Groups?excludedAttributes=members&filter=${q(`externalId eq "${String(body.externalId)}"`)}`);
    expect(byExternalId.body.Resources.map((g: { id: string }) => g.id)).toEqual([id]);
  });

  test("answers the Test Connection group probe with 200 and an empty list", async () => {
    const reply = await scim.get(`/Groups?excludedAttributes=members&filter=displayName+eq+%2200000000-1111-2222-3333-444444444444%22`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  test("returns 404 for an unknown group id", async () => {
    const reply = await scim.get("/Groups/6f1d1bb4-0000-4000-8000-000000000000");
    expect(reply.status).toBe(404);
    expect(reply.body.status).toBe("404");
  });
});

describe("member changes", () => {
  test("adds several members in one operation, users and groups alike, and User.groups reflects it", async () => {
    const users = await seedUsers(scim, 3);
    const child = await createGroup(scim);
    const id = await createGroup(scim);
    const reply = await scim.patch(`/Groups/${id}`, addMembers(...users, child));
    expect(reply.status).toBe(204);
    expect(await memberIds(scim, id)).toEqual(sorted([...users, child]));
    const full = await scim.get(`/Groups/${id}`);
    expect(full.body.members).toContainEqual({ value: child, type: "Group", $ref: expect.stringMatching(new RegExp(`/Groups/${child}$`)) });
    expect(await groupIdsOf(scim, users[0])).toEqual([id]);
  });

  test("adding an existing member and removing a non-member are successful no-ops", async () => {
    const [a, b] = await seedUsers(scim, 2);
    const id = await createGroup(scim);
    await scim.patch(`/Groups/${id}`, addMembers(a));
    expect((await scim.patch(`/Groups/${id}`, addMembers(a))).status).toBe(204);
    expect((await scim.patch(`/Groups/${id}`, removeMembersByValue(b))).status).toBe(204);
    expect((await scim.patch(`/Groups/${id}`, removeMembersByPath(b))).status).toBe(204);
    expect(await memberIds(scim, id)).toEqual([a]);
  });

  test.each([
    ["a value array (default dialect)", removeMembersByValue],
    ["a members[value eq] path (aadOptscim062020)", removeMembersByPath],
  ])("removes exactly the named member with %s", async (_shape, remove) => {
    const [a, b, c] = await seedUsers(scim, 3);
    const id = await createGroup(scim);
    await scim.patch(`/Groups/${id}`, addMembers(a, b, c));
    expect((await scim.patch(`/Groups/${id}`, remove(b))).status).toBe(204);
    expect(await memberIds(scim, id)).toEqual(sorted([a, c]));
    expect(await groupIdsOf(scim, b)).toEqual([]);
  });

  test("a Remove on members with an empty value array removes nobody", async () => {
    const users = await seedUsers(scim, 2);
    const id = await createGroup(scim);
    await scim.patch(`/Groups/${id}`, addMembers(...users));
    expect((await scim.patch(`/Groups/${id}`, patchOp({ op: "Remove", path: "members", value: [] }))).status).toBe(204);
    expect(await memberIds(scim, id)).toEqual(sorted(users));
  });

  test("a remove on members with neither value nor filter clears the group", async () => {
    const users = await seedUsers(scim, 3);
    const id = await createGroup(scim);
    await scim.patch(`/Groups/${id}`, addMembers(...users));
    expect((await scim.patch(`/Groups/${id}`, patchOp({ op: "remove", path: "members" }))).status).toBe(204);
    expect(await memberIds(scim, id)).toEqual([]);
    expect(await groupIdsOf(scim, users[0])).toEqual([]);
  });

  test("a Replace of members sets exactly the given list", async () => {
    const [a, b, c] = await seedUsers(scim, 3);
    const id = await createGroup(scim);
    await scim.patch(`/Groups/${id}`, addMembers(a, b));
    const reply = await scim.patch(`/Groups/${id}`, patchOp({ op: "Replace", path: "members", value: [{ value: b }, { value: c }] }));
    expect(reply.status).toBe(204);
    expect(await memberIds(scim, id)).toEqual(sorted([b, c]));
    expect(await groupIdsOf(scim, a)).toEqual([]);
  });

  test("applies several operations of one PATCH in order", async () => {
    const [a, b] = await seedUsers(scim, 2);
    const id = await createGroup(scim);
    const name = `Renamed ${Date.now()}`;
    const reply = await scim.patch(
      `/Groups/${id}`,
      patchOp(
        { op: "Replace", path: "displayName", value: name },
        {
          op: "Add",
          path: "members",
          value: [
            { $ref: null, value: a },
            { $ref: null, value: b },
          ],
        },
        { op: "Remove", path: "members", value: [{ $ref: null, value: a }] },
      ),
    );
    expect(reply.status).toBe(204);
    const group = await scim.get(`/Groups/${id}`);
    expect(group.body.displayName).toBe(name);
    expect(group.body.members.map((m: { value: string }) => m.value)).toEqual([b]);
  });

  test("rejects a member id that does not exist with 400 invalidValue and applies nothing else", async () => {
    const [a] = await seedUsers(scim, 1);
    const body = entraGroup();
    const id = await createGroup(scim, body);
    const reply = await scim.patch(
      `/Groups/${id}`,
      patchOp(
        { op: "Replace", path: "displayName", value: "Should not stick" },
        { op: "Add", path: "members", value: [{ value: a }, { value: "0b7e8f55-0000-4000-8000-000000000000" }] },
      ),
    );
    expect(reply.status).toBe(400);
    expect(reply.body.scimType).toBe("invalidValue");
    const group = await scim.get(`/Groups/${id}`);
    expect(group.body.displayName).toBe(body.displayName);
    expect(group.body).not.toHaveProperty("members"); // RFC 7643 §2.5: no members is no `members`, not []
  });

  test("rejects a group as a member of itself", async () => {
    const id = await createGroup(scim);
    const reply = await scim.patch(`/Groups/${id}`, addMembers(id));
    expect(reply.status).toBe(400);
    expect(reply.body.scimType).toBe("invalidValue");
  });

  test("renames with Replace displayName and answers 204; the new name is unique case-insensitively", async () => {
    const taken = entraGroup();
    await createGroup(scim, taken);
    const id = await createGroup(scim);
    const renamed = `${String(taken.displayName)} two`;
    expect((await scim.patch(`/Groups/${id}`, patchOp({ op: "Replace", path: "displayName", value: renamed }))).status).toBe(204);
    expect((await scim.get(`/Groups/${id}?excludedAttributes=members`)).body.displayName).toBe(renamed);
    const clash = await scim.patch(`/Groups/${id}`, patchOp({ op: "replace", value: { displayName: String(taken.displayName).toLowerCase() } }));
    expect(clash.status).toBe(409);
    expect(clash.body.scimType).toBe("uniqueness");
  });

  test("returns 404 when patching an unknown group", async () => {
    const [a] = await seedUsers(scim, 1);
    const reply = await scim.patch("/Groups/6f1d1bb4-0000-4000-8000-000000000001", addMembers(a));
    expect(reply.status).toBe(404);
  });

  test("changes the version with every membership change and honours If-Match", async () => {
    const [a] = await seedUsers(scim, 1);
    const id = await createGroup(scim);
    const before = (await scim.get(`/Groups/${id}?excludedAttributes=members`)).headers.get("etag")!;
    await scim.patch(`/Groups/${id}`, addMembers(a));
    const after = (await scim.get(`/Groups/${id}?excludedAttributes=members`)).headers.get("etag")!;
    expect(after).not.toBe(before);
    const stale = await scim.patch(`/Groups/${id}`, patchOp({ op: "Replace", path: "displayName", value: "x" }), { "If-Match": before });
    expect(stale.status).toBe(412);
    const fresh = await scim.patch(`/Groups/${id}`, patchOp({ op: "Replace", path: "displayName", value: `ok ${id}` }), { "If-Match": after });
    expect(fresh.status).toBe(204);
  });

  test("answers 200 with the group when the PATCH asks for attributes", async () => {
    const [a] = await seedUsers(scim, 1);
    const id = await createGroup(scim);
    const reply = await scim.patch(`/Groups/${id}?excludedAttributes=members`, addMembers(a));
    expect(reply.status).toBe(200);
    expect(reply.body.id).toBe(id);
    expect(reply.body.members).toBeUndefined();
  });
});

describe("membership filters", () => {
  test("answers Entra's reference check id eq … and members eq … with point reads", async () => {
    const [a, b] = await seedUsers(scim, 2);
    const id = await createGroup(scim);
    await scim.patch(`/Groups/${id}`, addMembers(a));
    const hit = await scim.get(`/Groups?filter=${q(`id eq "${id}" and members eq "${a}"`)}&attributes=id`);
    expect(hit.body.totalResults).toBe(1);
    expect(hit.body.Resources[0]).toEqual({ schemas: [CORE_GROUP], id });
    expect(hit.headers.get("x-storage-round-trips")).toBe("2");
    const miss = await scim.get(`/Groups?filter=${q(`id eq "${id}" and members eq "${b}"`)}&attributes=id`);
    expect(miss.status).toBe(200);
    expect(miss.body.totalResults).toBe(0);
  });

  test("finds the groups of a member with members.value eq, and the users of a group with groups eq", async () => {
    const [a, b] = await seedUsers(scim, 2);
    const g1 = await createGroup(scim);
    const g2 = await createGroup(scim);
    await scim.patch(`/Groups/${g1}`, addMembers(a, b));
    await scim.patch(`/Groups/${g2}`, addMembers(a));
    const groups = await scim.get(`/Groups?excludedAttributes=members&filter=${q(`members.value eq "${a}"`)}`);
    expect(groups.body.Resources.map((g: { id: string }) => g.id).sort()).toEqual(sorted([g1, g2]));
    const users = await scim.get(`/Users?filter=${q(`groups eq "${g1}"`)}&attributes=id`);
    expect(users.body.Resources.map((u: { id: string }) => u.id).sort()).toEqual(sorted([a, b]));
    const either = await scim.get(`/Groups?excludedAttributes=members&filter=${q(`members[value eq "${b}"] or displayName eq "nobody"`)}`);
    expect(either.body.Resources.map((g: { id: string }) => g.id)).toEqual([g1]);
  });
});

describe("PUT and DELETE", () => {
  test("PUT with members sets exactly them; PUT without members leaves them alone", async () => {
    const [a, b] = await seedUsers(scim, 2);
    const body = entraGroup();
    const id = await createGroup(scim, body);
    await scim.patch(`/Groups/${id}`, addMembers(a));
    const put = await scim.put(`/Groups/${id}`, { ...body, members: [{ value: b }] });
    expect(put.status).toBe(200);
    expect(put.body.members.map((m: { value: string }) => m.value)).toEqual([b]);
    const keep = await scim.put(`/Groups/${id}`, { schemas: [CORE_GROUP], displayName: body.displayName });
    expect(keep.status).toBe(200);
    expect(await memberIds(scim, id)).toEqual([b]);
    expect(keep.body.externalId).toBeUndefined();
  });

  test("deleting a user removes its memberships", async () => {
    const [a, b] = await seedUsers(scim, 2);
    const id = await createGroup(scim);
    await scim.patch(`/Groups/${id}`, addMembers(a, b));
    expect((await scim.delete(`/Users/${a}`)).status).toBe(204);
    expect(await memberIds(scim, id)).toEqual([b]);
  });

  test("deleting a group removes its member rows and its own memberships", async () => {
    const [a] = await seedUsers(scim, 1);
    const parent = await createGroup(scim);
    const child = await createGroup(scim);
    await scim.patch(`/Groups/${child}`, addMembers(a));
    await scim.patch(`/Groups/${parent}`, addMembers(child, a));
    expect((await scim.delete(`/Groups/${child}`)).status).toBe(204);
    expect((await scim.get(`/Groups/${child}`)).status).toBe(404);
    expect(await memberIds(scim, parent)).toEqual([a]);
    expect(await groupIdsOf(scim, a)).toEqual([parent]);
    const again = await scim.get(`/Groups?filter=${q(`members eq "${child}"`)}&excludedAttributes=members`);
    expect(again.body.totalResults).toBe(0);
  });
});

describe("tenant isolation", () => {
  test("another tenant can neither see a group nor use this tenant's users as members", async () => {
    const other = await t.newTenant();
    const [a] = await seedUsers(scim, 1);
    const body = entraGroup();
    const id = await createGroup(scim, body);
    expect((await other.get(`/Groups/${id}`)).status).toBe(404);
    expect((await other.patch(`/Groups/${id}`, addMembers(a))).status).toBe(404);
    expect((await other.delete(`/Groups/${id}`)).status).toBe(404);
    const search = await other.get(`/Groups?filter=${q(`displayName eq "${String(body.displayName)}"`)}`);
    expect(search.body.totalResults).toBe(0);
    const theirs = await createGroup(other);
    const borrow = await other.patch(`/Groups/${theirs}`, addMembers(a));
    expect(borrow.status).toBe(400);
    expect(borrow.body.scimType).toBe("invalidValue");
    expect((await other.get(`/Groups?filter=${q(`members eq "${a}"`)}`)).body.totalResults).toBe(0);
    expect(await memberIds(scim, id)).toEqual([]);
  });

  test("a user of another tenant keeps the same display name space: displayName uniqueness is per tenant", async () => {
    const other = await t.newTenant();
    const body = entraGroup();
    await createGroup(scim, body);
    expect((await other.post("/Groups", body)).status).toBe(201);
  });
});

test("users created for membership keep their own attributes", async () => {
  const user = entraUser();
  const created = await scim.post("/Users", user);
  const id = await createGroup(scim);
  await scim.patch(`/Groups/${id}`, addMembers(created.body.id));
  const read = await scim.get(`/Users/${created.body.id}`);
  expect(read.body.userName).toBe(user.userName);
  expect(read.body.groups).toBeUndefined();
});
