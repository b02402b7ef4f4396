// Client authentication at the token endpoint: a client secret (hash compared in constant time, against
// a dummy when the client or secret is unknown) or a workload-identity client assertion. Returns what
// the access token will be bound to; throws AuthRejected.
import { AccessTokenSubject } from "./access-tokens";
import { verifyClientAssertion, AssertionChecks } from "./assertions";
import { CachedCredentials } from "./credentials";
import { CREDENTIAL_ID, EXPIRY_WARNING_DAYS, isActive } from "./records";
import { AuthRejected } from "./rejection";
import { DUMMY_HASH, hashSecret, parseClientSecret, sameHash } from "./secrets";
import type { AuthLog } from "./auth-log";

export const validClientId = (value: string | undefined) => (value && CREDENTIAL_ID.test(value) ? value : undefined);

/** 2 cached lookups (client, secret), made whether or not either exists. */
export async function authenticateClientSecret(
  clientIdParam: string | undefined,
  secret: string,
  credentials: CachedCredentials,
  scope: string,
  log: AuthLog,
): Promise<AccessTokenSubject> {
  const clientId = validClientId(clientIdParam);
  const parsed = parseClientSecret(secret);
  const ids = { clientId, credentialId: parsed?.id };
  const [client, record] = await Promise.all([clientId ? credentials.get(clientId) : undefined, parsed ? credentials.get(parsed.id) : undefined]);
  const stored = record?.kind === "client-secret" ? record.hash : undefined;
  const matches = sameHash(hashSecret(secret), stored ?? DUMMY_HASH);
  if (client?.kind !== "client") throw AuthRejected.because("unknown-credential", ids);
  if (!matches || record?.kind !== "client-secret" || record.clientId !== client.id || record.tenant !== client.tenant) {
    throw AuthRejected.because(record ? "bad-secret" : "unknown-credential", ids);
  }
  // The caller has proved it holds the secret, so it may learn why it no longer works.
  if (client.revokedAt) throw AuthRejected.because("revoked", ids, "The client has been revoked.");
  if (record.revokedAt) throw AuthRejected.because("revoked", ids, "The client secret has been revoked.");
  if (!isActive(record)) throw AuthRejected.because("expired", ids, "The client secret has expired.");
  log.expiringSoon(record, EXPIRY_WARNING_DAYS);
  return { tenant: client.tenant, clientId: client.id, credentialId: record.id, scope };
}

/** 1 cached lookup (client), then the assertion checks (JWKS from cache, 1 Table insert for replay). */
export async function authenticateClientAssertion(
  clientIdParam: string | undefined,
  assertion: string,
  credentials: CachedCredentials,
  checks: AssertionChecks,
  scope: string,
): Promise<AccessTokenSubject> {
  const clientId = validClientId(clientIdParam);
  if (!clientId) throw AuthRejected.because(clientIdParam ? "unknown-credential" : "missing-credentials");
  const client = await credentials.get(clientId);
  const ids = { clientId };
  if (client?.kind !== "client") throw AuthRejected.because("unknown-credential", ids);
  if (!isActive(client)) throw AuthRejected.because("revoked", ids);
  if (!client.federation) throw AuthRejected.because("federation-not-configured", ids);
  await verifyClientAssertion(assertion, client.federation, client.id, checks);
  return { tenant: client.tenant, clientId: client.id, credentialId: `wif-${client.federation.id}`, scope };
}
