// Access-token signing keys: ES256 private JWKs in one Key Vault secret (`oauth-signing-keys`: current
// key first, then the previous one, so tokens signed before a rotation stay valid) or, locally, a file.
// Cached in memory; created on first use. Key material is never logged (only the public `kid`).
import path from "node:path";
import type { SecretClient } from "@azure/keyvault-secrets";
import type { CryptoKey, JWK } from "jose";
import { jose } from "./jose";
import type { AuthLog } from "./auth-log";
import type { CredentialSettings } from "./credentials";
import { fresh } from "./credentials";
import { SecretClientFactory, statusOf } from "./key-vault";
import { readFileIfPresent, siblingFile, writeFileAtomically } from "./local-files";

export const SIGNING_ALG = "ES256";
export interface StoredSigningKey {
  kid: string;
  createdAt: string;
  jwk: JWK;
}
export interface SigningKeySet {
  v: 1;
  keys: StoredSigningKey[];
}

export interface SigningKeyStore {
  readonly description: string;
  load(): Promise<SigningKeySet | undefined>;
  save(set: SigningKeySet): Promise<void>;
}

const SECRET_NAME = "oauth-signing-keys";

export class KeyVaultSigningKeyStore implements SigningKeyStore {
  private readonly client: SecretClient;
  constructor(
    readonly vaultUri: string,
    client: SecretClient,
  ) {
    this.client = client;
  }
  get description() {
    return `Key Vault ${this.vaultUri} secret ${SECRET_NAME}`;
  }
  /** 1 Key Vault GET. */
  async load() {
    try {
      const secret = await this.client.getSecret(SECRET_NAME);
      return secret.value ? (JSON.parse(secret.value) as SigningKeySet) : undefined;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }
  /** 1 Key Vault SET (a new version; earlier versions stay in the vault's history). */
  async save(set: SigningKeySet) {
    await this.client.setSecret(SECRET_NAME, JSON.stringify(set), { contentType: "application/json", tags: { purpose: "oauth-signing-keys" } });
  }
}

export class FileSigningKeyStore implements SigningKeyStore {
  constructor(readonly file: string) {}
  get description() {
    return `local file ${this.file}`;
  }
  async load() {
    const text = await readFileIfPresent(this.file);
    return text === undefined ? undefined : (JSON.parse(text) as SigningKeySet);
  }
  async save(set: SigningKeySet) {
    await writeFileAtomically(this.file, JSON.stringify(set, null, 2) + "\n");
  }
}

export function signingKeyStore(s: CredentialSettings, secretClients: SecretClientFactory): SigningKeyStore {
  return s.keyVaultUri
    ? new KeyVaultSigningKeyStore(s.keyVaultUri, secretClients(s.keyVaultUri, s.managedIdentityClientId))
    : new FileSigningKeyStore(siblingFile(path.resolve(s.localCredentialsFile), "signing-keys"));
}

export async function newSigningKey(): Promise<StoredSigningKey> {
  const { privateKey } = await jose().generateKeyPair(SIGNING_ALG, { extractable: true });
  const jwk = await jose().exportJWK(privateKey);
  const kid = await jose().calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });
  return { kid, createdAt: new Date().toISOString(), jwk: { ...jwk, kid, alg: SIGNING_ALG, use: "sig" } };
}

/** The set after a rotation: the new key signs, the old current one still verifies, older ones are dropped. */
export const rotatedSet = (set: SigningKeySet | undefined, key: StoredSigningKey): SigningKeySet => ({ v: 1, keys: [key, ...(set?.keys.slice(0, 1) ?? [])] });

/** Longest access-token lifetime plus the key cache: how long tokens signed by a replaced key stay valid. */
const KEY_CACHE_TTL_MS = 300_000;
const OLD_TOKENS_VALID_MS = 6 * 3_600_000 + KEY_CACHE_TTL_MS;

/**
 * Makes a new current key. The key before the current one is dropped, so this refuses while tokens it
 * signed may still be valid, unless forced (a leaked key: rotate twice with force).
 */
export async function rotateSigningKey(store: SigningKeyStore, force = false): Promise<{ kid: string; dropped?: string }> {
  const set = await store.load();
  const [current, previous] = set?.keys ?? [];
  if (current && previous && !force && Date.now() - Date.parse(current.createdAt) < OLD_TOKENS_VALID_MS) {
    throw new Error(
      `The current key ${current.kid} is younger than the longest token lifetime; rotating now would reject tokens signed by ${previous.kid}. Use --force for a leaked key.`,
    );
  }
  const key = await newSigningKey();
  await store.save(rotatedSet(set, key));
  return { kid: key.kid, ...(previous ? { dropped: previous.kid } : {}) };
}

export interface LoadedKey {
  kid: string;
  createdAt: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

async function loadKey(k: StoredSigningKey): Promise<LoadedKey> {
  const { d: _private, ...publicJwk } = k.jwk;
  return {
    kid: k.kid,
    createdAt: k.createdAt,
    privateKey: (await jose().importJWK(k.jwk, SIGNING_ALG)) as CryptoKey,
    publicKey: (await jose().importJWK(publicJwk, SIGNING_ALG)) as CryptoKey,
  };
}

/**
 * The keys in memory: reloaded every `ttlMs` (a rotation reaches every instance within it) and, at most
 * every `minReloadMs`, when a token names a kid we do not hold (another instance rotated first).
 */
export class SigningKeys {
  private loaded?: { at: number; keys: LoadedKey[] };
  private loading?: Promise<LoadedKey[]>;

  constructor(
    readonly store: SigningKeyStore,
    private readonly log: AuthLog,
    private readonly ttlMs = KEY_CACHE_TTL_MS,
    private readonly minReloadMs = 30_000,
  ) {}

  async current(): Promise<LoadedKey> {
    const [current] = await this.keys(false);
    if (!current) throw new Error("no signing key");
    return current;
  }

  async verificationKey(kid: string): Promise<CryptoKey | undefined> {
    const found = (await this.keys(false)).find((k) => k.kid === kid);
    if (found || !this.loaded || fresh(this.loaded.at, this.minReloadMs)) return found?.publicKey;
    return (await this.keys(true)).find((k) => k.kid === kid)?.publicKey;
  }

  private keys(force: boolean): Promise<LoadedKey[]> {
    if (!force && this.loaded && fresh(this.loaded.at, this.ttlMs)) return Promise.resolve(this.loaded.keys);
    this.loading ??= this.reload().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async reload(): Promise<LoadedKey[]> {
    let set = await this.store.load();
    if (!set?.keys.length) {
      // First use: create a key, then adopt whatever the store holds (another instance may have won the race).
      const key = await newSigningKey();
      await this.store.save(rotatedSet(undefined, key));
      set = (await this.store.load()) ?? rotatedSet(undefined, key);
      this.log.notice("auth.signing-key-created", { kid: set.keys[0]?.kid ?? key.kid });
    }
    const keys = await Promise.all(set.keys.map(loadKey));
    this.loaded = { at: Date.now(), keys };
    return keys;
  }
}
