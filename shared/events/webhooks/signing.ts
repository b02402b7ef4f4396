// Standard Webhooks 1.0 signing: `whsec_` secrets (base64 of 32 random bytes), and the three headers of an
// attempt. The HMAC is the `standardwebhooks` package's own (Webhook#sign), the same code receivers verify
// with. During a rotation every secret still valid signs: the signatures are space-separated.
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";

/** One signing secret of an endpoint; `expiresAt` is set on the previous one while a rotation runs. */
export interface SigningSecret {
  secret: string;
  createdAt: string;
  expiresAt?: string;
}

/**
 * Where an endpoint's signing secrets are kept. They cannot be hashed (we sign with them), so not in Table
 * Storage: Key Vault on Azure, a 0600 file locally (shared/auth/webhook-secrets.ts; the root wires one in).
 */
export interface WebhookSecretStore {
  readonly description: string;
  /** Every secret stored for the endpoint, newest first (expired ones included: callers filter). */
  get(endpointId: string): Promise<SigningSecret[]>;
  put(endpointId: string, secrets: SigningSecret[]): Promise<void>;
  remove(endpointId: string): Promise<void>;
}

export const newSigningSecret = () => "whsec_" + randomBytes(32).toString("base64");

/** The secrets that sign now: unexpired, newest first. */
export const validSecrets = (secrets: readonly SigningSecret[], now = Date.now()) =>
  secrets.filter((s) => s.expiresAt === undefined || Date.parse(s.expiresAt) > now).map((s) => s.secret);

/** The Standard Webhooks headers of one attempt (the timestamp is the attempt's, the id the event's). */
export function signedHeaders(id: string, body: string, secrets: readonly string[], at: Date): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": "scim-functions-webhooks/1",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": secrets.map((s) => new Webhook(s).sign(id, at, body)).join(" "),
  };
}

/**
 * The secret store with a per-endpoint cache (≤ `ttlSeconds`), so Key Vault is not called per delivery;
 * this instance's own writes replace its cache at once (other instances see them within the TTL, while
 * both secrets of a rotation are valid anyway).
 */
export class CachedSecretStore implements WebhookSecretStore {
  private readonly entries = new Map<string, { at: number; value: Promise<SigningSecret[]> }>();
  constructor(
    private readonly inner: WebhookSecretStore,
    private readonly ttlSeconds = 30,
  ) {}
  get description() {
    return this.inner.description;
  }
  get(endpointId: string): Promise<SigningSecret[]> {
    const hit = this.entries.get(endpointId);
    const now = Date.now();
    if (hit && now - hit.at >= 0 && now - hit.at < this.ttlSeconds * 1000) return hit.value;
    if (this.entries.size >= 10_000) this.entries.clear();
    const value = this.inner.get(endpointId);
    this.entries.set(endpointId, { at: now, value });
    value.catch(() => this.entries.delete(endpointId));
    return value;
  }
  async put(endpointId: string, secrets: SigningSecret[]): Promise<void> {
    this.entries.delete(endpointId);
    await this.inner.put(endpointId, secrets);
    this.entries.delete(endpointId);
  }
  async remove(endpointId: string): Promise<void> {
    this.entries.delete(endpointId);
    await this.inner.remove(endpointId);
    this.entries.delete(endpointId);
  }
}
