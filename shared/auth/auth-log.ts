// Structured log lines for authentication events: failures (reason, client or credential id when it is
// syntactically valid, source address) and credentials close to expiry. Never a token, secret or assertion.
import type { AuthFailureReason } from "./rejection";

export interface AuthFailure {
  reason: AuthFailureReason;
  /** "scim" (bearer on SCIM routes), "token" (the token endpoint) or "health". */
  endpoint: string;
  source?: string;
  clientId?: string;
  credentialId?: string;
  throttled?: boolean;
}

export type AuthLogSink = (line: string) => void;
const consoleSink: AuthLogSink = (line) => console.warn(line);
let fallback: AuthLogSink = consoleSink;
let installed: AuthLogSink | undefined;
const sink: AuthLogSink = (line) => (installed ?? fallback)(line);

/** For tests: capture auth log lines (undefined = stop capturing); returns the sink it replaced. */
export function useAuthLogSink(next: AuthLogSink | undefined): AuthLogSink | undefined {
  const previous = installed;
  installed = next;
  return previous;
}

/** For test hosts: drop lines nobody captures instead of printing them (failures are expected there). */
export function quietUncapturedAuthLog(quiet: boolean): void {
  fallback = quiet ? () => undefined : consoleSink;
}

export function logAuthFailure(f: AuthFailure): void {
  sink(JSON.stringify({ event: "auth.failure", at: new Date().toISOString(), ...f }));
}

const warned = new Map<string, number>();
const WARN_EVERY_MS = 3_600_000;

/** Warns (at most hourly per credential and instance) when a credential near expiry authenticates. */
export function warnIfExpiringSoon(r: { id: string; kind: string; tenant: string; expiresAt?: string }, days: number): void {
  if (!r.expiresAt) return;
  const now = Date.now();
  const left = Date.parse(r.expiresAt) - now;
  if (left > days * 86_400_000) return;
  const last = warned.get(r.id);
  if (last !== undefined && now - last < WARN_EVERY_MS) return;
  if (warned.size > 10_000) warned.clear();
  warned.set(r.id, now);
  sink(JSON.stringify({
    event: "auth.credential-expiring", at: new Date(now).toISOString(), credentialId: r.id, kind: r.kind,
    tenant: r.tenant, expiresAt: r.expiresAt, daysLeft: Math.floor(left / 86_400_000),
  }));
}

/** Operational notes that carry no secret (signing key created, JWKS refreshed). */
export function logAuthNotice(event: string, fields: Record<string, string | number | boolean>): void {
  sink(JSON.stringify({ event, at: new Date().toISOString(), ...fields }));
}
