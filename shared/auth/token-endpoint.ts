// POST /oauth2/token: the client_credentials grant with a client secret or an Entra client assertion,
// answered per RFC 6749 §5 (JSON, no-store). Failed client authentications are logged and throttled
// per source and per client; a valid client is always let through.
import type { AuthReply, AuthRequest } from "./transport";
import { AuthContext, publicOrigin } from "./auth-context";
import { mintAccessToken, tokenAudience } from "./access-tokens";
import { isServiceError, statusOf } from "./key-vault";
import { authenticateClientAssertion, authenticateClientSecret, validClientId } from "./client-auth";
import { OAUTH_JSON_HEADERS, OAuthError } from "./oauth-errors";
import { AuthRejected } from "./rejection";
import { DEFAULT_SCOPE, parseTokenRequest, TokenRequest } from "./token-request";
import { throttleKeys } from "./throttle";

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
}

export async function issueToken(req: AuthRequest, auth: AuthContext): Promise<AuthReply> {
  const request = parseTokenRequest(req);
  const clientId = validClientId(request.clientId);
  const keys = throttleKeys(req.sourceIp, clientId);
  const retryAfter = auth.throttle.retryAfter(keys);
  const scope = request.scopes.length ? request.scopes.join(" ") : DEFAULT_SCOPE;
  let subject;
  try {
    subject = await authenticateClient(request, auth, scope);
  } catch (e) {
    if (isServiceError(e)) {
      auth.log.notice("auth.store-unavailable", { endpoint: "token", status: statusOf(e) ?? 0 });
      throw OAuthError.unavailable(5);
    }
    if (!(e instanceof AuthRejected)) throw e;
    auth.throttle.recordFailure(keys);
    auth.log.failure({ reason: e.reason, endpoint: "token", source: req.sourceIp, clientId, ...e.ids, throttled: retryAfter > 0 });
    if (retryAfter > 0) throw OAuthError.throttled(retryAfter);
    throw OAuthError.invalidClient(e.publicDetail ?? "Client authentication failed.");
  }
  const lifetime = auth.settings.accessTokenMinutes * 60;
  const aud = tokenAudience(publicOrigin(auth.settings, req.url.origin));
  const body: TokenResponse = {
    access_token: await mintAccessToken(auth.signingKeys, subject, aud, lifetime),
    token_type: "Bearer",
    expires_in: lifetime,
    scope,
  };
  return { status: 200, headers: { ...OAUTH_JSON_HEADERS }, body };
}

function authenticateClient(request: TokenRequest, auth: AuthContext, scope: string) {
  if (request.assertion !== undefined) {
    return authenticateClientAssertion(request.clientId, request.assertion, auth.credentials, auth, scope);
  }
  if (request.clientSecret === undefined) throw AuthRejected.because("missing-credentials", { clientId: validClientId(request.clientId) });
  return authenticateClientSecret(request.clientId, request.clientSecret, auth.credentials, scope, auth.log);
}
