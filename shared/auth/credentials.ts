// Where credential hashes live: Azure Key Vault (one secret per credential) on Azure, a JSON file for
// local development; and a short-lived cache so Key Vault is not called per request. Only hashes are
// stored, never a token.
import { promises as fs } from "node:fs";
import path from "node:path";
import { SecretClient } from "@azure/keyvault-secrets";
import { DefaultAzureCredential } from "@azure/identity";
import { Config } from "../config";

export interface CredentialRecord {
  id: string;
  kind: "token";
  tenant: string;
  label: string;
  hash: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
}

export interface CredentialStore {
  readonly description: string;
  get(id: string): Promise<CredentialRecord | undefined>;
  list(): Promise<CredentialRecord[]>;
  put(record: CredentialRecord): Promise<void>;
  /** Marks a credential revoked; false when it does not exist. */
  revoke(id: string): Promise<boolean>;
  /** Writes a plaintext value for an operator to collect once (Key Vault only). */
  putHandover?(name: string, value: string): Promise<void>;
}

export const isActive = (r: CredentialRecord, now = Date.now()) =>
  !r.revokedAt && (!r.expiresAt || Date.parse(r.expiresAt) > now);

/** Local development store: a JSON file written atomically. */
export class FileCredentialStore implements CredentialStore {
  constructor(private readonly file: string) {}
  get description() { return `local file ${this.file}`; }

  private async read(): Promise<CredentialRecord[]> {
    try {
      return (JSON.parse(await fs.readFile(this.file, "utf8")) as { credentials: CredentialRecord[] }).credentials;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
  }

  private async write(credentials: CredentialRecord[]): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify({ credentials }, null, 2) + "\n", { mode: 0o600 });
    await fs.rename(tmp, this.file);
  }

  async get(id: string) { return (await this.read()).find((c) => c.id === id); }
  async list() { return this.read(); }
  async put(record: CredentialRecord) {
    const all = (await this.read()).filter((c) => c.id !== record.id);
    await this.write([...all, record]);
  }
  async revoke(id: string) {
    const all = await this.read();
    const found = all.find((c) => c.id === id);
    if (!found) return false;
    found.revokedAt ??= new Date().toISOString();
    await this.write(all);
    return true;
  }
}

const SECRET_PREFIX = "cred-";

/** Azure Key Vault store: secret `cred-<id>` holds the record (with the hash) as JSON. */
export class KeyVaultCredentialStore implements CredentialStore {
  private readonly client: SecretClient;
  constructor(readonly vaultUri: string, client?: SecretClient, managedIdentityClientId?: string) {
    this.client = client ?? new SecretClient(vaultUri, new DefaultAzureCredential(managedIdentityClientId ? { managedIdentityClientId } : {}));
  }
  get description() { return `Key Vault ${this.vaultUri}`; }

  async get(id: string): Promise<CredentialRecord | undefined> {
    try {
      const secret = await this.client.getSecret(SECRET_PREFIX + id);
      if (!secret.value || secret.properties.enabled === false) return undefined;
      return JSON.parse(secret.value) as CredentialRecord;
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status === 404 || status === 403) return undefined; // absent, or disabled (revoked)
      throw e;
    }
  }

  async list(): Promise<CredentialRecord[]> {
    const out: CredentialRecord[] = [];
    for await (const props of this.client.listPropertiesOfSecrets()) {
      if (!props.name.startsWith(SECRET_PREFIX)) continue;
      const record = await this.get(props.name.slice(SECRET_PREFIX.length));
      if (record) out.push(record);
    }
    return out;
  }

  async put(record: CredentialRecord): Promise<void> {
    await this.client.setSecret(SECRET_PREFIX + record.id, JSON.stringify(record), {
      contentType: "application/json",
      expiresOn: record.expiresAt ? new Date(record.expiresAt) : undefined,
      tags: { kind: record.kind, tenant: record.tenant },
    });
  }

  async revoke(id: string): Promise<boolean> {
    const record = await this.get(id);
    if (!record) return false;
    await this.put({ ...record, revokedAt: new Date().toISOString() });
    return true;
  }

  async putHandover(name: string, value: string): Promise<void> {
    await this.client.setSecret(name, value, { contentType: "text/plain", tags: { purpose: "handover" } });
  }
}

export function credentialStore(cfg: Config): CredentialStore {
  return cfg.keyVaultUri
    ? new KeyVaultCredentialStore(cfg.keyVaultUri, undefined, cfg.managedIdentityClientId)
    : new FileCredentialStore(path.resolve(cfg.localCredentialsFile));
}

/**
 * Per-id cache in front of a store: a record (or its absence) is reused for `ttlSeconds`, and
 * concurrent misses share one lookup. Revocation therefore takes effect within the TTL.
 */
export class CachedCredentials {
  private readonly entries = new Map<string, { at: number; value: Promise<CredentialRecord | undefined> }>();
  constructor(private readonly store: CredentialStore, private readonly ttlSeconds: number, private readonly maxEntries = 10_000) {}

  get(id: string): Promise<CredentialRecord | undefined> {
    const now = Date.now();
    const hit = this.entries.get(id);
    if (hit && now - hit.at < this.ttlSeconds * 1000) return hit.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = this.store.get(id);
    this.entries.set(id, { at: now, value });
    value.catch(() => this.entries.delete(id));
    return value;
  }
}
