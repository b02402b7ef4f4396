// What an operator does with a tenant's webhook endpoints (npm run webhooks): register, list, show,
// rotate the signing secret, disable / enable / remove, replay (by event id, by time range, the dead
// letters) and send a signed test ping. Rows through the store, secrets through the secret store; a
// replay queues retry rows due now and nudges the dispatcher, which delivers them like any retry (the
// same webhook-id as the first delivery).
import { randomBytes } from "node:crypto";
import { type ChangeEvent, EVENT_TYPES, expandEntry, isEventType } from "../../scim/events";
import { type PendingEvent, type Store, type WebhookEndpoint, isEndpointId, newEndpointId, periodOf, tenantPartition } from "../../store";
import type { DeliveryStatus, Nudger } from "../dispatcher";
import { checkEndpointUrl } from "./addresses";
import type { WebhookDeliverer } from "./deliverer";
import type { AttemptResult } from "./send";
import { type SigningSecret, type WebhookSecretStore, newSigningSecret, validSecrets } from "./signing";

/** How long the previous secret keeps signing after a rotation, unless the rotation is finished sooner. */
export const ROTATION_HOURS = 24;
/** Events one replay queues at most (a larger range: replay it in parts). */
export const MAX_REPLAY = 10_000;
const DAY = 86_400_000;

export interface NewEndpoint {
  tenant: string;
  url: string;
  types?: string[];
  allowPrivateNetwork?: boolean;
}

export type Replay = { event: string } | { since: Date; until?: Date } | { deadLetters: true };

export interface EndpointDetails {
  endpoint: WebhookEndpoint;
  status: DeliveryStatus | undefined;
  secrets: Array<{ createdAt: string; expiresAt?: string }>;
  retries: PendingEvent[];
}

export class Webhooks {
  constructor(
    private readonly store: Store,
    private readonly secrets: WebhookSecretStore,
    private readonly deliverer: WebhookDeliverer,
    private readonly nudger: Nudger,
  ) {}

  get secretStore(): string {
    return this.secrets.description;
  }

