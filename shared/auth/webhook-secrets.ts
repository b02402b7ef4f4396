// Where webhook signing secrets live. Unlike credentials they cannot be hashed — we sign with them — so
// they stay out of Table Storage: on Azure one Key Vault secret per endpoint (`webhook-<endpoint id>`, the
// endpoint's secrets as JSON, reached with the managed identity like the credential records), locally a
// JSON file beside the credentials file, readable by the owner only (0600) and replaced atomically.
// Implements shared/events' WebhookSecretStore (structurally: auth does not import events).
import path from "node:path";
import type { SecretClient } from "@azure/keyvault-secrets";
import { type SecretClientFactory, statusOf } from "./key-vault";
import { readFileIfPresent, siblingFile, writeFileAtomically } from "./local-files";

export interface StoredSigningSecret {
  secret: string;
  createdAt: string;
  expiresAt?: string;
}

export interface WebhookSecrets {
  readonly description: string;
  get(endpointId: string): Promise<StoredSigningSecret[]>;
  put(endpointId: string, secrets: StoredSigningSecret[]): Promise<void>;
  remove(endpointId: string): Promise<void>;
}

/** Local development: `.local/credentials.webhook-secrets.json` (mode 0600). */
export class FileWebhookSecrets implements WebhookSecrets {
  private writing: Promise<void> = Promise.resolve();
  constructor(readonly file: string) {}
  get description() {
    return `local file ${this.file}`;
  }
  private async read(): Promise<Record<string, StoredSigningSecret[]>> {
    const text = await readFileIfPresent(this.file);
    return text === undefined ? {} : (JSON.parse(text) as { endpoints: Record<string, StoredSigningSecret[]> }).endpoints;
  }
  async get(endpointId: string) {
    return (await this.read())[endpointId] ?? [];
  }
  /** Writes of this process one after another (read-modify-write of one file). */
  private change(apply: (all: Record<string, StoredSigningSecret[]>) => void): Promise<void> {
    const next = this.writing.then(async () => {
      const all = await this.read();
      apply(all);
      await writeFileAtomically(this.file, JSON.stringify({ endpoints: all }, null, 2) + "\n");
    });
    this.writing = next.catch(() => undefined);
    return next;
  }
  put(endpointId: string, secrets: StoredSigningSecret[]) {
    return this.change((all) => {
      all[endpointId] = secrets;
    });
  }
  remove(endpointId: string) {
    return this.change((all) => {
      delete all[endpointId];
    });
  }
}

const PREFIX = "webhook-";
/** Key Vault names: letters, digits and dashes. */
const vaultName = (endpointId: string) => PREFIX + endpointId.replace(/[^A-Za-z0-9-]/g, "-");

/** Azure: one Key Vault secret per endpoint. */
export class KeyVaultWebhookSecrets implements WebhookSecrets {
  constructor(
    readonly vaultUri: string,
    private readonly client: SecretClient,
  ) {}
  get description() {
    return `Key Vault ${this.vaultUri}`;
  }
  /** 1 Key Vault GET. */
  async get(endpointId: string): Promise<StoredSigningSecret[]> {
    try {
      const s = await this.client.getSecret(vaultName(endpointId));
      if (!s.value || s.properties.enabled === false) return [];
      return (JSON.parse(s.value) as { secrets: StoredSigningSecret[] }).secrets;
    } catch (e) {
      if (statusOf(e) === 404) return [];
      throw e;
    }
  }
  /** 1 Key Vault SET (a new version; the vault keeps the old versions). */
  async put(endpointId: string, secrets: StoredSigningSecret[]): Promise<void> {
    await this.client.setSecret(vaultName(endpointId), JSON.stringify({ secrets }), { contentType: "application/json", tags: { purpose: "webhook-signing" } });
  }
  /** 1 Key Vault SET: a last version that holds no secret and is disabled (the old versions stay with the vault's own retention). */
  async remove(endpointId: string): Promise<void> {
    await this.client.setSecret(vaultName(endpointId), JSON.stringify({ secrets: [] }), {
      contentType: "application/json",
      enabled: false,
      tags: { purpose: "webhook-signing", removed: "true" },
    });
  }
}

export interface WebhookSecretSettings {
  keyVaultUri?: string;
  localCredentialsFile: string;
  managedIdentityClientId?: string;
}

export function webhookSecrets(s: WebhookSecretSettings, secretClients: SecretClientFactory): WebhookSecrets {
  return s.keyVaultUri
    ? new KeyVaultWebhookSecrets(s.keyVaultUri, secretClients(s.keyVaultUri, s.managedIdentityClientId))
    : new FileWebhookSecrets(siblingFile(path.resolve(s.localCredentialsFile), "webhook-secrets"));
}
