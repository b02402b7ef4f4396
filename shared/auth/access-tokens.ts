// Our access tokens: ES256 JWTs (RFC 9068 `at+jwt`), bound to one tenant and naming the credential that
// minted them. This module checks signature, issuer, audience and lifetime; bearer.ts then checks the
// client and credential records, so revocation reaches already-issued tokens.
import { randomUUID } from "node:crypto";
import { jose } from "./jose";
import { AuthRejected, fromJoseError } from "./rejection";
import { SIGNING_ALG, SigningKeys } from "./signing-keys";

export interface TokenAudience {
  issuer: string;
  audience: string;
}

/** `iss` is the public base URL; `aud` is the SCIM base under it. */
export const tokenAudience = (origin: string): TokenAudience => ({ issuer: origin, audience: `${origin}/scim/v2` });

export interface AccessTokenSubject {
  tenant: string;
  clientId: string;
  /** The client secret id, or `wif-<federation id>` for a token minted from a client assertion. */
  credentialId: string;
  scope: string;
}

export interface AccessTokenClaims extends AccessTokenSubject {
  jti: string;
  expiresAt: number;
}

export const ACCESS_TOKEN_TYPE = "at+jwt";
const CLOCK_SKEW_SECONDS = 30; // our own instances: small drift only

export async function mintAccessToken(keys: SigningKeys, who: AccessTokenSubject, aud: TokenAudience, lifetimeSeconds: number): Promise<string> {
  const key = await keys.current();
  const now = Math.floor(Date.now() / 1000);
  return new (jose().SignJWT)({ client_id: who.clientId, tenant: who.tenant, cred: who.credentialId, scope: who.scope })
    .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: ACCESS_TOKEN_TYPE })
    .setIssuer(aud.issuer)
    .setAudience(aud.audience)
    .setSubject(who.clientId)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + lifetimeSeconds)
    .sign(key.privateKey);
}

/** Verifies one of our access tokens; throws AuthRejected. No store round trip (keys are cached). */
export async function verifyAccessToken(token: string, keys: SigningKeys, aud: TokenAudience): Promise<AccessTokenClaims> {
  let kid: string | undefined;
  try {
    const header = jose().decodeProtectedHeader(token);
    if (header.alg === SIGNING_ALG && typeof header.kid === "string") kid = header.kid;
  } catch {
    // fall through: malformed
  }
  if (!kid) throw AuthRejected.because("malformed-token");
  const key = await keys.verificationKey(kid);
  if (!key) throw AuthRejected.because("unknown-kid");
  try {
    const { payload } = await jose().jwtVerify(token, key, {
      issuer: aud.issuer,
      audience: aud.audience,
      algorithms: [SIGNING_ALG],
      typ: ACCESS_TOKEN_TYPE,
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ["sub", "jti", "iat", "exp", "tenant", "cred"],
    });
    const { sub, jti, exp, tenant, cred, scope } = payload as Record<string, unknown>;
    if (typeof sub !== "string" || typeof tenant !== "string" || typeof cred !== "string" || typeof jti !== "string") {
      throw AuthRejected.because("malformed-token");
    }
    return { clientId: sub, tenant, credentialId: cred, scope: typeof scope === "string" ? scope : "", jti, expiresAt: exp as number };
  } catch (e) {
    throw fromJoseError(e);
  }
}
