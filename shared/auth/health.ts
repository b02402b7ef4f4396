// GET /health: reports credentials that expire within 30 days, because an expired one quarantines the
// Entra job. Anonymous callers get the status alone; a caller with a valid SCIM credential also gets the
// instance's counts and its own tenant's expiring credentials (id, kind, date); an admin token also its
// tenant's event-delivery backlog and dead letters. No secret, hash, other tenant's name or other
// tenant's credential, ever.
import type { AuthReply, AuthRequest } from "./transport";
import { AuthContext } from "./auth-context";
import { type Principal, authenticateBearer } from "./bearer";
import { fresh } from "./credentials";
import { CredentialSummary, EXPIRY_WARNING_DAYS, expiresWithin } from "./records";

/** Listing costs 1 Key Vault call per 25 credentials, so each instance lists at most once a minute. */
const SUMMARY_TTL_MS = 60_000;
const cache = new WeakMap<AuthContext, { at: number; value: Promise<CredentialSummary[]> }>();

function summaries(auth: AuthContext): Promise<CredentialSummary[]> {
  const hit = cache.get(auth);
  if (hit && fresh(hit.at, SUMMARY_TTL_MS)) return hit.value;
  const value = auth.credentials.store.listSummaries();
  cache.set(auth, { at: Date.now(), value });
  value.catch(() => cache.delete(auth));
  return value;
}

export interface ExpiringCredential {
  id: string;
  kind: string;
  clientId?: string;
  expiresAt: string;
  daysLeft: number;
}

export function expiringCredentials(all: CredentialSummary[], days: number, now = Date.now()): ExpiringCredential[] {
  return all
    .flatMap((s) => (!s.revoked && s.expiresAt && Date.parse(s.expiresAt) > now && expiresWithin(s, days, now) ? [{ ...s, expiresAt: s.expiresAt }] : []))
    .map((s) => ({
      id: s.id,
      kind: s.kind,
      ...(s.clientId ? { clientId: s.clientId } : {}),
      expiresAt: s.expiresAt,
      daysLeft: Math.floor((Date.parse(s.expiresAt) - now) / 86_400_000),
    }))
    .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
}

/** More for an authenticated caller (the handler adds the event-delivery summary of an admin token's tenant). */
export type HealthExtra = (principal: Principal) => Promise<Record<string, unknown>>;

export async function health(req: AuthRequest, auth: AuthContext, extra?: HealthExtra): Promise<AuthReply> {
  // Authenticate first, so a bad token is refused before any listing work.
  const principal = req.header("authorization") ? await authenticateBearer(req, auth, "health") : undefined;
  const all = await summaries(auth);
  const now = Date.now();
  const live = all.filter((s) => !s.revoked);
  const expiring = expiringCredentials(all, EXPIRY_WARNING_DAYS, now);
  const body: Record<string, unknown> = { status: expiring.length ? "attention" : "ok" };
  if (principal) {
    const mine = new Set(all.filter((s) => s.tenant === principal.tenant).map((s) => s.id));
    body.credentials = {
      active: live.filter((s) => !s.expiresAt || Date.parse(s.expiresAt) > now).length,
      expiringWithinDays: EXPIRY_WARNING_DAYS,
      expiring: expiring.length,
      expired: live.filter((s) => s.expiresAt && Date.parse(s.expiresAt) <= now).length,
    };
    body.tenant = principal.tenant;
    body.expiringCredentials = expiring.filter((e) => mine.has(e.id));
    if (extra) Object.assign(body, await extra(principal));
  }
  return { status: 200, headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" }, body };
}
