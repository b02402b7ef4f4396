// Searching a tenant's activity: by time, by status class or code, by userName (through its keyed hash,
// and then by the ids of the resources that hash was seen on, so a refused PATCH of that user is found
// too). The admin API and `npm run activity` both search through here.
import type { ActivityEntry, ActivityLog, ActivityPage } from "../store";
import type { UserHasher } from "./user-hash";

export interface ActivitySearch {
  since: number;
  until: number;
  /** "2xx", "4xx", "5xx" or a code ("409"); writes count as 2xx. */
  status?: string;
  user?: string;
  limit: number;
  after?: string;
}

export const STATUS_FILTER = /^(?:[245]xx|[1-5]\d\d)$/;

/** A duration back from now (`90m`, `24h`, `7d`) or a date-time; undefined when it is neither. */
export function parseMoment(text: string, now = Date.now()): number | undefined {
  const rel = /^(\d{1,6})([mhd])$/.exec(text);
  if (rel) return now - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as "m" | "h" | "d"];
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function statusMatches(filter: string | undefined, e: ActivityEntry): boolean {
  if (!filter) return true;
  const status = e.status ?? 200; // a write committed
  return filter.endsWith("xx") ? String(status).charAt(0) === filter.charAt(0) : String(status) === filter;
}

export async function searchActivity(log: ActivityLog, hasher: UserHasher, tenant: string, s: ActivitySearch): Promise<ActivityPage> {
  const window = { since: s.since, until: s.until, ...(s.after ? { after: s.after } : {}) };
  if (!s.user) return log.read(tenant, { ...window, limit: s.limit, match: (e) => statusMatches(s.status, e) });
  const hash = await hasher.hash(s.user);
  // The resources this userName was seen on in the window (its creates and updates carry the hash).
  const seen = await log.read(tenant, { since: s.since, until: s.until, limit: 1000, match: (e) => e.userHash === hash && e.resourceId !== undefined });
  const ids = new Set(seen.entries.map((e) => e.resourceId));
  return log.read(tenant, {
    ...window,
    limit: s.limit,
    match: (e) => (e.userHash === hash || (e.resourceType === "User" && ids.has(e.resourceId))) && statusMatches(s.status, e),
  });
}
