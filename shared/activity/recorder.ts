// The request side of the activity log: told about every finished request by the pipeline (after the
// answer is produced), it counts SCIM traffic per tenant and hour in memory and keeps an entry for each
// refused or failed request and each request whose attributes were ignored. Nothing is written while a
// request waits: a flush every few seconds writes what gathered, one transaction per tenant and day
// (entries and this instance's hour counters together). A crash loses at most the last interval's
// entries and counts; the writes themselves come from their events (deliverer.ts) and are not lost.
import type { ActivityEntry, ActivityLog, HourCounters } from "../store";
import { hourOf } from "../store";
import { ignoredReason, refusalOf, safeName } from "./reasons";
import type { UserHasher } from "./user-hash";

/** What the pipeline reports of a finished request (no body is kept; `body` is read only to hash a userName). */
export interface RequestOutcome {
  requestId: string;
  route: string;
  /** The route's template (`scim/v2/Users/{id}`); only SCIM routes are activity. */
  routeTemplate?: string;
  method: string;
  status: number;
  scimType?: string;
  /** The authenticated tenant, if any. */
  tenant?: string;
  /** The credential id an unauthenticated request's token names (unverified): its tenant, once looked up, gets the entry. */
  claimedCredential?: string;
  /** The route's {id}. */
  resourceId?: string;
  ignored: readonly string[];
  rejected?: "required";
  /** The tenant policy's required paths (to word a required-attribute refusal). */
  requiredPaths?: readonly string[];
  /** What was thrown (classified into a reason of ours; its detail text is never kept). */
  error?: unknown;
  body?: string;
  startedAt: number;
  endedAt: number;
}

export interface RecorderOptions {
  log: ActivityLog;
  hasher: UserHasher;
  /** The tenant of a credential id (static token or OAuth client), for refusals before authentication. */
  tenantOfCredential: (id: string) => Promise<string | undefined>;
  /** Where a failed flush is reported. */
  onError: (line: string) => void;
  flushMs?: number;
  instance: string;
  now?: () => number;
}

const WRITES = new Set(["createUser", "replaceUser", "patchUser", "deleteUser", "createGroup", "replaceGroup", "patchGroup", "deleteGroup"]);
/** Entra looks objects up by id and expects 404 for one it deleted: not a failure of the sync. */
const LOOKUPS = new Set(["getUser", "getGroup"]);
/** Entries kept in memory at most between flushes (a storage outage must not grow the heap without end). */
const MAX_PENDING = 5000;
const HOURS_KEPT = 3;

interface Pending {
  outcome: RequestOutcome;
  entry: ActivityEntry;
}

export class ActivityRecorder {
  private pending: Pending[] = [];
  private unattributed: RequestOutcome[] = [];
  /** tenant → hour → this instance's counters. */
  private readonly counters = new Map<string, Map<string, HourCounters>>();
  private readonly dirty = new Set<string>();
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  dropped = 0;
  private readonly now: () => number;

  constructor(private readonly o: RecorderOptions) {
    this.now = o.now ?? Date.now;
  }

  /** The pipeline's observer: synchronous and cheap (counting and a push); the flush does the rest. */
  finished(r: RequestOutcome): void {
    if (!r.routeTemplate?.startsWith("scim/v2")) return;
    if (!r.tenant && !r.claimedCredential) return;
    // The body is kept (until the flush) only where it may carry a userName to hash.
    if (r.body !== undefined && !(r.status >= 400 && (r.method === "POST" || r.method === "PUT"))) r = { ...r, body: undefined };
    if (r.tenant) this.count(r.tenant, r);
    else this.unattributed.push(r);
    if (r.status >= 400 || r.ignored.length > 0) {
      if (r.tenant) this.pending.push({ outcome: r, entry: entryOf(r) });
    }
    if (this.pending.length + this.unattributed.length > MAX_PENDING) {
      const over = this.pending.length + this.unattributed.length - MAX_PENDING;
      this.dropped += over;
      this.pending.splice(0, Math.min(over, this.pending.length));
      this.unattributed.splice(0, Math.max(0, over - this.pending.length));
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.o.flushMs ?? 2000);
    this.timer.unref();
  }

