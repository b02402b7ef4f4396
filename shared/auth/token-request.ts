// Parses a token request (RFC 6749 §4.4, client authentication per §2.3.1 or RFC 7523 §2.2) into a typed
// value, or throws an OAuthError: a form body, no repeated parameters, one authentication method only.
import type { AuthRequest } from "./transport";
import { JWT_BEARER_ASSERTION } from "./assertions";
import { OAuthError } from "./oauth-errors";

export interface TokenRequest {
  clientId?: string;
  clientSecret?: string;
  assertion?: string;
  /** Requested scopes (all of them known); empty when none was asked for. */
  scopes: string[];
}

export const GRANT_TYPE = "client_credentials";
/** What Entra may ask for; a token grants the SCIM API of its tenant whichever is named. */
export const KNOWN_SCOPES = ["scim", "scim.readwrite"];
export const DEFAULT_SCOPE = "scim";
const MAX_BODY_CHARS = 64 * 1024;

export function parseTokenRequest(req: AuthRequest): TokenRequest {
  const type = req.header("content-type");
  if (!type || !/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type.trim())) {
    throw OAuthError.invalidRequest("Send the token request as application/x-www-form-urlencoded.");
  }
  if (!req.body || req.body.length > MAX_BODY_CHARS) throw OAuthError.invalidRequest("The token request body is missing or too large.");
  const form = formParameters(req.body);

  const grantType = form.get("grant_type");
  if (!grantType) throw OAuthError.invalidRequest("grant_type is required.");
  if (grantType !== GRANT_TYPE) throw OAuthError.unsupportedGrantType(`Only grant_type=${GRANT_TYPE} is supported.`);

  const scopes = (form.get("scope") ?? "").split(" ").filter((s) => s !== "");
  const unknown = scopes.filter((s) => !KNOWN_SCOPES.includes(s));
  if (unknown.length) throw OAuthError.invalidScope(`Unknown scope: ${unknown.join(" ").slice(0, 100)}. Known: ${KNOWN_SCOPES.join(", ")}.`);

  const basic = basicCredentials(req.header("authorization"));
  const formId = form.get("client_id");
  const formSecret = form.get("client_secret");
  const assertionType = form.get("client_assertion_type");
  const assertion = form.get("client_assertion");
  const methods = [basic, formSecret !== undefined, assertionType !== undefined || assertion !== undefined].filter(Boolean).length;
  if (methods > 1) throw OAuthError.invalidRequest("Use exactly one client authentication method.");
  if (basic && formId !== undefined && formId !== basic.clientId) throw OAuthError.invalidRequest("client_id differs from the Basic credentials.");
  if (assertionType !== undefined || assertion !== undefined) {
    if (assertionType !== JWT_BEARER_ASSERTION) throw OAuthError.invalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION}.`);
    if (!assertion) throw OAuthError.invalidRequest("client_assertion is required with client_assertion_type.");
    return { clientId: formId, assertion, scopes };
  }
  if (basic) return { clientId: basic.clientId, clientSecret: basic.clientSecret, scopes };
  return { clientId: formId, clientSecret: formSecret, scopes };
}

function formParameters(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body)) {
    if (out.has(name)) throw OAuthError.invalidRequest(`Parameter ${name.slice(0, 40)} is repeated.`);
    out.set(name, value);
  }
  return out;
}

/** `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1); undefined when absent. */
function basicCredentials(header: string | null): { clientId: string; clientSecret: string } | undefined {
  if (!header) return undefined;
  const encoded = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header)?.[1];
  if (!encoded) throw OAuthError.invalidRequest("The Authorization header must use the Basic scheme.");
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) throw OAuthError.invalidRequest("The Basic credentials are malformed.");
  try {
    const unescape = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    return { clientId: unescape(decoded.slice(0, colon)), clientSecret: unescape(decoded.slice(colon + 1)) };
  } catch {
    throw OAuthError.invalidRequest("The Basic credentials are malformed.");
  }
}
