// Webhook delivery, as one of the dispatcher's deliverers: for each enabled endpoint of a tenant, the
// retries that have come due, then the new events after its cursor, signed (Standard Webhooks) and POSTed
// one event per request. At least once: the cursor moves past a batch only in the transaction that also
// records the batch's failures as retry rows, so a crash in between re-delivers (same webhook-id) and never
// skips. Healthy endpoints write one row per batch (the cursor), not one per event.
//
// Failing endpoints: after PAUSE_AFTER failures in a row (or a 429/503 with Retry-After) the endpoint is
// paused: new events wait at its cursor (they are in the log for its whole retention) and no retry rows are
// made for them; one probe — the oldest due retry, else the next event — is sent on the retry schedule, and
// the first success resumes everything. A paused endpoint that never recovers within the schedule's whole
// span (≈ 3.5 days) is disabled; re-enabling it continues from its cursor. A single poison event does not
// pause anything (the events around it succeed): it follows its own schedule to the dead letters.
import { type ChangeEvent, expandEntry } from "../../scim/events";
import { CursorExpired, type PendingEvent, type Store, type TenantWebhooks, type WebhookCursor, type WebhookEndpoint, tenantPartition } from "../../store";
import type { Telemetry } from "../../telemetry";
import type { Deliverer, DeliveryStatus, DispatchLog, ReplaySelector } from "../dispatcher";
import { readPositioned } from "../feed";
import { labelOf } from "./addresses";
import { type AttemptResult, send } from "./send";
import { type WebhookSecretStore, signedHeaders, validSecrets } from "./signing";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
/**
 * Standard Webhooks' example schedule: the delay before each attempt (the first is immediate), 11 attempts
 * over ≈ 85 h, each delay with ±10 % jitter. Svix uses the same head.
 */
export const STANDARD_SCHEDULE: readonly number[] = [0, 5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H, 14 * H, 20 * H, 24 * H];
/** Standard Webhooks recommends 15–30 s. */
export const DEFAULT_TIMEOUT_MS = 15 * S;
/** Failures in a row that pause an endpoint (new events wait at the cursor, one probe per schedule step). */
export const PAUSE_AFTER = 5;
/** The longest Retry-After honoured (a receiver asking for more gets its next attempt after a day). */
const MAX_RETRY_AFTER = 24 * H;
/** Attempts in flight per endpoint. */
const CONCURRENCY = 8;
/** Events per batch (the cursor moves once per batch), and batches per run. */
const BATCH = 50;
/**
 * How long one run keeps delivering new events to an endpoint before it yields (and asks to be woken at
 * once): long enough that a sweep drains a backlog a lost queue message left, short enough to stay well
 * inside a Functions invocation.
 */
const RUN_BUDGET_MS = 60_000;
/** Due retries attempted per endpoint per run. */
const RETRIES_PER_RUN = 100;

export interface WebhookDelivererOptions {
  store: Store;
  secrets: WebhookSecretStore;
  telemetry: Pick<Telemetry, "delivery">;
  log: DispatchLog;
  /** Delays before each attempt, ms (default STANDARD_SCHEDULE); tests pass a scaled-down one. */
  schedule?: readonly number[];
  timeoutMs?: number;
  /** Extra CA certificates trusted for https receivers (tests' loopback TLS). */
  ca?: string | Buffer;
  /** The SCIM base URL for the resources' meta.location in event bodies (omitted when unknown). */
  baseUrl?: string;
  /** Asks for a dispatch of the tenant in `ms` (a retry or probe coming due); in-process hosts set a timer. */
  wake?: (tenantKey: string, ms: number) => void;
}

/** A due attempt: a new event at the cursor, or a retry row. */
interface Job {
  event: ChangeEvent;
  position: WebhookCursor;
  retry?: PendingEvent;
}

/** What one run learns about an endpoint, written back with its cursor at the end. */
class EndpointRun {
  consecutiveFailures: number;
  pausedSince: string | undefined;
  probeAt: string | undefined;
  probes: number;
  lastSuccessAt: string | undefined;
  lastFailureAt: string | undefined;
  lastFailure: string | undefined;
  disabled: string | undefined;
  throttledUntil = 0;

