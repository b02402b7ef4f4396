// The stamp key: 32 random bytes, made on first use and kept as a secret (Key Vault secret `stamp-key`
// on Azure, a 0600 file beside the local credentials file otherwise). Never used directly: each purpose
// gets its own key derived with HKDF-SHA256 (the activity log's userName hashes, status-page tickets), so
// a value made for one purpose is worthless for another. Key material is never logged.
import path from "node:path";
import { hkdfSync, randomBytes } from "node:crypto";
import type { CredentialSettings } from "./credentials";
import { type SecretClientFactory, statusOf } from "./key-vault";
import { readFileIfPresent, siblingFile, writeFileAtomically } from "./local-files";

export type KeyPurpose = "activity-user-hash" | "status-ticket";

export interface StampKeys {
  readonly description: string;
  /** The 32-byte key of a purpose (the stamp key is read once per process and then kept in memory). */
  key(purpose: KeyPurpose): Promise<Buffer>;
}

interface KeySource {
  readonly description: string;
  load(): Promise<string | undefined>;
  save(value: string): Promise<void>;
}

const SECRET_NAME = "stamp-key";

function keyVaultSource(vaultUri: string, client: ReturnType<SecretClientFactory>): KeySource {
  return {
    description: `Key Vault ${vaultUri} secret ${SECRET_NAME}`,
    load: async () => {
      try {
        return (await client.getSecret(SECRET_NAME)).value;
      } catch (e) {
        if (statusOf(e) === 404) return undefined;
        throw e;
      }
    },
    save: async (value) => {
      await client.setSecret(SECRET_NAME, value, { tags: { purpose: "stamp-key" } });
    },
  };
}

function fileSource(file: string): KeySource {
  return {
    description: `local file ${file}`,
    load: async () => (await readFileIfPresent(file))?.trim(),
    save: (value) => writeFileAtomically(file, value + "\n"),
  };
}

export function stampKeys(s: CredentialSettings, secretClients: SecretClientFactory): StampKeys {
  const source = s.keyVaultUri
    ? keyVaultSource(s.keyVaultUri, secretClients(s.keyVaultUri, s.managedIdentityClientId))
    : fileSource(siblingFile(path.resolve(s.localCredentialsFile), "stamp-key"));
  return keysFrom(source);
}

function keysFrom(source: KeySource): StampKeys {
  let root: Promise<Buffer> | undefined;
  const derived = new Map<KeyPurpose, Buffer>();
  const load = async (): Promise<Buffer> => {
    let value = await source.load();
    if (!value) {
      // Two instances starting at once may both create one; reading back after saving makes the later
      // write the key both use from then on (a hash or ticket made in between by the other is lost).
      await source.save(randomBytes(32).toString("base64url"));
      value = await source.load();
    }
    if (!value || Buffer.from(value, "base64url").length < 32) throw new Error(`The stamp key in ${source.description} is not 32 bytes of base64url.`);
    return Buffer.from(value, "base64url");
  };
  return {
    description: source.description,
    key: async (purpose) => {
      const known = derived.get(purpose);
      if (known) return known;
      root ??= load().catch((e: unknown) => {
        root = undefined;
        throw e;
      });
      const key = Buffer.from(hkdfSync("sha256", await root, Buffer.alloc(0), `scim-functions ${purpose}`, 32));
      derived.set(purpose, key);
      return key;
    },
  };
}
