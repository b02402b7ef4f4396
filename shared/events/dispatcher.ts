// The dispatcher: after a write commits, a nudge names the tenant; the dispatcher sequences the
// tenant's outbox into its log, wakes the Events API's long-polls, and runs the deliverers (webhooks,
// Event Grid). Nudges are only a hint for speed: the sweeper runs the same dispatch for every tenant on
// a schedule, so a lost nudge, a crash or a failed delivery is caught up, never lost.
//
// Transports: in-process (npm start, tests: the nudge runs the dispatch on this host) or a Storage
// Queue message (Azure: a queue-triggered function runs the dispatch; functions/events.ts).
import type { Store } from "../store";
import { tenantPartition } from "../store";

/** Hands a tenant's "something committed" to whoever dispatches (in-process or a queue). */
export interface Nudger {
  nudge(tenantKey: string): Promise<void>;
  /** A nudge that arrives `ms` from now (a webhook retry coming due); transports that cannot delay leave it to the sweeper. */
  nudgeLater?(tenantKey: string, ms: number): Promise<void>;
}

/** Something that delivers a tenant's sequenced events somewhere (webhooks, Event Grid, the activity log). */
export interface Deliverer {
  readonly name: string;
  /** Delivers what is due for the tenant (new events, retries that have come due). */
  deliver(tenantKey: string): Promise<void>;
  /** Per destination: how delivery stands (the status page, /health, the CLI). */
  status?(tenantKey: string): Promise<DeliveryStatus[]>;
  /** Sends a destination's dead letters again (the status page's replay); returns how many were queued. */
  replay?(tenantKey: string, destinationId: string, selector: ReplaySelector): Promise<number>;
}

/** What to send again: the destination's dead letters. */
export interface ReplaySelector {
  deadLetters: true;
}

/** How delivery to one destination (a webhook endpoint, an Event Grid topic) stands. */
export interface DeliveryStatus {
  deliverer: string;
  /** The destination's id (e.g. a webhook endpoint id) and a label safe to show (a URL's origin, not its query). */
  id: string;
  label: string;
  state: "active" | "paused" | "disabled";
  /** Events due but not yet delivered, and the time of the oldest of them. */
  backlog: number;
  oldestUndelivered?: string;
  deadLetters: number;
  lastSuccessAt?: string;
  lastFailureAt?: string;
  /** Why the last attempt failed (a status code or a network reason; never a response body). */
  lastFailure?: string;
}

export interface DispatchLog {
  error(line: string): void;
}

export interface DispatchResult {
  tenant: string;
  /** Outbox entries appended to the log by this run. */
  sequenced: number;
  /** Deliverers that failed (their own retries handle the events; this is for the log). */
  failed: string[];
}

