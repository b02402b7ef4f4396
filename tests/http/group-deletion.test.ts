// Deleting a group whose membership rows cannot all be removed within one request: the group is gone at
// once, readers leave it out while its rows are cleared, and the cleanup resumes where it stopped.
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import { addMembers, createGroup, groupIdsOf, memberIds, seedUsers } from "../support/groups";

let t: TestHost;
let scim: ScimClient;
beforeAll(async () => {
  t = await startTestHost();
  scim = await t.newTenant();
}, 60_000);
afterAll(() => t.close());

test("a cleanup cut short by its deadline leaves no visible trace and is finished by the next group deletion", async () => {
  const users = await seedUsers(scim, 1200);
  const parent = await createGroup(scim);
  const doomed = await createGroup(scim);
  await scim.patch(`/Groups/${doomed}`, addMembers(...users));
  await scim.patch(`/Groups/${parent}`, addMembers(doomed, users[0]!));

  // What DELETE does, with a deadline already past: the group row goes, one page of rows is cleared.
  const dir = await t.service.store.tenant(scim.tenant);
  const deletion = await dir.groups.delete(doomed, undefined, 0);
  expect(deletion.deleted).toBe(true);
  expect(deletion.unfinished).toBeDefined();
  expect(await dir.groups.pendingDeletions()).toEqual(new Set([doomed]));

  // Readers already see the group gone, although some of its membership rows remain.
  expect((await scim.get(`/Groups/${doomed}`)).status).toBe(404);
  expect(await groupIdsOf(scim, users[1199]!)).toEqual([]);
  expect(await memberIds(scim, parent)).toEqual([users[0]]);
  expect((await scim.get(`/Users?filter=groups+eq+%22${doomed}%22&attributes=id`)).body.totalResults).toBe(0);
  expect((await scim.get(`/Groups?filter=members+eq+%22${users[1199]!}%22&attributes=id`)).body.totalResults).toBe(0);

  // Any later group deletion (here a repeated one) finishes the job. While the tombstone is there the
  // repeat is the same delete (its first answer may never have arrived): 204; afterwards 404.
  expect((await scim.delete(`/Groups/${doomed}`)).status).toBe(204);
  expect((await scim.delete(`/Groups/${doomed}`)).status).toBe(404);
  expect(await dir.groups.pendingDeletions()).toEqual(new Set());
  let left = (await dir.groups.groupsOf(doomed)).length;
  for await (const _ of dir.groups.members(doomed)) left++;
  expect(left).toBe(0);
  expect(await memberIds(scim, parent)).toEqual([users[0]]);
}, 120_000);
