// AuthRejected: why a presented credential was not accepted. Verifiers throw it; the two boundaries
// (SCIM bearer, token endpoint) log it and turn it into a 401 or, for a throttled source, a 429.

export type AuthFailureReason =
  | "missing-credentials"
  | "malformed-request"
  | "unknown-credential"
  | "bad-secret"
  | "revoked"
  | "expired"
  | "bad-signature"
  | "unknown-kid"
  | "wrong-issuer"
  | "wrong-audience"
  | "wrong-subject"
  | "wrong-tenant"
  | "token-expired"
  | "not-yet-valid"
  | "lifetime-too-long"
  | "replayed"
  | "malformed-token"
  | "federation-not-configured"
  | "entra-token-not-enabled"
  | "jwks-unavailable";

export class AuthRejected extends Error {
  private constructor(
    readonly reason: AuthFailureReason,
    readonly ids: { clientId?: string; credentialId?: string },
    /** Safe to show the caller: set only when it reveals nothing the caller did not prove it knows. */
    readonly publicDetail?: string,
  ) {
    super(reason);
    this.name = "AuthRejected";
  }

  static because(reason: AuthFailureReason, ids: { clientId?: string; credentialId?: string } = {}, publicDetail?: string) {
    return new AuthRejected(reason, ids, publicDetail);
  }
}

/** Maps a jose verification error to a reason; anything unrecognised is a malformed token. */
export function fromJoseError(e: unknown, ids: { clientId?: string; credentialId?: string } = {}): AuthRejected {
  if (e instanceof AuthRejected) return e;
  const { code, claim } = (e ?? {}) as { code?: string; claim?: string };
  const claimReason: Record<string, AuthFailureReason> = {
    iss: "wrong-issuer",
    aud: "wrong-audience",
    sub: "wrong-subject",
    nbf: "not-yet-valid",
    iat: "not-yet-valid",
  };
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return AuthRejected.because(claim === "iat" ? "lifetime-too-long" : "token-expired", ids);
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return AuthRejected.because("bad-signature", ids);
    case "ERR_JWKS_NO_MATCHING_KEY":
      return AuthRejected.because("unknown-kid", ids);
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return AuthRejected.because((claim && claimReason[claim]) || "malformed-token", ids);
    default:
      return AuthRejected.because("malformed-token", ids);
  }
}
