// What the status page and its JSON twin say about a tenant: the connection (Tenant URL, auth mode, the
// soonest credential expiry), Entra's traffic over 24 h by hour, the quarantine risk with the top refusal
// reasons, the objects, policy rejections and ignored attributes, and event delivery. Read from
// precomputed rows only: the hour counters (2 range reads: today's and yesterday's day tables), the
// activity deliverer's state (1 point read: cursor and object counts) and the delivery status (the
// outbox read and each deliverer's own), plus the credential list (cached per instance for a minute).
import type { DeliveryStatus } from "../events/dispatcher";
import { type HourCounters, mergeCounters } from "../store";
import { type QuarantineRisk, quarantineRisk } from "../activity/quarantine";
import type { CredentialSummary } from "../auth/records";
import { isActive } from "../auth/records";
import type { AuthContext } from "../auth/auth-context";
import type { OperatorAccess } from "./types";

export interface CredentialFact {
  id: string;
  /** How Entra authenticates with it. */
  mode: "static token" | "OAuth client" | "OAuth client secret" | "Entra token";
  clientId?: string;
  expiresAt?: string;
  daysLeft?: number;
}

export interface StatusFacts {
  tenant: string;
  version: string;
  generatedAt: string;
  connection: {
    tenantUrl: string;
    tokenUrl: string;
    authModes: string[];
    credentials: CredentialFact[];
    /** The soonest expiry among the active credentials Entra can use. */
    nextExpiry?: CredentialFact;
  };
  traffic: {
    lastRequestAt?: string;
    lastRequest?: { route: string; status: number };
    lastWriteAt?: string;
    requests24h: number;
    failures24h: number;
    /** 24 hourly buckets, oldest first (`hour` is the bucket's start, ISO). */
    hours: Array<{ hour: string; requests: number; failures: number }>;
  };
  quarantine: QuarantineRisk & { topReasons: Array<{ reason: string; count: number }> };
  objects?: { usersActive: number; usersDisabled: number; groups: number; memberships: number; countedAt: string; membershipsApproximate: boolean };
  policy: { rejected: Array<{ attribute: string; count: number }>; ignored: Array<{ attribute: string; count: number }> };
  delivery: { unsequenced: number; oldestUnsequenced?: string; destinations: DeliveryStatus[] };
}

const HOUR_MS = 3_600_000;

export async function statusFacts(tenant: string, op: OperatorAccess, auth: AuthContext, baseUrl: string, now = Date.now()): Promise<StatusFacts> {
  await op.flush();
  const firstHour = Math.floor(now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
  const [hours, state, delivery, credentials] = await Promise.all([
    op.activity.hours(tenant, firstHour),
    op.activity.state(tenant),
    op.delivery(tenant),
    credentialFacts(auth, tenant, now),
  ]);
  let total: HourCounters | undefined;
  const byHour = new Map(hours.map((h) => [h.hour, h.counters]));
  const buckets: StatusFacts["traffic"]["hours"] = [];
  for (let ms = firstHour; ms <= now; ms += HOUR_MS) {
    const key = new Date(ms).toISOString().slice(0, 13).replace(/[-T]/g, "");
    const c = byHour.get(key);
    buckets.push({ hour: new Date(ms).toISOString(), requests: c?.requests ?? 0, failures: c?.failures ?? 0 });
    if (c) total = mergeCounters(total, c);
  }
  const requests = total?.requests ?? 0;
  const failures = total?.failures ?? 0;
  const top = (counts: Record<string, number> | undefined, k: number) =>
    Object.entries(counts ?? {})
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .slice(0, k);
  const origin = baseUrl.replace(/\/scim\/v2$/, "");
  const active = credentials.filter((c) => c.expiresAt !== undefined);
  const nextExpiry = active.sort((a, b) => (a.expiresAt ?? "").localeCompare(b.expiresAt ?? ""))[0];
  return {
    tenant,
    version: op.version,
    generatedAt: new Date(now).toISOString(),
    connection: {
      tenantUrl: baseUrl,
      tokenUrl: `${origin}/oauth2/token`,
      authModes: [...new Set(credentials.map((c) => (c.mode === "OAuth client secret" ? "OAuth client" : c.mode)))],
      credentials,
      ...(nextExpiry ? { nextExpiry } : {}),
    },
    traffic: {
      ...(total?.lastRequestAt ? { lastRequestAt: total.lastRequestAt } : {}),
      ...(total?.lastRequest ? { lastRequest: total.lastRequest } : {}),
      ...(total?.lastWriteAt ? { lastWriteAt: total.lastWriteAt } : {}),
      requests24h: requests,
      failures24h: failures,
      hours: buckets,
    },
    quarantine: {
      ...quarantineRisk(requests, failures, total?.statuses["401"] ?? 0),
      topReasons: top(total?.reasons, 5).map(([reason, count]) => ({ reason, count })),
    },
    ...(state
      ? {
          objects: {
            ...state.counts,
            countedAt: state.censusAt,
            membershipsApproximate: state.membershipsStale === true,
          },
        }
      : {}),
    policy: {
      rejected: top(total?.rejected, 20).map(([attribute, count]) => ({ attribute, count })),
      ignored: top(total?.ignored, 20).map(([attribute, count]) => ({ attribute, count })),
    },
    delivery,
  };
}

/** Summaries are listed at most once a minute per instance (Key Vault: 1 call per 25 credentials). */
const SUMMARY_TTL_MS = 60_000;
const summaries = new WeakMap<AuthContext, { at: number; value: Promise<CredentialSummary[]> }>();

async function credentialFacts(auth: AuthContext, tenant: string, now: number): Promise<CredentialFact[]> {
  let hit = summaries.get(auth);
  if (!hit || now - hit.at > SUMMARY_TTL_MS) {
    hit = { at: now, value: auth.credentials.store.listSummaries() };
    summaries.set(auth, hit);
    hit.value.catch(() => summaries.delete(auth));
  }
  const mine = (await hit.value).filter(
    (s) => s.tenant === tenant && isActive({ ...(s.revoked ? { revokedAt: "x" } : {}), ...(s.expiresAt ? { expiresAt: s.expiresAt } : {}) }, now),
  );
  const out: CredentialFact[] = [];
  for (const s of mine) {
    const expiry = s.expiresAt ? { expiresAt: s.expiresAt, daysLeft: Math.floor((Date.parse(s.expiresAt) - now) / 86_400_000) } : {};
    if (s.kind === "token") {
      // Only Entra's tokens: the events and admin tokens are the vendor's (their scope is in the record).
      const record = await auth.credentials.get(s.id);
      if (record?.kind !== "token" || (record.scope ?? "scim") !== "scim") continue;
      out.push({ id: s.id, mode: "static token", ...expiry });
    } else if (s.kind === "client") out.push({ id: s.id, mode: "OAuth client", ...expiry });
    else if (s.kind === "client-secret") out.push({ id: s.id, mode: "OAuth client secret", ...(s.clientId ? { clientId: s.clientId } : {}), ...expiry });
    else out.push({ id: s.id, mode: "Entra token", ...expiry });
  }
  return out;
}