  private count(tenant: string, r: RequestOutcome): void {
    const hour = hourOf(r.endedAt);
    const mine = this.counters.get(tenant) ?? new Map<string, HourCounters>();
    this.counters.set(tenant, mine);
    const c = mine.get(hour) ?? { requests: 0, failures: 0, statuses: {}, reasons: {}, ignored: {}, rejected: {} };
    mine.set(hour, c);
    const at = new Date(r.endedAt).toISOString();
    c.requests++;
    c.statuses[String(r.status)] = (c.statuses[String(r.status)] ?? 0) + 1;
    if (r.status >= 400 && !(r.status === 404 && LOOKUPS.has(r.route))) c.failures++;
    if (r.status >= 400) {
      const { reason, attributes } = refusalOf(r.error, r.status, r.requiredPaths);
      c.reasons[reason] = (c.reasons[reason] ?? 0) + 1;
      if (r.rejected === "required") for (const a of attributes) c.rejected[a] = (c.rejected[a] ?? 0) + 1;
    }
    for (const name of new Set(r.ignored)) c.ignored[safeName(name)] = (c.ignored[safeName(name)] ?? 0) + 1;
    if (!c.lastRequestAt || at >= c.lastRequestAt) {
      c.lastRequestAt = at;
      c.lastRequest = { route: r.route, status: r.status };
    }
    if (WRITES.has(r.route) && r.status < 300) c.lastWriteAt = at;
    this.dirty.add(tenant);
  }

  /** Writes what gathered (one flush at a time; a second call waits for the one under way, then runs). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.flushNow().finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private async flushNow(): Promise<void> {
    const unattributed = this.unattributed;
    this.unattributed = [];
    for (const r of unattributed) {
      const tenant = await this.o.tenantOfCredential(r.claimedCredential ?? "").catch(() => undefined);
      if (!tenant) continue;
      const attributed = { ...r, tenant };
      this.count(tenant, attributed);
      this.pending.push({ outcome: attributed, entry: entryOf(attributed) });
    }
    const pending = this.pending;
    this.pending = [];
    const byTenant = new Map<string, ActivityEntry[]>();
    for (const { outcome, entry } of pending) {
      const hash = await userNameHash(this.o.hasher, outcome);
      const list = byTenant.get(outcome.tenant ?? "") ?? [];
      list.push(hash ? { ...entry, userHash: hash } : entry);
      byTenant.set(outcome.tenant ?? "", list);
    }
    const tenants = new Set([...byTenant.keys(), ...this.dirty]);
    this.dirty.clear();
    const oldest = hourOf(this.now() - HOURS_KEPT * 3_600_000);
    for (const tenant of tenants) {
      const hours = [...(this.counters.get(tenant) ?? new Map<string, HourCounters>()).entries()].map(([hour, counters]) => ({ hour, counters }));
      try {
        await this.o.log.write(tenant, byTenant.get(tenant) ?? [], hours, this.o.instance);
      } catch (e) {
        this.dropped += byTenant.get(tenant)?.length ?? 0;
        this.dirty.add(tenant); // the counters are cumulative: the next flush writes them again
        this.o.onError(JSON.stringify({ event: "activity.flush-failed", tenant, reason: e instanceof Error ? e.message : String(e) }));
      }
      const mine = this.counters.get(tenant);
      for (const hour of [...(mine?.keys() ?? [])]) if (hour < oldest) mine?.delete(hour);
    }
  }

  /** Flushes and stops the timer (a host stopping). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}

function entryOf(r: RequestOutcome): ActivityEntry {
  const refused = r.status >= 400 ? refusalOf(r.error, r.status, r.requiredPaths) : undefined;
  const ignored = [...new Set(r.ignored)].map(safeName);
  const reason = refused?.reason ?? ignoredReason(r.ignored[0] ?? "") + (ignored.length > 1 ? ` (and ${ignored.length - 1} more)` : "");
  const attributes = [...new Set([...(refused?.attributes ?? []), ...ignored])];
  const resourceType = /^scim\/v2\/Users/.test(r.routeTemplate ?? "") ? "User" : /^scim\/v2\/Groups/.test(r.routeTemplate ?? "") ? "Group" : undefined;
  return {
    at: new Date(r.endedAt).toISOString(),
    kind: "request",
    requestId: r.requestId,
    route: r.route,
    method: r.method,
    status: r.status,
    ...(r.scimType ? { scimType: r.scimType } : {}),
    ...(resourceType ? { resourceType } : {}),
    ...(r.resourceId && /^[A-Za-z0-9-]{1,64}$/.test(r.resourceId) ? { resourceId: r.resourceId } : {}),
    ...(attributes.length > 0 ? { attributes } : {}),
    reason,
    ms: r.endedAt - r.startedAt,
  };
}

/** A refused user create or replace: the keyed hash of the userName it carried, so `--user` finds it. */
async function userNameHash(hasher: UserHasher, r: RequestOutcome): Promise<string | undefined> {
  if (r.body === undefined || !/^scim\/v2\/Users$|^scim\/v2\/Users\/\{id\}$/.test(r.routeTemplate ?? "") || (r.method !== "POST" && r.method !== "PUT")) return;
  try {
    const userName = (JSON.parse(r.body) as { userName?: unknown }).userName;
    return typeof userName === "string" && userName !== "" ? await hasher.hash(userName) : undefined;
  } catch {
    return undefined;
  }
}
