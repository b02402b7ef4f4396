// The change events a tenant's directory produces: the catalogue, what one transaction records (its
// outbox entry), and how a recorded entry becomes the events a consumer sees. Pure: no I/O.
//
// One transaction records one outbox entry; the entry may stand for many events (a chunk of 49 member
// adds is one entry and 49 `group.member_added` events). The sequencer gives each entry a contiguous
// range of the tenant's sequence numbers, one per event, so the fan-out happens when events are read or
// delivered, never in the write path.
import type { ScimObject } from "./coerce";
import { GROUP, USER } from "./resource-types";
import { type StoredResource, render, versionTag } from "./resource";

export const EVENT_TYPES = [
  "user.created",
  "user.updated",
  "user.deactivated",
  "user.reactivated",
  "user.deleted",
  "group.created",
  "group.updated",
  "group.deleted",
  "group.member_added",
  "group.member_removed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export type ResourceEventType = Exclude<EventType, "group.member_added" | "group.member_removed">;
export type MemberEventType = Extract<EventType, "group.member_added" | "group.member_removed">;

export const isEventType = (s: string): s is EventType => (EVENT_TYPES as readonly string[]).includes(s);

export interface EventMember {
  value: string;
  /** "User" or "Group"; absent on a removal whose member's kind the writer did not read (PATCH remove by id). */
  type?: "User" | "Group";
}

/** What one transaction records about a resource's own change (its state after, or for a delete its last state). */
export interface ResourceChange {
  type: ResourceEventType;
  resourceType: "User" | "Group";
  resource: StoredResource;
  /** Attribute paths whose value changed (updates, deactivations, reactivations). */
  changed?: string[];
}

/** What one transaction records about a group's member changes (the pairs that transaction holds). */
export interface MemberChange {
  type: MemberEventType;
  group: string;
  /** The group's meta.version after this transaction, when the transaction renewed it. */
  version?: string;
  members: EventMember[];
}

export type RecordedChange = ResourceChange | MemberChange;

/** An outbox entry: the changes of one transaction, in order, with the moment they were made. */
export interface OutboxEntry {
  /** `evt_…`: stable; the id of its first event (and of the only one, usually). */
  id: string;
  /** ISO time the writer made the change. */
  at: string;
  changes: RecordedChange[];
}

/** How many events an entry stands for. */
export const eventCount = (entry: OutboxEntry): number => entry.changes.reduce((n, c) => n + ("members" in c ? c.members.length : 1), 0);

/** The public shape of one event (the Events API item and the webhook body alike). */
export interface ChangeEvent {
  id: string;
  type: EventType;
  /** The tenant's gap-free sequence number: the cursor position of this event. */
  sequence: number;
  tenant: string;
  /** When the change was made (RFC 3339). */
  timestamp: string;
  data: EventData;
}

export interface EventData {
  resourceType: "User" | "Group";
  /** The user's or group's id (for member events, the group's). */
  id: string;
  /** meta.version after the change (as in the ETag header), when known. */
  version?: string;
  /** Names of the attributes that changed (user.updated, user.deactivated, user.reactivated, group.updated). */
  changed?: string[];
  /** The resource after the change; for deletions, its last state. Groups carry no members here. */
  resource?: ScimObject;
  /** The member added or removed (member events). */
  member?: EventMember;
}

/** Event ids: time-ordered for readability, with no '.', as Standard Webhooks requires of webhook-id. */
export function eventId(now: number, random: string): string {
  return `evt_${now.toString(36).padStart(9, "0")}${random}`;
}

/** The id of the n-th event of an entry: the entry's id for the first, `<id>_<n>` for the others. */
export const nthEventId = (entryId: string, n: number) => (n === 0 ? entryId : `${entryId}_${n}`);

/**
 * The events of one sequenced entry, numbered from `first`. `baseUrl` is the SCIM base for meta.location
 * (omitted when unknown).
 */
export function expandEntry(entry: OutboxEntry, tenant: string, first: number, baseUrl: string | undefined): ChangeEvent[] {
  const out: ChangeEvent[] = [];
  let n = 0;
  const push = (type: EventType, data: EventData) => {
    out.push({ id: nthEventId(entry.id, n), type, sequence: first + n, tenant, timestamp: entry.at, data });
    n++;
  };
  for (const change of entry.changes) {
    if ("members" in change) {
      for (const member of change.members) {
        push(change.type, {
          resourceType: "Group",
          id: change.group,
          ...(change.version ? { version: versionTag(change.version) } : {}),
          member: member.type ? { value: member.value, type: member.type } : { value: member.value },
        });
      }
      continue;
    }
    push(change.type, {
      resourceType: change.resourceType,
      id: change.resource.id,
      version: versionTag(change.resource.version),
      ...(change.changed ? { changed: change.changed } : {}),
      resource: eventResource(change.resourceType, change.resource, baseUrl),
    });
  }
  return out;
}

/**
 * The resource as GET returns it (a group without its members): `schemas` lists the core schema and the
 * extensions it holds. Events and the snapshot carry this shape.
 */
export function eventResource(resourceType: "User" | "Group", stored: StoredResource, baseUrl: string | undefined): ScimObject {
  const type = resourceType === "User" ? USER : GROUP;
  const shaped = render(type, baseUrl ?? "", stored);
  if (baseUrl === undefined) delete (shaped.meta as ScimObject).location;
  const extensions = Object.keys(shaped).filter((k) => k.toLowerCase().startsWith("urn:") && isPlainObject(shaped[k]));
  return { schemas: [type.schema.id, ...extensions], ...shaped };
}

/**
 * The event a user's replace records: deactivated / reactivated when `active` flipped, updated when
 * anything else changed, none when nothing did (the store then writes nothing).
 */
export function userUpdateType(
  before: ScimObject,
  after: ScimObject,
  changed = changedAttributes(before, after),
): { type: ResourceEventType; changed: string[] } | undefined {
  if (changed.length === 0) return undefined;
  const was = before.active !== false;
  const is = after.active !== false;
  if (was && !is) return { type: "user.deactivated", changed };
  if (!was && is) return { type: "user.reactivated", changed };
  return { type: "user.updated", changed };
}

/**
 * Attribute paths whose value differs: top-level names, one level into complex attributes and extension
 * blocks (`name.givenName`, `urn:…:enterprise:2.0:User:department`). Names only, never values.
 */
export function changedAttributes(before: ScimObject, after: ScimObject): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of [...keys].sort()) {
    const a = before[key];
    const b = after[key];
    if (sameValue(a, b)) continue;
    if (isPlainObject(a) && isPlainObject(b)) {
      const inner = new Set([...Object.keys(a), ...Object.keys(b)]);
      const sep = key.toLowerCase().startsWith("urn:") ? ":" : ".";
      for (const k of [...inner].sort()) if (!sameValue(a[k], b[k])) out.push(`${key}${sep}${k}`);
      continue;
    }
    out.push(key);
  }
  return out;
}

const isPlainObject = (v: unknown): v is ScimObject => typeof v === "object" && v !== null && !Array.isArray(v);

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return isEmpty(a) && isEmpty(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameValue(a[k], b[k]));
  }
  return false;
}

const isEmpty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0);
