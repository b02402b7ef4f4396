// Request limits, in memory per instance (token buckets): a generous budget per authenticated credential,
// past which a request waits in the process (≤ queueSeconds) before any 429, and a small budget per source
// address for traffic that proves no credential (anonymous routes, 401, 404, 413), answered 429 at once.
// Each 429 to Entra is a failed object retried a cycle later and counted toward quarantine, so a client
// with at most N requests in flight waits at most N / rate and is never refused while N < rate × queue.
import { isIP } from "node:net";
import { ScimError } from "../scim/errors";

export interface LimitSettings {
  credentialRequestsPerSecond: number;
  credentialBurst: number;
  anonymousRequestsPerSecond: number;
  anonymousBurst: number;
  /** Longest a credential's request waits for its budget before it is answered 429 (0: never waits). */
  limitQueueSeconds: number;
}

export interface LimitCounts {
  delayed: number;
  refusedCredential: number;
  refusedAnonymous: number;
}

/** Token buckets by key, bounded in memory. A bucket may go into debt (requests admitted to wait) up to `maxDebt`. */
class Buckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    perSecond: number,
    private readonly burst: number,
    private readonly maxDebt: number,
    private readonly maxKeys = 20_000,
  ) {
    this.perMs = perSecond / 1000;
  }

  /** Takes one token: the milliseconds to wait for it, or the seconds to come back after when the debt would pass `maxDebt`. */
  take(key: string, now = Date.now()): { waitMs: number } | { retryAfter: number } {
    const level = this.level(key, now);
    const waitMs = level >= 1 ? 0 : (1 - level) / this.perMs;
    if (level - 1 < -this.maxDebt) return { retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) };
    if (!this.buckets.has(key) && this.buckets.size >= this.maxKeys) this.evictFull(now);
    this.buckets.set(key, { tokens: level - 1, at: now });
    return { waitMs };
  }

  private level(key: string, now: number): number {
    const b = this.buckets.get(key);
    return b ? Math.min(this.burst, b.tokens + Math.max(0, now - b.at) * this.perMs) : this.burst;
  }

  /** Forgets buckets that have refilled; if that is not enough, forgets everything (fails open, not closed). */
  private evictFull(now: number): void {
    for (const key of [...this.buckets.keys()]) if (this.level(key, now) >= this.burst) this.buckets.delete(key);
    if (this.buckets.size > this.maxKeys / 2) this.buckets.clear();
  }
}

export class RequestLimits {
  private readonly credentials: Buckets;
  private readonly sources: Buckets;
  private readonly counts: LimitCounts = { delayed: 0, refusedCredential: 0, refusedAnonymous: 0 };

  constructor(
    settings: LimitSettings,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.credentials = new Buckets(
      settings.credentialRequestsPerSecond,
      settings.credentialBurst,
      settings.credentialRequestsPerSecond * settings.limitQueueSeconds,
    );
    this.sources = new Buckets(settings.anonymousRequestsPerSecond, settings.anonymousBurst, 0);
  }

  /** A request authenticated by `credentialId`: waits for its budget, or returns the 429 to answer. */
  async credential(credentialId: string): Promise<ScimError | undefined> {
    const taken = this.credentials.take(`cred:${credentialId}`);
    if ("retryAfter" in taken) {
      this.counts.refusedCredential++;
      return ScimError.tooManyRequests("Too many requests for this credential; retry later.", taken.retryAfter);
    }
    if (taken.waitMs > 0) {
      this.counts.delayed++;
      await this.sleep(taken.waitMs);
    }
    return undefined;
  }

  /** A request that proved no credential, from `source`: the 429 to answer once the source's budget is spent. */
  anonymous(source: string | undefined): ScimError | undefined {
    const taken = this.sources.take(`src:${sourceKey(source)}`);
    if (!("retryAfter" in taken)) return undefined;
    this.counts.refusedAnonymous++;
    return ScimError.tooManyRequests("Too many unauthenticated requests from this address; retry later.", taken.retryAfter);
  }

  /** How many requests this instance delayed and refused since it started. */
  stats(): LimitCounts {
    return { ...this.counts };
  }
}

/** The bucket of an address: IPv4 as it is (IPv4-mapped IPv6 unwrapped), IPv6 by its /64, which one host usually holds whole. */
export function sourceKey(ip: string | undefined): string {
  if (!ip) return "unknown";
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (v4 || isIP(ip) !== 6) return v4 ?? ip;
  const [head = "", tail = ""] = ip.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = ip.includes("::") ? (tail ? tail.split(":") : []) : [];
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/**
 * The client address in an X-Forwarded-For header set by a platform front end that appends the address
 * it accepted the connection from (Azure App Service / Functions; with a port, `203.0.113.7:49828` or
 * `[2001:db8::1]:49828`): the LAST entry. Entries before it are whatever the caller sent and prove nothing.
 */
export function clientFromForwardedFor(header: string | undefined): string | undefined {
  const last = header?.split(",").pop()?.trim();
  if (!last) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(last)?.[1];
  const candidate = bracketed ?? (/^[\d.]+:\d+$/.test(last) ? last.slice(0, last.lastIndexOf(":")) : last);
  return isIP(candidate) ? candidate : undefined;
}
