// The vendor's Events API (docs/events.md): the tenant's change events in order, and a snapshot of the
// directory with the cursor to follow it from. Authenticated by a token of scope "events" (never
// Entra's): the credential alone names the tenant.
import { EVENT_TYPES, type EventType, eventResource, isEventType } from "../scim/events";
import { CursorExpired, decodeCursor, encodeCursor, readEvents } from "../events/feed";
import { type LogPosition, tenantPartition } from "../store";
import { ApiError } from "./api-error";
import { directoryOf } from "./tenant";
import type { Handler, HandlerContext, ScimResponse } from "./types";

const JSON_TYPE = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" };
const MAX_LIMIT = 1000;
const MAX_WAIT_SECONDS = 30;
/** While long-polling, how often a reader looks for events other instances sequenced. */
const POLL_MS = 1000;

function tenantKey(ctx: HandlerContext): string {
  const key = ctx.tenant?.key;
  if (!key) throw new ApiError(401, "unauthorized", "An events token is required.");
  return key;
}

function intParam(ctx: HandlerContext, name: string, fallback: number, min: number, max: number): number {
  const raw = ctx.req.url.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw ApiError.badRequest(`invalid_${name}`, `${name} must be a whole number from ${min} to ${max}.`);
  return Number(raw);
}

function cursorParam(ctx: HandlerContext, name: string): LogPosition | undefined {
  const raw = ctx.req.url.searchParams.get(name);
  if (raw === null || raw === "") return undefined;
  const position = decodeCursor(raw);
  if (!position) throw ApiError.badRequest("invalid_cursor", `${name} is not a cursor this API returned.`);
  return position;
}

function typesParam(ctx: HandlerContext): ReadonlySet<EventType> | undefined {
  const raw = ctx.req.url.searchParams.getAll("types").flatMap((v) => v.split(","));
  const names = raw.map((t) => t.trim()).filter((t) => t !== "");
  if (names.length === 0) return undefined;
  const unknown = names.find((t) => !isEventType(t));
  if (unknown !== undefined) throw ApiError.badRequest("invalid_types", `Unknown event type '${unknown}'; the types are ${EVENT_TYPES.join(", ")}.`);
  return new Set(names as EventType[]);
}

const expired = (e: CursorExpired) =>
  new ApiError(410, "cursor_expired", `This cursor's events (${e.period}) are past the retention period; start again from GET /events/snapshot.`);

/**
 * GET /events?after=&limit=&types=&wait= — the events after the cursor (the oldest retained when absent),
 * oldest first. Reading at the end of the log first sequences what has committed, so nothing waits for a
 * nudge; with `wait`, an empty answer is held up to that many seconds until events arrive.
 */
export const listEvents: Handler = async (ctx) => {
  const key = tenantKey(ctx);
  const after = cursorParam(ctx, "after");
  const limit = intParam(ctx, "limit", 100, 1, MAX_LIMIT);
  const waitSeconds = intParam(ctx, "wait", 0, 0, MAX_WAIT_SECONDS);
  const types = typesParam(ctx);
  const deadline = Date.now() + waitSeconds * 1000;
  const options = { limit, ...(types ? { types } : {}), baseUrl: ctx.baseUrl };
  try {
    let page = await readEvents(ctx.events.log, key, after, options);
    if (page.atEnd && page.events.length < limit) {
      await ctx.events.sequence(key);
      page = await readEvents(ctx.events.log, key, after, options);
    }
    while (page.events.length === 0 && page.atEnd && Date.now() < deadline) {
      if (!(await ctx.events.waitForEvents(key, Math.min(POLL_MS, deadline - Date.now())))) break; // shutting down: answer what there is
      await ctx.events.sequence(key);
      page = await readEvents(ctx.events.log, key, decodeCursor(page.cursor), options);
    }
    const headers = { ...JSON_TYPE, "x-storage-round-trips": String(page.trips) };
    return { status: 200, headers, body: { data: page.events, cursor: page.cursor, hasMore: !page.atEnd } };
  } catch (e) {
    if (e instanceof CursorExpired) throw expired(e);
    throw e;
  }
};

