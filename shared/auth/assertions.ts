// Workload identity federation (RFC 7523 §2.2, client authentication): an Entra-signed client assertion
// is checked against the client's federation — signature by the Entra tenant's JWKS, iss, sub, aud, tid,
// exp/nbf/iat within 5 minutes of skew, a bounded lifetime — and may be used once.
import { createHash } from "node:crypto";
import { jose } from "./jose";
import { Federation } from "./records";
import { entraJwksUri, JwksCache } from "./jwks";
import { AuthRejected, fromJoseError } from "./rejection";

export const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** Entra signs with RSA; symmetric and `none` algorithms are never accepted. */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"];
export const CLOCK_SKEW_SECONDS = 300;
/** Entra's app tokens live 60–90 minutes; anything meant to live longer is refused. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 2 * 3600;
const MAX_ASSERTION_CHARS = 16 * 1024;

/** Durable record of used assertions (Table Storage, shared by every instance). */
export interface ReplayGuard {
  /** Records the first use of `key`, valid until `expiresAt`; false when it was used before and has not expired. */
  firstUse(key: string, expiresAt: Date): Promise<boolean>;
}

export interface AssertionChecks {
  jwks: JwksCache;
  replay: ReplayGuard;
}

/** The replay key: `jti` scoped by issuer; an assertion without `jti` is keyed by its own digest. */
export function replayKey(issuer: string, jti: string | undefined, assertion: string): string {
  const basis = jti ? `jti\n${issuer}\n${jti}` : `jwt\n${assertion}`;
  return "J:" + createHash("sha256").update(basis, "utf8").digest("base64url"); // fixed length, no key escaping needed
}

/** Throws AuthRejected unless the assertion proves the federation's workload, and records its use. */
export async function verifyClientAssertion(assertion: string, fed: Federation, clientId: string, deps: AssertionChecks): Promise<void> {
  const ids = { clientId };
  if (assertion.length > MAX_ASSERTION_CHARS) throw AuthRejected.because("malformed-token", ids);
  try {
    const header = jose().decodeProtectedHeader(assertion);
    if (typeof header.alg !== "string" || !ALGORITHMS.includes(header.alg)) throw AuthRejected.because("malformed-token", ids);
    jose().decodeJwt(assertion);
  } catch (e) {
    throw e instanceof AuthRejected ? e : AuthRejected.because("malformed-token", ids);
  }
  const jwksUri = fed.jwksUri ?? entraJwksUri(fed.entraTenantId);
  let claims: Record<string, unknown>;
  try {
    ({ payload: claims } = await jose().jwtVerify(assertion, (h) => deps.jwks.keyFor(jwksUri, h), {
      issuer: fed.issuer,
      audience: fed.audience,
      subject: fed.subject,
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_SKEW_SECONDS,
      maxTokenAge: MAX_ASSERTION_LIFETIME_SECONDS,
      requiredClaims: ["exp", "iat"],
    }));
  } catch (e) {
    const rejected = fromJoseError(e, ids);
    throw rejected.ids.clientId ? rejected : AuthRejected.because(rejected.reason, ids);
  }
  const exp = claims.exp as number;
  const start = typeof claims.nbf === "number" ? claims.nbf : (claims.iat as number);
  if (exp - start > MAX_ASSERTION_LIFETIME_SECONDS) throw AuthRejected.because("lifetime-too-long", ids);
  if (typeof claims.tid === "string" && claims.tid.toLowerCase() !== fed.entraTenantId.toLowerCase()) {
    throw AuthRejected.because("wrong-tenant", ids);
  }
  const key = replayKey(fed.issuer, typeof claims.jti === "string" ? claims.jti : undefined, assertion);
  if (!(await deps.replay.firstUse(key, new Date((exp + CLOCK_SKEW_SECONDS) * 1000)))) throw AuthRejected.because("replayed", ids);
}
