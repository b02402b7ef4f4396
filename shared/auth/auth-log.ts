// Structured log lines for authentication events: failures (reason, client or credential id when it is
// syntactically valid, source address) and credentials close to expiry. Never a token, secret or assertion.
// One AuthLog per host, built by the composition root with the host's sink.
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

const WARN_EVERY_MS = 3_600_000;

export class AuthLog {
  private readonly warned = new Map<string, number>();
  constructor(private readonly sink: AuthLogSink) {}

  failure(f: AuthFailure): void {
    this.sink(JSON.stringify({ event: "auth.failure", at: new Date().toISOString(), ...f }));
  }

  /** Warns (at most hourly per credential and instance) when a credential near expiry authenticates. */
  expiringSoon(r: { id: string; kind: string; tenant: string; expiresAt?: string }, days: number): void {
    if (!r.expiresAt) return;
    const now = Date.now();
    const left = Date.parse(r.expiresAt) - now;
    if (left > days * 86_400_000) return;
    const last = this.warned.get(r.id);
    if (last !== undefined && now - last < WARN_EVERY_MS) return;
    if (this.warned.size > 10_000) this.warned.clear();
    this.warned.set(r.id, now);
    this.sink(
      JSON.stringify({
        event: "auth.credential-expiring",
        at: new Date(now).toISOString(),
        credentialId: r.id,
        kind: r.kind,
        tenant: r.tenant,
        expiresAt: r.expiresAt,
        daysLeft: Math.floor(left / 86_400_000),
      }),
    );
  }

  /** Operational notes that carry no secret (signing key created, JWKS refreshed). */
  notice(event: string, fields: Record<string, string | number | boolean>): void {
    this.sink(JSON.stringify({ event, at: new Date().toISOString(), ...fields }));
  }
}
