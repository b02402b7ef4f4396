// Random secrets and their hashes. Secrets are 256-bit random, so a plain SHA-256 is an adequate
// at-rest hash (no dictionary to guard against); comparison is constant-time.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const newCredentialId = () => randomBytes(8).toString("hex");
export const newSecret = () => randomBytes(32).toString("base64url");
export const hashSecret = (secret: string) => createHash("sha256").update(secret, "utf8").digest("base64url");

/** Constant-time comparison of two base64url SHA-256 digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "base64url");
  const y = Buffer.from(b, "base64url");
  return x.length === y.length && x.length === 32 && timingSafeEqual(x, y);
}

/** A digest that matches nothing, compared against when a credential id is unknown (equal timing). */
export const DUMMY_HASH = hashSecret("no-such-credential");

/** Static bearer tokens: `sft_<credential id>.<secret>`; the id makes the lookup a point read. */
export const TOKEN_PREFIX = "sft_";
const TOKEN = /^sft_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

export function formatToken(id: string, secret: string): string {
  return `${TOKEN_PREFIX}${id}.${secret}`;
}

export function parseToken(token: string): { id: string } | undefined {
  const id = TOKEN.exec(token)?.[1];
  return id ? { id } : undefined;
}

/** OAuth client secrets: `scs_<secret id>.<secret>`; the id makes the lookup a point read, as for tokens. */
const CLIENT_SECRET = /^scs_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

export function formatClientSecret(id: string, secret: string): string {
  return `scs_${id}.${secret}`;
}

export function parseClientSecret(value: string): { id: string } | undefined {
  const id = CLIENT_SECRET.exec(value)?.[1];
  return id ? { id } : undefined;
}
