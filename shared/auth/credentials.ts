// Where credential records live: Azure Key Vault (one secret `cred-<id>` per record) on Azure, a JSON
// file for local development; and a short per-id cache so Key Vault is not called per request. Only
// hashes are stored, never a token or a client secret.
import path from "node:path";
import type { SecretClient } from "@azure/keyvault-secrets";
import { CredentialKind, CredentialRecord, CredentialSummary, summarize } from "./records";
import { SecretClientFactory, statusOf } from "./key-vault";
import { readFileIfPresent, writeFileAtomically } from "./local-files";

export type { CredentialRecord } from "./records";
export { isActive } from "./records";

export interface CredentialStore {
  readonly description: string;
  get(id: string): Promise<CredentialRecord | undefined>;
  list(): Promise<CredentialRecord[]>;
  /** Ids, kinds, tenants, expiry and revocation only; cheap enough for the health endpoint. */
  listSummaries(): Promise<CredentialSummary[]>;
  put(record: CredentialRecord): Promise<void>;
  /** Marks a credential revoked; false when it does not exist. */
  revoke(id: string): Promise<boolean>;
  /** Writes a plaintext value for an operator to collect once (Key Vault only). */
  putHandover?(name: string, value: string): Promise<void>;
}

/** Local development store: a JSON file written atomically. */
export class FileCredentialStore implements CredentialStore {
  constructor(readonly file: string) {}
  get description() {
    return `local file ${this.file}`;
  }

  private async read(): Promise<CredentialRecord[]> {
    const text = await readFileIfPresent(this.file);
    return text === undefined ? [] : (JSON.parse(text) as { credentials: CredentialRecord[] }).credentials;
  }

  async get(id: string) {
    return (await this.read()).find((c) => c.id === id);
  }
  async list() {
    return this.read();
  }
  async listSummaries() {
    return (await this.read()).map(summarize);
  }
  async put(record: CredentialRecord) {
    const all = (await this.read()).filter((c) => c.id !== record.id);
    await writeFileAtomically(this.file, JSON.stringify({ credentials: [...all, record] }, null, 2) + "\n");
  }
  async revoke(id: string) {
    const found = await this.get(id);
    if (!found) return false;
    await this.put({ ...found, revokedAt: found.revokedAt ?? new Date().toISOString() });
    return true;
  }
}

const SECRET_PREFIX = "cred-";

/** Azure Key Vault store: secret `cred-<id>` holds the record as JSON; tags repeat what listing needs. */
export class KeyVaultCredentialStore implements CredentialStore {
  private readonly client: SecretClient;
  constructor(
    readonly vaultUri: string,
    client: SecretClient,
  ) {
    this.client = client;
  }
  get description() {
    return `Key Vault ${this.vaultUri}`;
  }

  /** 1 Key Vault GET (latest version). */
  async get(id: string): Promise<CredentialRecord | undefined> {
    try {
      const secret = await this.client.getSecret(SECRET_PREFIX + id);
      if (!secret.value || secret.properties.enabled === false) return undefined;
      return JSON.parse(secret.value) as CredentialRecord;
    } catch (e) {
      const status = statusOf(e);
      if (status === 404 || status === 403) return undefined; // absent, or disabled (revoked)
      throw e;
    }
  }

  /** 1 list call per 25 secrets plus 1 GET per credential: for the CLI, never per request. */
  async list(): Promise<CredentialRecord[]> {
    const out: CredentialRecord[] = [];
    for await (const props of this.client.listPropertiesOfSecrets()) {
      if (!props.name.startsWith(SECRET_PREFIX)) continue;
      const record = await this.get(props.name.slice(SECRET_PREFIX.length));
      if (record) out.push(record);
    }
    return out;
  }

  /** 1 list call per 25 secrets; reads a record (1 GET) only when its tags are missing. */
  async listSummaries(): Promise<CredentialSummary[]> {
    const out: CredentialSummary[] = [];
    for await (const props of this.client.listPropertiesOfSecrets()) {
      if (!props.name.startsWith(SECRET_PREFIX)) continue;
      const id = props.name.slice(SECRET_PREFIX.length);
      const tags = props.tags ?? {};
      if (!tags.kind || !tags.tenant) {
        const record = await this.get(id);
        if (record) out.push(summarize(record));
        continue;
      }
      out.push({
        id,
        kind: tags.kind as CredentialKind,
        tenant: tags.tenant,
        revoked: tags.revoked === "true" || props.enabled === false,
        ...(tags.client ? { clientId: tags.client } : {}),
        ...(props.expiresOn ? { expiresAt: props.expiresOn.toISOString() } : {}),
      });
    }
    return out;
  }

  /** 1 Key Vault SET (a new secret version). */
  async put(record: CredentialRecord): Promise<void> {
    await this.client.setSecret(SECRET_PREFIX + record.id, JSON.stringify(record), {
      contentType: "application/json",
      expiresOn: record.expiresAt ? new Date(record.expiresAt) : undefined,
      tags: {
        kind: record.kind,
        tenant: record.tenant,
        ...(record.kind === "client-secret" ? { client: record.clientId } : {}),
        ...(record.revokedAt ? { revoked: "true" } : {}),
      },
    });
  }

  /** 1 GET + 1 SET. */
  async revoke(id: string): Promise<boolean> {
    const record = await this.get(id);
    if (!record) return false;
    if (!record.revokedAt) await this.put({ ...record, revokedAt: new Date().toISOString() });
    return true;
  }

  /** 1 Key Vault SET. */
  async putHandover(name: string, value: string): Promise<void> {
    await this.client.setSecret(name, value, { contentType: "text/plain", tags: { purpose: "handover" } });
  }
}

/** Where credential records live, from the settings: Key Vault when a vault is configured, else the local file. */
export interface CredentialSettings {
  keyVaultUri?: string;
  localCredentialsFile: string;
  managedIdentityClientId?: string;
}

export function credentialStore(s: CredentialSettings, secretClients: SecretClientFactory): CredentialStore {
  return s.keyVaultUri
    ? new KeyVaultCredentialStore(s.keyVaultUri, secretClients(s.keyVaultUri, s.managedIdentityClientId))
    : new FileCredentialStore(path.resolve(s.localCredentialsFile));
}

/** True while `at` lies within the last `ms`; a clock that stepped backwards makes an entry stale, not eternal. */
export const fresh = (at: number, ms: number, now = Date.now()) => now - at >= 0 && now - at < ms;

/**
 * Per-id cache in front of a store: a record (or its absence) is reused for `ttlSeconds`, and
 * concurrent misses share one lookup. Revocation therefore takes effect within the TTL.
 */
export class CachedCredentials {
  private readonly entries = new Map<string, { at: number; value: Promise<CredentialRecord | undefined> }>();
  constructor(
    readonly store: CredentialStore,
    readonly ttlSeconds: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(id: string): Promise<CredentialRecord | undefined> {
    const now = Date.now();
    const hit = this.entries.get(id);
    if (hit && fresh(hit.at, this.ttlSeconds * 1000, now)) return hit.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = this.store.get(id);
    this.entries.set(id, { at: now, value });
    value.catch(() => this.entries.delete(id));
    return value;
  }
}
