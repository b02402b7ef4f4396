// The write side of the activity log: a Deliverer the dispatcher runs after it sequences a tenant's
// events. With a cursor of its own (Q:activity, beside the event log's pointer) it turns each sequenced
// change into an activity entry (type, resource id, changed attribute names, the userName's keyed hash)
// and keeps the tenant's object counts from the same events, so the status page reads counts in one
// point read instead of counting 100,000 rows. The counts are exact from the events when the log holds
// the tenant's whole history; otherwise they are taken from the rows once, and memberships are counted
// again an hour after a group's deletion (its one event does not say how many members went with it). Entries are upserts keyed by sequence number, so a run repeated
// after a crash or by a second instance writes the same rows again, never new ones.
import type { ActivityEntry, ActivityLog, ActivityState, EventLog, ObjectCounts, SequencedEntry } from "../store";
import { CursorExpired, tenantPartition } from "../store";
import { nthEventId } from "../scim/events";
import type { Deliverer } from "../events/dispatcher";
import type { UserHasher } from "./user-hash";

export interface ActivityDelivererOptions {
  activity: ActivityLog;
  events: EventLog;
  hasher: UserHasher;
  instance: string;
  now?: () => number;
}

const PAGE = 100;
const PAGES_PER_RUN = 20;
const MEMBERSHIP_CENSUS_AFTER_MS = 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;

export class ActivityDeliverer implements Deliverer {
  readonly name = "activity";
  private lastPrune = 0;
  private readonly now: () => number;

  constructor(private readonly o: ActivityDelivererOptions) {
    this.now = o.now ?? Date.now;
  }

  async deliver(tenantKey: string): Promise<void> {
    await this.pruneNow();
    const pk = tenantPartition(tenantKey);
    let state = (await this.o.activity.state(tenantKey)) ?? (await this.save(tenantKey, await this.initial(tenantKey)));
    if (!state) return; // another instance began at the same moment
    const recounted = await this.recount(tenantKey, state);
    if (recounted !== state) state = await this.save(tenantKey, recounted);
    if (!state) return;
    for (let page = 0; page < PAGES_PER_RUN; page++) {
      let read;
      try {
        read = await this.o.events.read(pk, { period: state.period, seq: state.seq }, PAGE);
      } catch (e) {
        if (!(e instanceof CursorExpired)) throw e;
        // The cursor fell behind the retention (the deliverer was stopped for longer): on from the oldest retained day, counted afresh.
        state = { ...state, ...(await this.o.events.start(pk)), ...(await this.census(tenantKey)) };
        continue;
      }
      if (read.entries.length === 0) {
        if (read.position.period !== state.period) await this.save(tenantKey, { ...state, ...read.position });
        return;
      }
      const entries: ActivityEntry[] = [];
      const counts = { ...state.counts };
      let membershipsStale = state.membershipsStale ?? false;
      let staleSince = state.membershipsStaleSince;
      for (const s of read.entries) {
        entries.push(...(await this.entriesOf(s)));
        if (s.first > (state.countedTo ?? 0) && apply(counts, s)) {
          membershipsStale = true;
          staleSince ??= new Date(this.now()).toISOString();
        }
      }
      await this.o.activity.write(tenantKey, entries, [], this.o.instance);
      const next: ActivityState = {
        ...state,
        ...read.position,
        counts,
        membershipsStale,
        ...(staleSince ? { membershipsStaleSince: staleSince } : {}),
        countedTo: Math.max(state.countedTo ?? 0, read.position.seq),
      };
      const saved = await this.save(tenantKey, next);
      if (!saved) return; // another instance moved the cursor: it carries on (the rows written are the same)
      state = saved;
    }
  }

