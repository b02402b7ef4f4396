// Each tenant's schema policy, read from its settings row and cached per instance for at most 30 s (so a
// `policy set` reaches every instance within 30 s), with the deployment's default for tenants that have
// none. Concurrent misses share one read; a stored policy that no longer parses falls back to the default
// and says so in the log.
import { DEFAULT_POLICY, type TenantPolicy, type TenantTypes, parsePolicy, tenantTypes } from "../scim/policy";
import type { Store } from "../store";

export const POLICY_SETTING = "policy";
/** How long an instance keeps a tenant's policy: a change reaches every instance within it. */
export const POLICY_CACHE_SECONDS = 30;

export interface ResolvedPolicy {
  policy: TenantPolicy;
  types: TenantTypes;
}

export class PolicyCache {
  private readonly entries = new Map<string, { at: number; value: Promise<ResolvedPolicy> }>();

  constructor(
    private readonly store: Store,
    private readonly fallback: TenantPolicy = DEFAULT_POLICY,
    private readonly onInvalid: (tenant: string, reason: string) => void = () => undefined,
    private readonly ttlMs = POLICY_CACHE_SECONDS * 1000,
  ) {}

  get(tenant: string): Promise<ResolvedPolicy> {
    const now = Date.now();
    const hit = this.entries.get(tenant);
    if (hit && now - hit.at >= 0 && now - hit.at < this.ttlMs) return hit.value;
    if (this.entries.size > 10_000) this.entries.clear();
    const value = this.load(tenant);
    this.entries.set(tenant, { at: now, value });
    value.catch(() => this.entries.delete(tenant));
    return value;
  }

  private async load(tenant: string): Promise<ResolvedPolicy> {
    const text = await (await this.store.settings(tenant)).get(POLICY_SETTING);
    let policy = this.fallback;
    if (text !== undefined) {
      try {
        policy = parsePolicy(JSON.parse(text));
      } catch (e) {
        this.onInvalid(tenant, e instanceof Error ? e.message : String(e));
      }
    }
    return { policy, types: tenantTypes(policy) };
  }
}
