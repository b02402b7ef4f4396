// The mirror: users, groups and memberships as the consumer keeps them, and the two pure functions that
// change it (applySnapshotItem, applyEvent). No I/O: the same functions serve the Events API follower,
// the webhook receiver and tests. Each returns a new mirror and leaves the one it was given untouched.
//
// Idempotent and order-tolerant: every user, group and (group, member) pair remembers the highest event
// sequence applied to it, and an event at or below that is ignored. So a duplicate (a webhook retry, the
// same event from the API and a webhook, a page read twice after a crash) changes nothing, and an old
// event arriving after a newer one cannot undo it. A deletion leaves a tombstone with its sequence, so a
// late update or member event of a deleted resource cannot bring it back.

/** One event as the Events API returns it and webhooks carry it (docs/events.md). */
export interface ChangeEvent {
  id: string;
  type: string;
  sequence: number;
  tenant: string;
  timestamp: string;
  data: {
    resourceType: "User" | "Group";
    id: string;
    version?: string;
    changed?: string[];
    resource?: Resource;
    member?: { value: string; type?: "User" | "Group" };
  };
}

/** One item of GET /events/snapshot. */
export type SnapshotItem =
  { object: "user" | "group"; resource: Resource } | { object: "membership"; group: string; member: { value: string; type?: "User" | "Group" } };

/** A SCIM resource as returned by GET /Users/{id} (groups without members). */
export type Resource = { id: string; meta?: { version?: string } } & Record<string, unknown>;

export interface ResourceState {
  /** The highest sequence applied to this resource. */
  sequence: number;
  version?: string;
  /** Absent on a tombstone. */
  resource?: Resource;
  deleted?: true;
}

export interface MembershipState {
  sequence: number;
  present: boolean;
  type?: "User" | "Group";
}

export interface Mirror {
  /** Where to continue the Events API: saved only with the state it leads to. */
  cursor?: string;
  users: Record<string, ResourceState>;
  groups: Record<string, ResourceState>;
  /** Keyed by `<group id> <member id>`. */
  memberships: Record<string, MembershipState>;
}

export const emptyMirror = (): Mirror => ({ users: {}, groups: {}, memberships: {} });

const pairKey = (group: string, member: string) => `${group} ${member}`;
const groupOfKey = (key: string) => key.slice(0, key.indexOf(" "));
const memberOfKey = (key: string) => key.slice(key.indexOf(" ") + 1);

/**
 * A snapshot item, stamped with the snapshot's `sequence` (the last event its cursor has passed): every
 * event after the cursor is applied on top of it (those the snapshot already showed are applied again,
 * in order, and the last one leaves what the snapshot showed); older events are ignored.
 */
export function applySnapshotItem(mirror: Mirror, item: SnapshotItem, snapshotSequence: number): Mirror {
  if (item.object === "membership") return setMembership(mirror, item.group, item.member, snapshotSequence, true);
  const kind = item.object === "user" ? "users" : "groups";
  const held = mirror[kind][item.resource.id];
  if (held && held.sequence > snapshotSequence) return mirror;
  const state: ResourceState = { sequence: snapshotSequence, resource: item.resource, ...versionOf(item.resource.meta?.version) };
  return { ...mirror, [kind]: { ...mirror[kind], [item.resource.id]: state } };
}

/** One event. Events at or below what the mirror holds for that resource (or pair) change nothing. */
export function applyEvent(mirror: Mirror, event: ChangeEvent): Mirror {
  const { data } = event;
  if (event.type === "group.member_added" || event.type === "group.member_removed") {
    if (!data.member) return mirror;
    return setMembership(mirror, data.id, data.member, event.sequence, event.type === "group.member_added");
  }
  const kind = data.resourceType === "User" ? "users" : "groups";
  const held = mirror[kind][data.id];
  if (held && held.sequence >= event.sequence) return mirror;
  if (event.type === "user.deleted" || event.type === "group.deleted") return remove(mirror, kind, data.id, event.sequence);
  if (!data.resource) return mirror;
  const state: ResourceState = { sequence: event.sequence, resource: data.resource, ...versionOf(data.version) };
  return { ...mirror, [kind]: { ...mirror[kind], [data.id]: state } };
}

function setMembership(mirror: Mirror, group: string, member: { value: string; type?: "User" | "Group" }, sequence: number, present: boolean): Mirror {
  // A member event older than the deletion of its group or its member is history: the deletion ended it.
  if (deletedAfter(mirror.groups[group], sequence) || deletedAfter(mirror.users[member.value], sequence) || deletedAfter(mirror.groups[member.value], sequence))
    return mirror;
  const key = pairKey(group, member.value);
  const held = mirror.memberships[key];
  if (held && held.sequence >= sequence) return mirror;
  const type = member.type ?? held?.type;
  return { ...mirror, memberships: { ...mirror.memberships, [key]: { sequence, present, ...typeOf(type) } } };
}

const deletedAfter = (state: ResourceState | undefined, sequence: number) => state?.deleted === true && state.sequence > sequence;

/** A tombstone, and every membership of the resource (as member; for a group also as parent) ended at its sequence. */
function remove(mirror: Mirror, kind: "users" | "groups", id: string, sequence: number): Mirror {
  const memberships = { ...mirror.memberships };
  for (const [key, m] of Object.entries(memberships)) {
    const involved = memberOfKey(key) === id || (kind === "groups" && groupOfKey(key) === id);
    if (involved && m.sequence < sequence) memberships[key] = { ...m, sequence, present: false };
  }
  return { ...mirror, [kind]: { ...mirror[kind], [id]: { sequence, deleted: true } }, memberships };
}

const versionOf = (version: string | undefined) => (version === undefined ? {} : { version });
const typeOf = (type: "User" | "Group" | undefined) => (type === undefined ? {} : { type });

/** The directory the mirror holds: live users and groups, and each group's present members (sorted ids). */
export function directoryOf(mirror: Mirror): { users: Resource[]; groups: Array<Resource & { memberIds: string[] }> } {
  const live = (states: Record<string, ResourceState>) =>
    Object.values(states)
      .map((s) => s.resource)
      .filter((r): r is Resource => r !== undefined)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  const members = new Map<string, string[]>();
  for (const [key, m] of Object.entries(mirror.memberships)) {
    if (!m.present) continue;
    const list = members.get(groupOfKey(key)) ?? [];
    list.push(memberOfKey(key));
    members.set(groupOfKey(key), list);
  }
  return { users: live(mirror.users), groups: live(mirror.groups).map((g) => ({ ...g, memberIds: (members.get(g.id) ?? []).sort() })) };
}