  /**
   * The cursor starts at the oldest retained event (every retained write gets its entry). When the log
   * holds the tenant's whole history (it starts at sequence 1), the counts come from the events alone and
   * are exact; otherwise they are counted from the rows first, and events up to the head after that count
   * are not applied again.
   */
  private async initial(tenantKey: string): Promise<ActivityState> {
    const pk = tenantPartition(tenantKey);
    const start = await this.o.events.start(pk);
    if (start.seq === 0)
      return { ...start, counts: { usersActive: 0, usersDisabled: 0, groups: 0, memberships: 0 }, censusAt: new Date(this.now()).toISOString(), countedTo: 0 };
    return { ...start, ...(await this.census(tenantKey)) };
  }

  private async census(tenantKey: string): Promise<Pick<ActivityState, "counts" | "censusAt" | "countedTo" | "membershipsStale">> {
    const counts = (await this.o.activity.census(tenantKey)) as ObjectCounts;
    const head = await this.o.events.head(tenantPartition(tenantKey));
    return { counts, censusAt: new Date(this.now()).toISOString(), countedTo: head.seq, membershipsStale: false };
  }

  /** Memberships counted again from the rows an hour after a group was deleted (its one event does not say how many went). */
  private async recount(tenantKey: string, state: ActivityState): Promise<ActivityState> {
    if (!state.membershipsStale || this.now() - Date.parse(state.membershipsStaleSince ?? state.censusAt) < MEMBERSHIP_CENSUS_AFTER_MS) return state;
    const { memberships = state.counts.memberships } = await this.o.activity.census(tenantKey, "memberships");
    const head = await this.o.events.head(tenantPartition(tenantKey));
    return {
      ...state,
      counts: { ...state.counts, memberships },
      membershipsStale: false,
      membershipsStaleSince: undefined,
      countedTo: Math.max(head.seq, state.countedTo ?? 0),
    };
  }

  private async save(tenantKey: string, state: ActivityState): Promise<ActivityState | undefined> {
    if (!(await this.o.activity.saveState(tenantKey, state))) return undefined;
    return this.o.activity.state(tenantKey);
  }

  private async entriesOf(s: SequencedEntry): Promise<ActivityEntry[]> {
    const out: ActivityEntry[] = [];
    let n = 0;
    for (const change of s.entry.changes) {
      const base = { at: s.entry.at, kind: "write" as const, sequence: s.first + n, eventId: nthEventId(s.entry.id, n), event: change.type };
      if ("members" in change) {
        out.push({ ...base, resourceType: "Group", resourceId: change.group, members: change.members.length });
        n += change.members.length;
        continue;
      }
      const userName = change.resourceType === "User" ? change.resource.doc.userName : undefined;
      out.push({
        ...base,
        resourceType: change.resourceType,
        resourceId: change.resource.id,
        ...(change.changed && change.changed.length > 0 ? { attributes: change.changed } : {}),
        ...(typeof userName === "string" ? { userHash: await this.o.hasher.hash(userName) } : {}),
      });
      n++;
    }
    return out;
  }

  private async pruneNow(): Promise<void> {
    if (this.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = this.now();
    await this.o.activity.prune();
  }
}

/** Applies one sequenced entry's changes to the counts; true when a group was deleted (memberships unknown). */
function apply(c: ObjectCounts, s: SequencedEntry): boolean {
  let groupDeleted = false;
  const bump = (k: keyof ObjectCounts, by: number) => (c[k] = Math.max(0, c[k] + by));
  for (const change of s.entry.changes) {
    if ("members" in change) {
      bump("memberships", change.type === "group.member_added" ? change.members.length : -change.members.length);
      continue;
    }
    const disabled = change.resource.doc.active === false;
    switch (change.type) {
      case "user.created":
        bump(disabled ? "usersDisabled" : "usersActive", 1);
        break;
      case "user.deactivated":
        bump("usersActive", -1);
        bump("usersDisabled", 1);
        break;
      case "user.reactivated":
        bump("usersDisabled", -1);
        bump("usersActive", 1);
        break;
      case "user.deleted":
        bump(disabled ? "usersDisabled" : "usersActive", -1);
        break;
      case "group.created":
        bump("groups", 1);
        break;
      case "group.deleted":
        bump("groups", -1);
        groupDeleted = true;
        break;
      default:
        break;
    }
  }
  return groupDeleted;
}