  constructor(
    e: WebhookEndpoint,
    private readonly schedule: readonly number[],
  ) {
    this.consecutiveFailures = e.consecutiveFailures;
    this.pausedSince = e.pausedSince;
    this.probeAt = e.probeAt;
    this.probes = e.probes;
    this.lastSuccessAt = e.lastSuccessAt;
    this.lastFailureAt = e.lastFailureAt;
    this.lastFailure = e.lastFailure;
  }

  get paused() {
    return this.pausedSince !== undefined;
  }
  get stopped() {
    return this.disabled !== undefined || this.paused;
  }

  record(r: AttemptResult): void {
    const now = new Date().toISOString();
    if (r.outcome === "delivered") {
      this.consecutiveFailures = 0;
      this.lastSuccessAt = now;
      this.pausedSince = undefined;
      this.probeAt = undefined;
      this.probes = 0;
      return;
    }
    this.consecutiveFailures++;
    this.lastFailureAt = now;
    this.lastFailure = r.reason;
    if (r.outcome === "gone") this.disabled = `the endpoint answered 410 Gone (${now})`;
    if (r.retryAfterMs !== undefined) this.throttledUntil = Math.max(this.throttledUntil, Date.now() + Math.min(r.retryAfterMs, MAX_RETRY_AFTER));
    if (!this.paused && (this.consecutiveFailures >= PAUSE_AFTER || this.throttledUntil > Date.now())) {
      this.pausedSince = now;
      this.probes = 0;
      this.probeAt = this.nextProbe(1);
    }
  }

  /** A probe of a paused endpoint failed: the next one a schedule step later; disabled after the whole span. */
  probeFailed(): void {
    this.probes++;
    this.probeAt = this.nextProbe(Math.min(this.probes + 1, this.schedule.length - 1));
    const span = this.schedule.reduce((a, b) => a + b, 0);
    if (this.pausedSince && Date.now() - Date.parse(this.pausedSince) >= span)
      this.disabled = `failing since ${this.pausedSince}, for the whole retry schedule (last: ${this.lastFailure ?? "unknown"})`;
  }

  private nextProbe(step: number): string {
    return new Date(Math.max(Date.now() + jittered(this.schedule[step] ?? this.longest()), this.throttledUntil)).toISOString();
  }

  longest(): number {
    return Math.max(...this.schedule);
  }

  /** The next attempt of an event that has failed `attempts` times, or undefined when they are exhausted. */
  nextAttempt(attempts: number): number | undefined {
    const delay = this.schedule[attempts];
    if (delay === undefined) return undefined;
    return Math.max(Date.now() + jittered(delay), this.throttledUntil);
  }
}

/** ±10 %, so endpoints that failed together do not retry in lockstep. */
const jittered = (ms: number) => Math.round(ms * (0.9 + Math.random() * 0.2));

export class WebhookDeliverer implements Deliverer {
  readonly name = "webhooks";
  readonly schedule: readonly number[];
  readonly timeoutMs: number;
  private readonly slots = new Map<string, { run: Promise<void>; again?: Promise<void> }>();

