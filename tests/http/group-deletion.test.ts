// Deleting a group whose membership rows cannot all be removed within one request: the group is gone at
// once, readers leave it out while its rows are cleared, and the cleanup resumes where it stopped.
import { config } from "../../shared/config";
import { openTenantStore } from "../../shared/store";
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import { addMembers, createGroup, groupIdsOf, memberIds, seedUsers } from "../support/groups";

let t: TestHost;
let scim: ScimClient;
beforeAll(async () => { t = await startTestHost(); scim = await t.newTenant(); }, 60_000);
afterAll(() => t.close());

test("a cleanup cut short by its deadline leaves no visible trace and is finished by the next group deletion", async () => {
  const users = await seedUsers(scim, 1200);
  const parent = await createGroup(scim);
  const doomed = await createGroup(scim);
  await scim.patch(`/Groups/${doomed}`, addMembers(...users));
  await scim.patch(`/Groups/${parent}`, addMembers(doomed, users[0]!));

  // What DELETE does, with a deadline already past: the group row goes, one page of rows is cleared.
  const store = await openTenantStore(config(), scim.tenant);
  const group = (await store.groups.get(doomed))!;
  await store.groups.submitLabelled([...store.groups.deleteActions(group), store.groupDeletions.markAction(doomed)]);
  expect(await store.groupDeletions.finish(doomed, 0)).toBe(false);
  expect(await store.groupDeletions.pending()).toEqual(new Set([doomed]));

  // Readers already see the group gone, although some of its membership rows remain.
  expect((await scim.get(`/Groups/${doomed}`)).status).toBe(404);
  expect(await groupIdsOf(scim, users[1199]!)).toEqual([]);
  expect(await memberIds(scim, parent)).toEqual([users[0]]);
  expect((await scim.get(`/Users?filter=groups+eq+%22${doomed}%22&attributes=id`)).body.totalResults).toBe(0);
  expect((await scim.get(`/Groups?filter=members+eq+%22${users[1199]!}%22&attributes=id`)).body.totalResults).toBe(0);

  // Any later group deletion (here a repeated one, answered 404) finishes the job.
  expect((await scim.delete(`/Groups/${doomed}`)).status).toBe(404);
  expect(await store.groupDeletions.pending()).toEqual(new Set());
  let left = 0;
  for await (const _ of store.memberships.members(doomed)) left++;
  for await (const _ of store.memberships.groupsOf(doomed)) left++;
  expect(left).toBe(0);
  expect(await memberIds(scim, parent)).toEqual([users[0]]);
}, 120_000);