  /** Registers an endpoint; its deliveries start with the events after now. Returns the secret (shown once). */
  async add(o: NewEndpoint): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const url = checkEndpointUrl(o.url, o.allowPrivateNetwork === true);
    const types = o.types?.length ? [...new Set(o.types)] : undefined;
    const unknown = (types ?? []).filter((t) => !isEventType(t));
    if (unknown.length > 0) throw new Error(`Unknown event type ${unknown.join(", ")}; the types are ${EVENT_TYPES.join(", ")}.`);
    const id = newEndpointId();
    const secret = newSigningSecret();
    await this.secrets.put(id, [{ secret, createdAt: new Date().toISOString() }]);
    const head = await this.store.events.head(tenantPartition(o.tenant));
    const endpoint: Omit<WebhookEndpoint, "etag"> = {
      id,
      tenant: o.tenant,
      url: url.href,
      ...(types ? { types } : {}),
      allowPrivateNetwork: o.allowPrivateNetwork === true,
      createdAt: new Date().toISOString(),
      enabled: true,
      cursor: head,
      probes: 0,
      consecutiveFailures: 0,
    };
    await (await this.store.webhooks(o.tenant)).create(endpoint);
    return { endpoint: { ...endpoint, etag: "" }, secret };
  }

  /** The endpoint with this id, wherever its tenant. */
  async find(id: string): Promise<WebhookEndpoint | undefined> {
    if (!isEndpointId(id)) return undefined;
    const tenant = await this.store.webhookIndex.tenantOf(id);
    return tenant === undefined ? undefined : (await this.store.webhooks(tenant)).get(id);
  }

  private async need(id: string): Promise<WebhookEndpoint> {
    const e = await this.find(id);
    if (!e) throw new NotFound(`No webhook endpoint ${id}.`);
    return e;
  }

  /** A tenant's endpoints, or every tenant's. */
  async list(tenant?: string): Promise<WebhookEndpoint[]> {
    if (tenant !== undefined) return (await this.store.webhooks(tenant)).list();
    const tenants = [...new Set((await this.store.webhookIndex.all()).map((x) => x.tenant))].sort();
    const out: WebhookEndpoint[] = [];
    for (const t of tenants) out.push(...(await (await this.store.webhooks(t)).list()));
    return out;
  }

  async show(id: string): Promise<EndpointDetails> {
    const endpoint = await this.need(id);
    const status = (await this.deliverer.status(endpoint.tenant)).find((s) => s.id === id);
    const secrets = (await this.secrets.get(id)).map((s) => ({ createdAt: s.createdAt, ...(s.expiresAt ? { expiresAt: s.expiresAt } : {}) }));
    const retries = await (await this.store.webhooks(endpoint.tenant)).retries(id);
    return { endpoint, status, secrets, retries };
  }

  /**
   * A new secret that signs from now on; the previous one keeps signing beside it (two signatures) until
   * `finish` or ROTATION_HOURS. With `finish` alone, the rotation under way ends: only the newest signs.
   */
  async rotateSecret(id: string, finish: boolean): Promise<{ secret?: string; previousUntil?: string }> {
    const e = await this.need(id);
    const now = Date.now();
    const current = (await this.secrets.get(id)).filter((s) => s.expiresAt === undefined || Date.parse(s.expiresAt) > now);
    if (finish) {
      const newest = current[0];
      if (!newest) throw new Error(`Webhook endpoint ${id} has no signing secret; rotate without --finish to make one.`);
      await this.secrets.put(id, [{ secret: newest.secret, createdAt: newest.createdAt }]);
      await (await this.store.webhooks(e.tenant)).update(id, () => ({ rotationEndsAt: undefined }));
      return {};
    }
    const previousUntil = new Date(now + ROTATION_HOURS * 3_600_000).toISOString();
    const secret = newSigningSecret();
    const next: SigningSecret[] = [{ secret, createdAt: new Date(now).toISOString() }];
    const previous = current[0];
    if (previous) next.push({ secret: previous.secret, createdAt: previous.createdAt, expiresAt: previousUntil });
    await this.secrets.put(id, next);
    await (await this.store.webhooks(e.tenant)).update(id, () => ({ rotationEndsAt: previous ? previousUntil : undefined }));
    return { secret, ...(previous ? { previousUntil } : {}) };
  }

  /** Disables or enables an endpoint; enabling resumes from its cursor, its retries due at once. */
  async setEnabled(id: string, enabled: boolean): Promise<WebhookEndpoint> {
    const e = await this.need(id);
    const hooks = await this.store.webhooks(e.tenant);
    const now = new Date().toISOString();
    const updated = await hooks.update(id, (stored) =>
      enabled
        ? { enabled: true, disabledReason: undefined, disabledAt: undefined, pausedSince: undefined, probeAt: undefined, probes: 0, consecutiveFailures: 0 }
        : stored.enabled
          ? { enabled: false, disabledReason: "disabled by the operator", disabledAt: now }
          : undefined,
    );
    if (enabled) {
      await hooks.queue(
        id,
        (await hooks.retries(id)).map((r) => ({ ...r, at: now })),
      );
      await this.nudger.nudge(e.tenant);
    }
    return updated ?? e;
  }

  /** Removes the endpoint, its retries and dead letters, and its secrets. */
  async remove(id: string): Promise<boolean> {
    const e = await this.find(id);
    if (!e) return false;
    await (await this.store.webhooks(e.tenant)).remove(id);
    await this.secrets.remove(id);
    return true;
  }

  async deadLetters(id: string): Promise<PendingEvent[]> {
    const e = await this.need(id);
    return (await this.store.webhooks(e.tenant)).deadLetters(id);
  }

  /**
   * Queues events for delivery again (due now, the same webhook-id): one event (a dead letter of it is
   * revived), the events of a time range that the endpoint's filter takes, or every dead letter.
   * Returns how many were queued.
   */
  async replay(id: string, what: Replay): Promise<number> {
    const e = await this.need(id);
    const hooks = await this.store.webhooks(e.tenant);
    const now = new Date().toISOString();
    let count: number;
    if ("deadLetters" in what) {
      const dead = await hooks.deadLetters(id);
      await hooks.revive(id, dead.slice(0, MAX_REPLAY), now);
      count = Math.min(dead.length, MAX_REPLAY);
    } else if ("event" in what) {
      const dead = (await hooks.deadLetters(id)).find((d) => d.eventId === what.event);
      if (dead) await hooks.revive(id, [dead], now);
      else {
        const found = await this.findEvent(e.tenant, what.event);
        if (!found) throw new NotFound(`No event ${what.event} in tenant ${e.tenant}'s log (unknown, or past the retention).`);
        await hooks.queue(id, [replayRow(found.event, found.period, now)]);
      }
      count = 1;
    } else {
      const types = e.types ? new Set(e.types) : undefined;
      const until = what.until ?? new Date();
      const rows: PendingEvent[] = [];
      await this.scan(e.tenant, what.since.getTime(), until.getTime(), (event, period) => {
        const t = Date.parse(event.timestamp);
        if (t >= what.since.getTime() && t <= until.getTime() && (!types || types.has(event.type))) rows.push(replayRow(event, period, now));
        return rows.length < MAX_REPLAY;
      });
      await hooks.queue(id, rows);
      count = rows.length;
    }
    if (count > 0 && e.enabled) await this.nudger.nudge(e.tenant);
    return count;
  }

  /** A signed ping (type `webhook.test`) to the endpoint, now; its outcome is not recorded in the endpoint's state. */
  async test(id: string): Promise<AttemptResult & { id: string }> {
    const e = await this.need(id);
    const ping = {
      id: `msg_test_${randomBytes(8).toString("hex")}`,
      type: "webhook.test",
      tenant: e.tenant,
      timestamp: new Date().toISOString(),
      data: { endpoint: e.id },
    };
    const result = await this.deliverer.attempt(e.tenant, e, validSecrets(await this.secrets.get(id)), ping, 0);
    return { ...result, id: ping.id };
  }

  /** The event with this id (the id's time says where to look: from the day before it). */
  private async findEvent(tenant: string, eventId: string): Promise<{ event: ChangeEvent; period: string } | undefined> {
    const m = /^evt_([0-9a-z]{9})[0-9a-f]+(?:_\d+)?$/.exec(eventId);
    if (!m) return undefined;
    const at = parseInt(m[1] ?? "", 36);
    let found: { event: ChangeEvent; period: string } | undefined;
    await this.scan(tenant, at, at + DAY, (event, period) => {
      if (event.id === eventId) found = { event, period };
      return found === undefined;
    });
    return found;
  }

  /**
   * Visits the tenant's events from the day before `fromMs` until one after `untilMs` (events are in
   * commit order; a writer's clock may lag a little), while `visit` returns true.
   */
  private async scan(tenant: string, fromMs: number, untilMs: number, visit: (event: ChangeEvent, period: string) => boolean): Promise<void> {
    const log = this.store.events;
    const pk = tenantPartition(tenant);
    const first = periodOf(fromMs - DAY);
    const periods = (await log.periods()).filter((p) => p >= first && p >= log.oldestRetained());
    for (const period of periods) {
      let position = { period, seq: 0 };
      let page = await log.read(pk, position, 100);
      if (page.entries.length === 0) continue; // the tenant wrote nothing that day
      for (let pages = 0; pages < 100_000; pages++) {
        for (const s of page.entries) {
          if (Date.parse(s.entry.at) > untilMs + DAY) return;
          for (const event of expandEntry(s.entry, tenant, s.first, undefined)) if (!visit(event, s.period)) return;
        }
        if (page.entries.length < 100) return;
        position = page.position;
        page = await log.read(pk, position, 100);
      }
      return;
    }
  }
}

function replayRow(event: ChangeEvent, period: string, at: string): PendingEvent {
  return { eventId: event.id, period, seq: event.sequence, timestamp: event.timestamp, attempts: 0, at, replay: true };
}

/** An endpoint or event that does not exist (the CLI exits 1). */
export class NotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFound";
  }
}
