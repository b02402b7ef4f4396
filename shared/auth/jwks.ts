// Entra tenants' published signing keys (JWKS), cached per URL. A key is found by the token's `kid`; an
// unknown kid triggers a refresh, at most once per `minRefreshMs` per URL, so forged kids cannot turn
// into a stream of outbound requests. When the endpoint is down, cached keys keep working.
import type * as Jose from "jose";
import type { CryptoKey, JSONWebKeySet, JWSHeaderParameters } from "jose";
import { jose } from "./jose";
import type { AuthLog } from "./auth-log";
import { fresh } from "./credentials";
import { AuthRejected } from "./rejection";

/** Microsoft's keys for a tenant (v1 `sts.windows.net` and v2 tokens are signed by the same set). */
export const entraJwksUri = (entraTenantId: string) => `https://login.microsoftonline.com/${entraTenantId}/discovery/v2.0/keys`;

/** https only, except plain http to a loopback address (local tests). */
export function isAcceptableJwksUri(uri: string): boolean {
  try {
    const u = new URL(uri);
    return u.protocol === "https:" || (u.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname));
  } catch {
    return false;
  }
}

interface Entry {
  resolve?: ReturnType<typeof Jose.createLocalJWKSet>;
  fetchedAt: number;
  attemptedAt: number;
  inflight?: Promise<void>;
}

const MAX_BYTES = 512 * 1024;

export class JwksCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly log: AuthLog,
    private readonly maxAgeMs = 24 * 3_600_000,
    private readonly minRefreshMs = 60_000,
    private readonly timeoutMs = 5_000,
  ) {}

  /** The verification key for a JWS header; throws AuthRejected (unknown-kid / jwks-unavailable). */
  async keyFor(uri: string, header: JWSHeaderParameters): Promise<CryptoKey> {
    const entry = this.entries.get(uri) ?? { fetchedAt: 0, attemptedAt: 0 };
    this.entries.set(uri, entry);
    if (!entry.resolve || !fresh(entry.fetchedAt, this.maxAgeMs)) await this.refresh(uri, entry, true);
    try {
      if (entry.resolve) return await entry.resolve(header);
    } catch (e) {
      if ((e as { code?: string }).code !== "ERR_JWKS_NO_MATCHING_KEY") throw AuthRejected.because("malformed-token");
    }
    // Unknown kid: the tenant may have rotated its keys. Refresh once, within the rate bound.
    const refreshed = await this.refresh(uri, entry, false);
    const resolve = entry.resolve;
    if (!refreshed || !resolve) throw AuthRejected.because(resolve ? "unknown-kid" : "jwks-unavailable");
    try {
      return await resolve(header);
    } catch {
      throw AuthRejected.because("unknown-kid");
    }
  }

  /** True when a fetch ran (and succeeded) for this call. */
  private async refresh(uri: string, entry: Entry, stale: boolean): Promise<boolean> {
    if (entry.inflight) {
      await entry.inflight.catch(() => undefined);
      return entry.resolve !== undefined;
    }
    const limited = fresh(entry.attemptedAt, this.minRefreshMs);
    if (!stale && limited) return false;
    if (stale && entry.resolve && limited) return true; // keep stale keys, retry later
    entry.attemptedAt = Date.now();
    entry.inflight = this.fetchSet(uri)
      .then((set) => {
        entry.resolve = jose().createLocalJWKSet(set);
        entry.fetchedAt = Date.now();
        this.log.notice("auth.jwks-refreshed", { uri, keys: set.keys.length });
      })
      .finally(() => {
        entry.inflight = undefined;
      });
    try {
      await entry.inflight;
      return true;
    } catch {
      this.log.notice("auth.jwks-unavailable", { uri });
      return false;
    }
  }

  private async fetchSet(uri: string): Promise<JSONWebKeySet> {
    if (!isAcceptableJwksUri(uri)) throw new Error("JWKS URI must be https (or http on loopback)");
    const res = await fetch(uri, { signal: AbortSignal.timeout(this.timeoutMs), redirect: "error", headers: { accept: "application/json" } });
    if (!res.ok) throw new Error(`JWKS fetch returned ${res.status}`);
    const text = await res.text();
    if (text.length > MAX_BYTES) throw new Error("JWKS document too large");
    const set = JSON.parse(text) as JSONWebKeySet;
    if (!Array.isArray((set as Partial<JSONWebKeySet> | null)?.keys)) throw new Error("JWKS document has no keys array");
    return set;
  }
}
