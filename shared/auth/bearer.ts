// Reads `Authorization: Bearer …`, finds the credential and compares hashes in constant time.
// Failures are 401 SCIM errors; the token never reaches a log or an error message.
import { ScimError } from "../scim/errors";
import { CachedCredentials, isActive } from "./credentials";
import { DUMMY_HASH, hashSecret, parseToken, sameHash } from "./secrets";

export interface Principal { tenant: string; credentialId: string }

const CHALLENGE_INVALID = 'Bearer realm="scim", error="invalid_token"';

export function bearerToken(header: string | null): string {
  if (!header) throw ScimError.unauthorized("An Authorization: Bearer token is required.");
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw ScimError.unauthorized("The Authorization header must use the Bearer scheme.");
  return m[1];
}

export async function authenticateStaticToken(token: string, credentials: CachedCredentials): Promise<Principal> {
  const parsed = parseToken(token);
  const record = parsed ? await credentials.get(parsed.id) : undefined;
  // Hash and compare even when the id is unknown, so timing does not tell which ids exist.
  const matches = sameHash(hashSecret(token), record?.hash ?? DUMMY_HASH);
  if (!record || !matches) throw ScimError.unauthorized("The bearer token is not valid.", CHALLENGE_INVALID);
  if (!isActive(record)) throw ScimError.unauthorized("The bearer token has been revoked or has expired.", CHALLENGE_INVALID);
  return { tenant: record.tenant, credentialId: record.id };
}
