// The token Entra sends when the Secret Token field is left empty (issuer `https://sts.windows.net/<tid>/`,
// audience = the provisioning app). Accepted only for an Entra tenant a tenant has enabled; the record
// is looked up before any JWKS fetch, so tokens naming random tenants cost no outbound request.
import type { JWTPayload } from "jose";
import { jose } from "./jose";
import { CachedCredentials } from "./credentials";
import { entraTokenRecordId, GUID, isActive } from "./records";
import { entraJwksUri, JwksCache } from "./jwks";
import { AuthRejected, fromJoseError } from "./rejection";

/** The Entra provisioning service's application id, the audience of its tokens for non-gallery apps. */
export const ENTRA_PROVISIONING_APP_ID = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621";
export const entraV1Issuer = (entraTenantId: string) => `https://sts.windows.net/${entraTenantId.toLowerCase()}/`;

const ISSUERS = [/^https:\/\/sts\.windows\.net\/([0-9a-f-]{36})\/$/i, /^https:\/\/login\.microsoftonline\.com\/([0-9a-f-]{36})\/v2\.0$/i];

/** The Entra tenant id named by an (unverified) issuer, when it has an Entra issuer's shape. */
export function entraTenantOfIssuer(iss: unknown): string | undefined {
  if (typeof iss !== "string") return undefined;
  for (const re of ISSUERS) {
    const tid = re.exec(iss)?.[1];
    if (tid && GUID.test(tid)) return tid.toLowerCase();
  }
  return undefined;
}

const CLOCK_SKEW_SECONDS = 300;

/** Verifies an Entra-issued bearer token; returns the tenant and the option's record id. 1 cached lookup. */
export async function verifyEntraToken(
  token: string,
  unverified: JWTPayload,
  credentials: CachedCredentials,
  jwks: JwksCache,
): Promise<{ tenant: string; credentialId: string; expiresAt?: string }> {
  const tid = entraTenantOfIssuer(unverified.iss);
  if (!tid) throw AuthRejected.because("wrong-issuer");
  const id = entraTokenRecordId(tid);
  const record = await credentials.get(id);
  if (!record || record.kind !== "entra-token") throw AuthRejected.because("entra-token-not-enabled", { credentialId: id });
  if (!isActive(record)) throw AuthRejected.because("revoked", { credentialId: id });
  try {
    const { payload } = await jose().jwtVerify(token, (h) => jwks.keyFor(record.jwksUri ?? entraJwksUri(tid), h), {
      issuer: record.issuer,
      audience: record.audience,
      algorithms: ["RS256"],
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ["exp"],
    });
    if (typeof payload.tid === "string" && payload.tid.toLowerCase() !== tid) throw AuthRejected.because("wrong-tenant", { credentialId: id });
  } catch (e) {
    const rejected = fromJoseError(e, { credentialId: id });
    throw rejected.ids.credentialId ? rejected : AuthRejected.because(rejected.reason, { credentialId: id });
  }
  return { tenant: record.tenant, credentialId: id, expiresAt: record.expiresAt };
}
