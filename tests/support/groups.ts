// Group test helpers: Entra-shaped group bodies, member PATCHes in both dialects, seeding users in
// bulk, and reading a group's members (the full read is streamed by the server).
import { CORE_GROUP, ScimClient, entraUser, patchOp } from "./scim-client";

export const ADSCIM_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

let counter = 0;
/** The group POST Entra sends (§1.10), with the extra ADSCIM URN and `"members": []`. */
export function entraGroup(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const n = `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return {
    schemas: [CORE_GROUP, ADSCIM_GROUP],
    externalId: `grp-${n}`,
    displayName: `Group ${n}`,
    meta: { resourceType: "Group" },
    members: [],
    ...overrides,
  };
}

/** Entra's member add (§1.14): `{"op":"Add","path":"members","value":[{"$ref":null,"value":id}…]}`. */
export const addMembers = (...ids: string[]) => patchOp({ op: "Add", path: "members", value: ids.map((value) => ({ $ref: null, value })) });

/** Default dialect removal (§1.15): a value array. */
export const removeMembersByValue = (...ids: string[]) => patchOp({ op: "Remove", path: "members", value: ids.map((value) => ({ $ref: null, value })) });

/** aadOptscim062020 removal (§1.15): a path filter, one operation per member. */
export const removeMembersByPath = (...ids: string[]) => patchOp(...ids.map((id) => ({ op: "remove", path: `members[value eq "${id}"]` })));

/** Creates n users with bounded parallelism; returns their ids in creation order (a tuple for 1 to 3 users). */
export async function seedUsers(scim: ScimClient, n: 1, parallel?: number): Promise<[string]>;
export async function seedUsers(scim: ScimClient, n: 2, parallel?: number): Promise<[string, string]>;
export async function seedUsers(scim: ScimClient, n: 3, parallel?: number): Promise<[string, string, string]>;
export async function seedUsers(scim: ScimClient, n: number, parallel?: number): Promise<string[]>;
export async function seedUsers(scim: ScimClient, n: number, parallel = 16): Promise<string[]> {
  const ids = new Array<string>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, n) }, async () => {
      while (next < n) {
        const i = next++;
        const reply = await scim.post("/Users", entraUser());
        if (reply.status !== 201) throw new Error(`seeding user ${i}: ${reply.status} ${JSON.stringify(reply.body)}`);
        ids[i] = reply.body.id;
      }
    }),
  );
  return ids;
}

export async function createGroup(scim: ScimClient, overrides: Record<string, unknown> = {}): Promise<string> {
  const reply = await scim.post("/Groups", entraGroup(overrides));
  if (reply.status !== 201) throw new Error(`creating group: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.id;
}

/** The member ids of a group, sorted (full GET /Groups/{id}). */
export async function memberIds(scim: ScimClient, groupId: string): Promise<string[]> {
  const reply = await scim.get(`/Groups/${groupId}`);
  if (reply.status !== 200) throw new Error(`reading group: ${reply.status}`);
  return ((reply.body.members ?? []) as Array<{ value: string }>).map((m) => m.value).sort();
}

/** The group ids a user belongs to, sorted (User.groups, read from the reverse membership rows). */
export async function groupIdsOf(scim: ScimClient, userId: string): Promise<string[]> {
  const reply = await scim.get(`/Users/${userId}?attributes=groups`);
  if (reply.status !== 200) throw new Error(`reading user: ${reply.status}`);
  return ((reply.body.groups ?? []) as Array<{ value: string }>).map((g) => g.value).sort();
}
