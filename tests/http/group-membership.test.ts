// Membership under Entra's load: parallel member PATCHes on one group, racing adds and removes,
// large PATCHes, and the transaction cost of a delta (⌈k/49⌉ whatever the group's size).
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import { addMembers, createGroup, groupIdsOf, memberIds, removeMembersByPath, removeMembersByValue, seedUsers } from "../support/groups";

let t: TestHost;
let scim: ScimClient;
let users: string[];
beforeAll(async () => {
  t = await startTestHost();
  scim = await t.newTenant();
  users = await seedUsers(scim, 1000);
}, 120_000);
afterAll(() => t.close());

const sorted = (ids: string[]) => [...ids].sort();

test("100 parallel PATCHes, each adding a different member to one group, leave all 100 members", async () => {
  const id = await createGroup(scim);
  const members = users.slice(0, 100);
  const replies = await Promise.all(members.map((m) => scim.patch(`/Groups/${id}`, addMembers(m))));
  expect(replies.map((r) => r.status)).toEqual(members.map(() => 204));
  expect(await memberIds(scim, id)).toEqual(sorted(members));
});

test("racing adds and removes of the same members end in the state of each member's last request, with both rows agreeing", async () => {
  const id = await createGroup(scim);
  const members = users.slice(100, 130);
  // Round 1: every member is added and removed at the same time, in both removal shapes.
  await Promise.all(
    members.flatMap((m, i) => [
      scim.patch(`/Groups/${id}`, addMembers(m)),
      scim.patch(`/Groups/${id}`, i % 2 === 0 ? removeMembersByValue(m) : removeMembersByPath(m)),
      scim.patch(`/Groups/${id}`, addMembers(m)),
    ]),
  );
  // Round 2: one last request per member, all members in parallel.
  const last = members.map((_, i) => (i % 3 === 0 ? "remove" : "add"));
  const replies = await Promise.all(members.map((m, i) => scim.patch(`/Groups/${id}`, last[i] === "add" ? addMembers(m) : removeMembersByValue(m))));
  expect(replies.every((r) => r.status === 204)).toBe(true);
  const expected = members.filter((_, i) => last[i] === "add");
  expect(await memberIds(scim, id)).toEqual(sorted(expected));
  // The reverse rows (User.groups) agree with the member rows for every member: nothing orphaned.
  for (const [i, m] of members.entries()) expect(await groupIdsOf(scim, m)).toEqual(last[i] === "add" ? [id] : []);
});

test("one PATCH adds 1,000 members in ⌈1000/49⌉ transactions, and removing them costs the same", async () => {
  const id = await createGroup(scim);
  const added = await scim.patch(`/Groups/${id}`, addMembers(...users));
  expect(added.status).toBe(204);
  expect(added.headers.get("x-storage-transactions")).toBe(String(Math.ceil(1000 / 49)));
  expect(await memberIds(scim, id)).toEqual(sorted(users));
  const removed = await scim.patch(`/Groups/${id}`, removeMembersByValue(...users.slice(0, 490)));
  expect(removed.headers.get("x-storage-transactions")).toBe("10");
  expect((await memberIds(scim, id)).length).toBe(510);
});

test("adding one member costs one transaction however large the group is", async () => {
  const small = await createGroup(scim);
  const large = await createGroup(scim);
  await scim.patch(`/Groups/${large}`, addMembers(...users.slice(0, 900)));
  for (const id of [small, large]) {
    const reply = await scim.patch(`/Groups/${id}`, addMembers(users[950]!));
    expect(reply.headers.get("x-storage-transactions")).toBe("1");
    expect(reply.headers.get("x-storage-round-trips")).toBe("2"); // the member's existence check, then the transaction
  }
});

test("deleting a group with 1,000 members removes every membership row", async () => {
  const id = await createGroup(scim);
  await scim.patch(`/Groups/${id}`, addMembers(...users));
  expect((await scim.delete(`/Groups/${id}`)).status).toBe(204);
  expect((await scim.get(`/Groups/${id}`)).status).toBe(404);
  for (const m of [users[0]!, users[500]!, users[999]!]) expect(await groupIdsOf(scim, m)).not.toContain(id);
});

test("a delete that meets a concurrent member PATCH never leaves the group half there", async () => {
  const id = await createGroup(scim);
  await scim.patch(`/Groups/${id}`, addMembers(...users.slice(0, 200)));
  const [patched, deleted] = await Promise.all([scim.patch(`/Groups/${id}`, addMembers(...users.slice(200, 300))), scim.delete(`/Groups/${id}`)]);
  expect(deleted.status).toBe(204);
  expect([204, 404]).toContain(patched.status);
  expect((await scim.get(`/Groups/${id}`)).status).toBe(404);
  // Whatever the PATCH managed to add before the group went is swept with it: no member keeps the dead group.
  for (const m of [users[0]!, users[200]!, users[250]!, users[299]!]) expect(await groupIdsOf(scim, m)).not.toContain(id);
  expect((await scim.get(`/Groups?filter=members.value+eq+%22${users[250]!}%22&attributes=id`)).body.Resources.map((g: { id: string }) => g.id)).not.toContain(
    id,
  );
});
