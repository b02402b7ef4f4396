// Authenticates SCIM requests (`Authorization: Bearer`), routed by the token's shape: a static token
// (`sft_…`), one of our access tokens (JWT with our issuer) or, where a tenant enabled it, Entra's own
// token. Failures are logged and throttled per source and per client: 401, or 429 once a budget is spent.
import type { JWTPayload } from "jose";
import { jose } from "./jose";
import { ScimError } from "../scim/errors";
import type { AuthRequest } from "./transport";
import { AuthContext, publicOrigin } from "./auth-context";
import { tokenAudience, verifyAccessToken } from "./access-tokens";
import type { AuthLog } from "./auth-log";
import { isServiceError, statusOf } from "./key-vault";
import { CachedCredentials } from "./credentials";
import { entraTenantOfIssuer, verifyEntraToken } from "./entra-token";
import { CREDENTIAL_ID, type TokenScope, entraTokenRecordId, EXPIRY_WARNING_DAYS, isActive } from "./records";
import { AuthRejected } from "./rejection";
import { DUMMY_HASH, hashSecret, parseToken, sameHash } from "./secrets";
import { throttleKeys } from "./throttle";

export interface Principal {
  tenant: string;
  /** What the credential may call ("scim" for every OAuth client and Entra token). */
  scope: TokenScope;
  /** The static token, OAuth client or Entra-token option that authenticated the request. */
  credentialId: string;
  method?: "static-token" | "access-token" | "entra-token";
}

const CHALLENGE_INVALID = 'Bearer realm="scim", error="invalid_token"';
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function bearerToken(header: string | null): string {
  if (!header) throw ScimError.unauthorized("An Authorization: Bearer token is required.");
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw ScimError.unauthorized("The Authorization header must use the Bearer scheme.");
  return m[1] ?? "";
}

export async function authenticateBearer(req: AuthRequest, auth: AuthContext, endpoint = "scim"): Promise<Principal> {
  let token: string;
  try {
    token = bearerToken(req.header("authorization"));
  } catch (e) {
    auth.log.failure({ reason: "missing-credentials", endpoint, source: req.sourceIp });
    throw e;
  }
  const unverified = JWT_SHAPE.test(token) ? decodeUnverified(token) : undefined;
  const keys = throttleKeys(req.sourceIp, claimedId(token, unverified));
  const retryAfter = auth.throttle.retryAfter(keys);
  try {
    if (unverified) return await authenticateJwt(token, unverified, req, auth);
    return await authenticateStaticToken(token, auth.credentials, auth.log);
  } catch (e) {
    if (isServiceError(e)) {
      auth.log.notice("auth.store-unavailable", { endpoint, status: statusOf(e) ?? 0 });
      throw ScimError.unavailable("Credentials cannot be checked right now; retry later.", 5);
    }
    if (!(e instanceof AuthRejected)) throw e;
    auth.throttle.recordFailure(keys);
    auth.log.failure({ reason: e.reason, endpoint, source: req.sourceIp, ...e.ids, throttled: retryAfter > 0 });
    if (retryAfter > 0) throw ScimError.tooManyRequests("Too many failed authentication attempts.", retryAfter);
    throw ScimError.unauthorized(e.publicDetail ?? "The bearer token is not valid.", CHALLENGE_INVALID);
  }
}

export async function authenticateStaticToken(token: string, credentials: CachedCredentials, log: AuthLog): Promise<Principal> {
  const parsed = parseToken(token);
  const record = parsed ? await credentials.get(parsed.id) : undefined;
  // Hash and compare even when the id is unknown, so timing does not tell which ids exist.
  const matches = sameHash(hashSecret(token), record?.kind === "token" ? record.hash : DUMMY_HASH);
  const ids = { credentialId: parsed?.id };
  if (!record || record.kind !== "token" || !matches)
    throw AuthRejected.because(record ? "bad-secret" : parsed ? "unknown-credential" : "malformed-token", ids);
  if (record.revokedAt) throw AuthRejected.because("revoked", ids, "The bearer token has been revoked.");
  if (!isActive(record)) throw AuthRejected.because("expired", ids, "The bearer token has expired.");
  log.expiringSoon(record, EXPIRY_WARNING_DAYS);
  return { tenant: record.tenant, scope: record.scope ?? "scim", credentialId: record.id, method: "static-token" };
}

async function authenticateJwt(token: string, unverified: JWTPayload, req: AuthRequest, auth: AuthContext): Promise<Principal> {
  const aud = tokenAudience(publicOrigin(auth.settings, req.url.origin));
  if (unverified.iss !== aud.issuer) {
    if (!entraTenantOfIssuer(unverified.iss)) throw AuthRejected.because("wrong-issuer");
    const entra = await verifyEntraToken(token, unverified, auth.credentials, auth.jwks);
    return { tenant: entra.tenant, scope: "scim", credentialId: entra.credentialId, method: "entra-token" };
  }
  const claims = await verifyAccessToken(token, auth.signingKeys, aud);
  const ids = { clientId: claims.clientId };
  // The signature is ours; what remains is whether the client and the credential that minted the
  // token are still valid. Both lookups go through the cache, so revocation reaches old tokens.
  const client = await auth.credentials.get(claims.clientId);
  if (client?.kind !== "client" || client.tenant !== claims.tenant) throw AuthRejected.because("unknown-credential", ids);
  if (!isActive(client)) throw AuthRejected.because("revoked", ids, "The OAuth client has been revoked.");
  if (claims.credentialId.startsWith("wif-")) {
    if (client.federation?.id !== claims.credentialId.slice(4))
      throw AuthRejected.because("revoked", ids, "The federation that issued this token was removed.");
  } else {
    const secret = await auth.credentials.get(claims.credentialId);
    if (secret?.kind !== "client-secret" || secret.clientId !== client.id) throw AuthRejected.because("unknown-credential", ids);
    if (!isActive(secret)) throw AuthRejected.because("revoked", ids, "The client secret that obtained this token is no longer valid.");
    auth.log.expiringSoon(secret, EXPIRY_WARNING_DAYS);
  }
  return { tenant: claims.tenant, scope: "scim", credentialId: client.id, method: "access-token" };
}

/** The credential id a bearer token names, unverified: a refused request is attributed to that credential's tenant (the activity log). */
export function claimedCredentialId(header: string | null): string | undefined {
  try {
    const token = bearerToken(header);
    return claimedId(token, JWT_SHAPE.test(token) ? decodeUnverified(token) : undefined);
  } catch {
    return undefined;
  }
}

function decodeUnverified(token: string): JWTPayload | undefined {
  try {
    return jose().decodeJwt(token);
  } catch {
    return undefined;
  }
}

/** The client a token names (unverified), for the per-client failure budget. */
function claimedId(token: string, unverified: JWTPayload | undefined): string | undefined {
  if (!unverified) return parseToken(token)?.id;
  if (typeof unverified.sub === "string" && CREDENTIAL_ID.test(unverified.sub)) return unverified.sub;
  const tid = entraTenantOfIssuer(unverified.iss);
  return tid ? entraTokenRecordId(tid) : undefined;
}