  constructor(private readonly o: WebhookDelivererOptions) {
    this.schedule = o.schedule ?? STANDARD_SCHEDULE;
    if (this.schedule.length === 0) throw new Error("A webhook retry schedule holds at least one attempt.");
    this.timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /**
   * The status page's replay: an endpoint's dead letters become retries due now (at most 10,000), sent
   * with their own webhook-id. Only an endpoint of this tenant; 0 when it has none of that id.
   */
  async replay(tenantKey: string, destinationId: string, _selector: ReplaySelector): Promise<number> {
    const hooks = await this.o.store.webhooks(tenantKey);
    if (!(await hooks.get(destinationId))) return 0;
    const dead = (await hooks.deadLetters(destinationId)).slice(0, 10_000);
    await hooks.revive(destinationId, dead, new Date().toISOString());
    return dead.length;
  }

  /** Runs for one tenant at a time on this host: a call while a run is under way gets one follow-up run. */
  deliver(tenantKey: string): Promise<void> {
    const slot = this.slots.get(tenantKey);
    if (slot) {
      slot.again ??= slot.run.catch(() => undefined).then(() => this.start(tenantKey));
      return slot.again;
    }
    return this.start(tenantKey);
  }

  private start(tenantKey: string): Promise<void> {
    const slot: { run: Promise<void>; again?: Promise<void> } = { run: Promise.resolve() };
    slot.run = this.deliverNow(tenantKey).finally(() => {
      if (this.slots.get(tenantKey) === slot) this.slots.delete(tenantKey);
    });
    this.slots.set(tenantKey, slot);
    return slot.run;
  }

  private async deliverNow(tenantKey: string): Promise<void> {
    const hooks = await this.o.store.webhooks(tenantKey);
    const endpoints = (await hooks.list()).filter((e) => e.enabled);
    if (endpoints.length === 0) return;
    const wakes = await Promise.all(
      endpoints.map(async (e) => {
        try {
          return await this.deliverEndpoint(tenantKey, hooks, e);
        } catch (err) {
          this.o.log.error(JSON.stringify({ event: "webhooks.delivery-failed", tenant: tenantKey, endpoint: e.id, reason: describe(err) }));
          return Date.now() + (this.schedule[1] ?? 5 * S);
        }
      }),
    );
    const next = Math.min(...wakes.filter((w): w is number => w !== undefined));
    if (Number.isFinite(next)) this.o.wake?.(tenantKey, Math.max(0, next - Date.now()));
  }

  /** One endpoint's due work; returns when it next has something due (ms since the epoch), if ever. */
  private async deliverEndpoint(tenantKey: string, hooks: TenantWebhooks, e: WebhookEndpoint): Promise<number | undefined> {
    const run = new EndpointRun(e, this.schedule);
    const now = Date.now();
    if (run.paused && e.probeAt && Date.parse(e.probeAt) > now) return Date.parse(e.probeAt);
    let probing = run.paused;
    const secrets = validSecrets(await this.o.secrets.get(e.id));
    let wake: number | undefined;
    const later = (at: number) => (wake = wake === undefined ? at : Math.min(wake, at));

    // 1. Retries that have come due (oldest due first).
    const retries = await hooks.retries(e.id);
    const due = retries.filter((r) => Date.parse(r.at) <= now).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    for (const r of retries) if (Date.parse(r.at) > now) later(Date.parse(r.at));
    let i = 0;
    while (i < Math.min(due.length, RETRIES_PER_RUN) && !run.disabled && (!run.paused || probing)) {
      const wave = due.slice(i, i + (probing ? 1 : CONCURRENCY));
      i += wave.length;
      const results = await Promise.all(wave.map((r) => this.retry(tenantKey, hooks, e, secrets, run, r)));
      for (const r of results) if (r.next !== undefined) later(r.next);
      if (probing) {
        if (results.some((r) => r.delivered)) probing = false;
        else {
          run.probeFailed();
          probing = false;
          break;
        }
      }
    }
    if (i < due.length) later(Date.now()); // more due than one run takes

    // 2. New events after the cursor, batch by batch; the cursor moves with each batch's failures.
    let cursor = e.cursor;
    let written = e.cursor;
    const types = e.types ? new Set(e.types) : undefined;
    const budgetEnds = Date.now() + RUN_BUDGET_MS;
    while (!run.disabled && (!run.paused || probing)) {
      if (Date.now() > budgetEnds) {
        later(Date.now()); // more than one run takes: the next one follows at once
        break;
      }
      let page;
      try {
        page = await this.readAfter(tenantKey, cursor, probing ? 1 : BATCH, types);
      } catch (err) {
        if (!(err instanceof CursorExpired)) throw err;
        // The endpoint was disabled or paused past the log's retention: what it missed is gone.
        const start = await this.o.store.events.start(tenantPartition(tenantKey));
        run.lastFailure = `events before ${start.period} expired undelivered (past the retention)`;
        run.lastFailureAt = new Date().toISOString();
        cursor = start;
        continue;
      }
      const retries: PendingEvent[] = [];
      const dead: PendingEvent[] = [];
      let settled = cursor;
      let k = 0;
      const jobs = page.jobs;
      while (k < jobs.length && !run.disabled && (!run.paused || probing)) {
        const wave: Job[] = [];
        while (k < jobs.length && wave.length < (probing ? 1 : CONCURRENCY)) wave.push(jobs[k++] as Job);
        const results = await Promise.all(wave.map((j) => this.attempt(tenantKey, e, secrets, j.event, 1)));
        results.forEach((r, n) => {
          run.record(r);
          if (r.outcome === "delivered") return;
          const job = wave[n] as Job;
          // Gone (410): kept as a retry due at once, so re-enabling the endpoint delivers it.
          const next = r.outcome === "gone" ? Date.now() : run.nextAttempt(1);
          if (next === undefined) dead.push(pendingOf(job, 1, r.reason, Date.now()));
          else retries.push(pendingOf(job, 1, r.reason, next));
        });
        settled = (wave[wave.length - 1] as Job).position;
        if (probing) {
          if (!results.some((r) => r.outcome === "delivered")) run.probeFailed();
          probing = false;
        }
      }
      if (k >= jobs.length) settled = page.end; // past the events the filter skipped too
      cursor = settled;
      if (retries.length > 0 || dead.length > 0 || !sameCursor(cursor, written)) {
        await this.commitBatch(hooks, e.id, cursor, retries, dead, run);
        written = cursor;
      }
      for (const f of retries) later(Date.parse(f.at));
      if (!page.more || k < jobs.length) break;
    }
    if (!sameCursor(cursor, written)) await this.commitBatch(hooks, e.id, cursor, [], [], run);
    else if (sameCursor(written, e.cursor)) await this.commitBatch(hooks, e.id, cursor, [], [], run, e); // the state alone, if it changed
    if (run.disabled) return undefined;
    if (run.paused && run.probeAt) later(Date.parse(run.probeAt));
    return wake;
  }

  /** One retry row's attempt, settled at once (delivered, rescheduled or dead). */
  private async retry(
    tenantKey: string,
    hooks: TenantWebhooks,
    e: WebhookEndpoint,
    secrets: string[],
    run: EndpointRun,
    r: PendingEvent,
  ): Promise<{ delivered: boolean; next?: number }> {
    const event = await this.eventAt(tenantKey, r.period, r.seq);
    if (!event) {
      await hooks.settle(e.id, r.eventId, { kind: "dead", dead: { ...r, at: new Date().toISOString(), lastError: "the event is past the log's retention" } });
      return { delivered: false };
    }
    const result = await this.attempt(tenantKey, e, secrets, event, r.attempts + 1);
    run.record(result);
    if (result.outcome === "delivered") {
      await hooks.settle(e.id, r.eventId, { kind: "delivered" });
      return { delivered: true };
    }
    const attempts = r.attempts + 1;
    const next = result.outcome === "gone" ? Date.now() : run.nextAttempt(attempts);
    if (next === undefined) {
      await hooks.settle(e.id, r.eventId, { kind: "dead", dead: { ...r, attempts, at: new Date().toISOString(), lastError: result.reason } });
      return { delivered: false };
    }
    await hooks.settle(e.id, r.eventId, { kind: "retry", next: { ...r, attempts, at: new Date(next).toISOString(), lastError: result.reason } });
    return { delivered: false, next };
  }

  /**
   * The batch's outcome in one transaction: the endpoint's cursor and state (under its ETag, merged with
   * what changed meanwhile: an operator's disable wins, a cursor further on wins) and the failures' rows.
   * Nothing is written when nothing changed.
   */
  private async commitBatch(
    hooks: TenantWebhooks,
    endpointId: string,
    cursor: WebhookCursor,
    retries: PendingEvent[],
    dead: PendingEvent[],
    run: EndpointRun,
    unchanged?: WebhookEndpoint,
  ): Promise<void> {
    const state = {
      consecutiveFailures: run.consecutiveFailures,
      pausedSince: run.pausedSince,
      probeAt: run.probeAt,
      probes: run.probes,
      lastSuccessAt: run.lastSuccessAt,
      lastFailureAt: run.lastFailureAt,
      lastFailure: run.lastFailure,
    };
    if (unchanged && !run.disabled && Object.entries(state).every(([k, v]) => unchanged[k as keyof WebhookEndpoint] === v)) return;
    await hooks.update(
      endpointId,
      (stored) => ({
        ...state,
        cursor: stored.cursor.seq > cursor.seq ? stored.cursor : cursor,
        ...(run.disabled && stored.enabled ? { enabled: false, disabledReason: run.disabled, disabledAt: new Date().toISOString() } : {}),
      }),
      () => [...hooks.retryActions(endpointId, retries), ...hooks.deadActions(endpointId, dead)],
    );
  }

  /** One signed POST of an event (attempt n of it), recorded in telemetry. */
  async attempt(tenantKey: string, e: Pick<WebhookEndpoint, "url" | "allowPrivateNetwork">, secrets: string[], event: object & { id: string }, n: number) {
    const body = JSON.stringify(event);
    const result: AttemptResult =
      secrets.length === 0
        ? { outcome: "refused", reason: "no signing secret (rotate-secret gives the endpoint one)", ms: 0 }
        : await send({
            url: e.url,
            allowPrivateNetwork: e.allowPrivateNetwork,
            headers: signedHeaders(event.id, body, secrets, new Date()),
            body,
            timeoutMs: this.timeoutMs,
            ...(this.o.ca ? { ca: this.o.ca } : {}),
          });
    this.o.telemetry.delivery({
      deliverer: this.name,
      outcome: result.outcome,
      ...(result.status ? { statusClass: `${Math.floor(result.status / 100)}xx` } : {}),
      attempt: n,
      tenant: tenantKey,
      ms: result.ms,
    });
    return result;
  }

  /** The event at a sequence number (1 query), or undefined when its day has expired. */
  async eventAt(tenantKey: string, period: string, seq: number): Promise<ChangeEvent | undefined> {
    try {
      const page = await this.o.store.events.read(tenantPartition(tenantKey), { period, seq: seq - 1 }, 1);
      for (const s of page.entries) for (const ev of expandEntry(s.entry, tenantKey, s.first, this.o.baseUrl)) if (ev.sequence === seq) return ev;
      return undefined;
    } catch (err) {
      if (err instanceof CursorExpired) return undefined;
      throw err;
    }
  }

  /** Up to `limit` wanted events after `from`, each with its position; `end` is past the events skipped by the filter too. */
  private async readAfter(tenantKey: string, from: WebhookCursor, limit: number, types: ReadonlySet<string> | undefined) {
    const page = await readPositioned(this.o.store.events, tenantKey, from, {
      limit,
      ...(types ? { types } : {}),
      ...(this.o.baseUrl ? { baseUrl: this.o.baseUrl } : {}),
    });
    const jobs: Job[] = page.items;
    return { jobs, end: page.end, more: !page.atEnd };
  }

  /** Per endpoint of the tenant: state, backlog (events after the cursor + retries), oldest undelivered, dead letters. */
  async status(tenantKey: string): Promise<DeliveryStatus[]> {
    const hooks = await this.o.store.webhooks(tenantKey);
    const endpoints = await hooks.list();
    if (endpoints.length === 0) return [];
    const head = await this.o.store.events.head(tenantPartition(tenantKey));
    return Promise.all(
      endpoints.map(async (e) => {
        const [retries, dead] = await Promise.all([hooks.retries(e.id), hooks.deadLetters(e.id)]);
        const ahead = Math.max(0, head.seq - e.cursor.seq);
        let oldest = retries.map((r) => r.timestamp).sort()[0];
        if (ahead > 0) {
          const next = await this.eventAt(tenantKey, e.cursor.period, e.cursor.seq + 1).catch(() => undefined);
          if (next && (!oldest || next.timestamp < oldest)) oldest = next.timestamp;
        }
        const s: DeliveryStatus = {
          deliverer: this.name,
          id: e.id,
          label: labelOf(e.url),
          state: !e.enabled ? "disabled" : e.pausedSince ? "paused" : "active",
          backlog: ahead + retries.length,
          deadLetters: dead.length,
          ...(oldest ? { oldestUndelivered: oldest } : {}),
          ...(e.lastSuccessAt ? { lastSuccessAt: e.lastSuccessAt } : {}),
          ...(e.lastFailureAt ? { lastFailureAt: e.lastFailureAt } : {}),
          ...(e.lastFailure ? { lastFailure: e.lastFailure } : {}),
        };
        return s;
      }),
    );
  }
}

function pendingOf(job: Job, attempts: number, reason: string, next: number | undefined): PendingEvent {
  return {
    eventId: job.event.id,
    period: job.position.period,
    seq: job.event.sequence,
    timestamp: job.event.timestamp,
    attempts,
    at: new Date(next ?? Date.now()).toISOString(),
    lastError: reason,
  };
}

const sameCursor = (a: WebhookCursor, b: WebhookCursor) => a.seq === b.seq && a.period === b.period;
const describe = (e: unknown) => (e instanceof Error ? e.message : String(e));