export class Dispatcher {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly deliverers: Deliverer[] = [];
  private readonly scheduled = new Map<string, Promise<DispatchResult>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly log: DispatchLog,
  ) {}

  /** Adds a deliverer (the composition root adds webhooks and, when configured, Event Grid). */
  use(deliverer: Deliverer): void {
    this.deliverers.push(deliverer);
  }

  /** Sequences the tenant's outbox, wakes its long-polls, then runs every deliverer. Never throws. */
  async run(tenantKey: string): Promise<DispatchResult> {
    const failed: string[] = [];
    let sequenced = 0;
    try {
      sequenced = await this.store.events.sequence(tenantPartition(tenantKey));
    } catch (e) {
      failed.push("sequencer");
      this.log.error(JSON.stringify({ event: "events.sequence-failed", tenant: tenantKey, reason: describe(e) }));
    }
    if (sequenced > 0) this.wake(tenantKey);
    for (const d of this.deliverers) {
      try {
        await d.deliver(tenantKey);
      } catch (e) {
        failed.push(d.name);
        this.log.error(JSON.stringify({ event: "events.delivery-failed", tenant: tenantKey, deliverer: d.name, reason: describe(e) }));
      }
    }
    return { tenant: tenantKey, sequenced, failed };
  }

  /**
   * Sequences the tenant's committed outbox now and wakes its long-polls, without waiting for deliveries
   * (the Events API reads at the head this way); when it appended something, a full dispatch follows.
   */
  async catchUp(tenantKey: string): Promise<void> {
    const sequenced = await this.store.events.sequence(tenantPartition(tenantKey));
    if (sequenced === 0) return;
    this.wake(tenantKey);
    if (this.closed) return;
    void this.schedule(tenantKey);
  }

  /**
   * Runs the dispatch for a tenant soon, on this host: nudges that arrive while one is pending share it,
   * and one more run follows a run that was under way (so what they committed is seen).
   */
  schedule(tenantKey: string): Promise<DispatchResult> {
    if (this.closed) return Promise.resolve({ tenant: tenantKey, sequenced: 0, failed: [] });
    const pending = this.scheduled.get(tenantKey);
    if (pending) return pending;
    const run = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.scheduled.delete(tenantKey);
      return this.track(this.run(tenantKey));
    });
    this.scheduled.set(tenantKey, run);
    return run;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }

  /** Stops scheduling, ends the long-polls, and waits for the dispatches under way (a host shutting down). */
  async close(): Promise<void> {
    this.closed = true;
    for (const set of [...this.waiters.values()]) for (const w of [...set]) w();
    while (this.scheduled.size > 0 || this.inFlight.size > 0) await Promise.allSettled([...this.scheduled.values(), ...this.inFlight]);
  }

  /** The sweep: every tenant's dispatch, then the expired days dropped. */
  async sweep(tenantKeys: readonly string[]): Promise<DispatchResult[]> {
    const results: DispatchResult[] = [];
    for (const t of tenantKeys) results.push(await this.run(t));
    try {
      await this.store.events.prune();
    } catch (e) {
      this.log.error(JSON.stringify({ event: "events.prune-failed", reason: describe(e) }));
    }
    return results;
  }

  /** Every deliverer's destinations for the tenant, and the outbox entries not yet sequenced. */
  async status(tenantKey: string): Promise<{ unsequenced: number; oldestUnsequenced?: string; destinations: DeliveryStatus[] }> {
    const pending = await this.store.events.pending(tenantPartition(tenantKey));
    const destinations: DeliveryStatus[] = [];
    for (const d of this.deliverers) if (d.status) destinations.push(...(await d.status(tenantKey)));
    return { unsequenced: pending.count, ...(pending.oldest ? { oldestUnsequenced: pending.oldest } : {}), destinations };
  }

  /** Asks the named deliverer to replay a destination's dead letters; undefined when it has no replay. */
  async replay(tenantKey: string, deliverer: string, destinationId: string): Promise<{ replayed: number } | undefined> {
    const d = this.deliverers.find((x) => x.name === deliverer);
    if (!d?.replay) return undefined;
    const replayed = await d.replay(tenantKey, destinationId, { deadLetters: true });
    if (replayed > 0) void this.schedule(tenantKey);
    return { replayed };
  }

  /** Resolves when new events are sequenced for the tenant on this host, or after `ms`: false once the host is closing. */
  waitForEvents(tenantKey: string, ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const set = this.waiters.get(tenantKey) ?? new Set<() => void>();
      this.waiters.set(tenantKey, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(tenantKey);
        resolve(!this.closed);
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  private wake(tenantKey: string): void {
    for (const w of [...(this.waiters.get(tenantKey) ?? [])]) w();
  }
}

/** npm start and tests: the nudge dispatches on this host (not awaited by the request: it answers first). */
export function inProcessNudger(dispatcher: Dispatcher): Nudger {
  return {
    nudge: (tenantKey) => {
      void dispatcher.schedule(tenantKey);
      return Promise.resolve();
    },
  };
}

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e));
