// Failed-authentication budgets per client and per source address (token buckets, in memory per
// instance). Only failures spend the budget: a valid credential is always verified and let through,
// so an attacker cannot lock a real client out; once a bucket is empty, failures are answered 429.

interface Bucket {
  tokens: number;
  at: number;
}

export class FailureThrottle {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  /** `limit` failures per `windowSeconds` for each key, refilled continuously. */
  constructor(
    private readonly limit: number,
    windowSeconds: number,
    private readonly maxKeys = 20_000,
  ) {
    this.perMs = limit / (windowSeconds * 1000);
  }

  /** Seconds until any of the keys may fail again without a 429 (0 when none is exhausted). */
  retryAfter(keys: readonly string[]): number {
    const now = Date.now();
    let wait = 0;
    for (const key of keys) {
      const tokens = this.level(key, now);
      if (tokens < 1) wait = Math.max(wait, Math.ceil((1 - tokens) / this.perMs / 1000));
    }
    return wait;
  }

  /** Spends one failure from each key's bucket. */
  recordFailure(keys: readonly string[]): void {
    const now = Date.now();
    if (this.buckets.size + keys.length > this.maxKeys) this.evictFull(now);
    for (const key of keys) this.buckets.set(key, { tokens: Math.max(this.level(key, now) - 1, -this.limit), at: now });
  }

  private level(key: string, now: number): number {
    const b = this.buckets.get(key);
    return b ? Math.min(this.limit, b.tokens + Math.max(0, now - b.at) * this.perMs) : this.limit;
  }

  /** Forgets buckets that have refilled; if that is not enough, forgets everything (fails open, not closed). */
  private evictFull(now: number): void {
    for (const key of [...this.buckets.keys()]) if (this.level(key, now) >= this.limit) this.buckets.delete(key);
    if (this.buckets.size > this.maxKeys / 2) this.buckets.clear();
  }
}

/** Bucket keys for a request: its source address and, when syntactically valid, the client it names. */
export function throttleKeys(source: string | undefined, clientId: string | undefined): string[] {
  return [`src:${source ?? "unknown"}`, ...(clientId ? [`client:${clientId}`] : [])];
}