type Phase = "users" | "groups" | "members";
interface SnapshotToken {
  /** The events cursor the snapshot continues into (fixed at its first page). */
  c: string;
  p: Phase;
  /** The last user / group id returned in this phase; for members, the last member of group `g`. */
  a?: string;
  g?: string;
}

function encodeToken(t: SnapshotToken): string {
  return Buffer.from(JSON.stringify(t), "utf8").toString("base64url");
}

function decodeToken(raw: string): SnapshotToken {
  try {
    const t = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Partial<SnapshotToken>;
    if (typeof t.c === "string" && decodeCursor(t.c) && (t.p === "users" || t.p === "groups" || t.p === "members")) return t as SnapshotToken;
  } catch {
    // not ours
  }
  throw ApiError.badRequest("invalid_page", "page is not a token this API returned.");
}

/**
 * GET /events/snapshot?limit=&page= — the directory as pages of users, then groups, then memberships,
 * and the events cursor to continue from. The cursor is taken first (after sequencing what has
 * committed), so every change before the snapshot began is in it, and every change after the cursor
 * is in the Events API (it may be in the snapshot too: apply events by meta.version, docs/events.md).
 */
export const snapshot: Handler = async (ctx): Promise<ScimResponse> => {
  const key = tenantKey(ctx);
  const limit = intParam(ctx, "limit", 500, 1, MAX_LIMIT);
  const pageParam = ctx.req.url.searchParams.get("page");
  let token: SnapshotToken;
  if (pageParam) token = decodeToken(pageParam);
  else {
    await ctx.events.sequence(key);
    token = { c: encodeCursor(await ctx.events.log.head(tenantPartition(key))), p: "users" };
  }
  const dir = await directoryOf(ctx);
  const data: unknown[] = [];
  let next: SnapshotToken | undefined = token;
  while (next && data.length < limit) {
    const room = limit - data.length;
    if (next.p === "users") {
      const users = await dir.users.page(next.a, room);
      for (const u of users) data.push({ object: "user", resource: eventResource("User", u, ctx.baseUrl) });
      const lastUser = users[users.length - 1];
      next = users.length < room || !lastUser ? { c: token.c, p: "groups" } : { c: token.c, p: "users", a: lastUser.id };
    } else if (next.p === "groups") {
      const groups = await dir.groups.page(next.a, room);
      for (const g of groups) data.push({ object: "group", resource: eventResource("Group", g, ctx.baseUrl) });
      const lastGroup = groups[groups.length - 1];
      next = groups.length < room || !lastGroup ? { c: token.c, p: "members" } : { c: token.c, p: "groups", a: lastGroup.id };
    } else {
      // Memberships of each group in id order: resume inside group `g` after member `a`.
      const groupId: string | undefined = next.g ?? (await dir.groups.idAfter(undefined));
      if (groupId === undefined) {
        next = undefined;
        break;
      }
      const members = await dir.groups.membersPage(groupId, next.a, room);
      const pending = members.some((m) => m.type === "Group") ? await dir.groups.pendingDeletions() : new Set<string>();
      for (const m of members) if (!pending.has(m.value)) data.push({ object: "membership", group: groupId, member: { value: m.value, type: m.type } });
      const lastMember = members[members.length - 1];
      if (members.length === room && lastMember) next = { c: token.c, p: "members", g: groupId, a: lastMember.value };
      else {
        const after = await dir.groups.idAfter(groupId);
        next = after === undefined ? undefined : { c: token.c, p: "members", g: after };
      }
    }
  }
  // `sequence`: the last event the cursor has passed, so a consumer can stamp snapshot items with it
  // and tell them from older events (webhooks) without reading the cursor, which is opaque.
  const sequence = decodeCursor(token.c)?.seq ?? 0;
  return { status: 200, headers: JSON_TYPE, body: { cursor: token.c, sequence, data, next: next ? encodeToken(next) : null } };
};
