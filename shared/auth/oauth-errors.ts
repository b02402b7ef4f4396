// OAuthError: the token endpoint's error type, rendered as RFC 6749 §5.2 JSON (`error`,
// `error_description`) with no-store caching. Same shape as ScimError (status, headers, toBody) so the
// pipeline's one error boundary renders either. Pure: no I/O.

// invalid_grant and unauthorized_client (RFC 6749 §5.2) are never sent: client_credentials carries no
// grant to be invalid, and every client may use it.
export type OAuthErrorCode = "invalid_request" | "invalid_client" | "unsupported_grant_type" | "invalid_scope" | "temporarily_unavailable";

export const OAUTH_JSON_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "application/json; charset=utf-8",
  "Cache-Control": "no-store",
  Pragma: "no-cache",
};

export class OAuthError extends Error {
  readonly headers: Record<string, string>;

  private constructor(
    readonly status: number,
    readonly code: OAuthErrorCode,
    readonly detail: string,
    headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "OAuthError";
    this.headers = { ...OAUTH_JSON_HEADERS, ...headers };
  }

  toBody(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.detail };
  }

  static invalidRequest(detail: string) {
    return new OAuthError(400, "invalid_request", detail);
  }
  /** 401 with a Basic challenge: required when the client used Basic, and announces it otherwise (§5.2). */
  static invalidClient(detail: string) {
    return new OAuthError(401, "invalid_client", detail, { "WWW-Authenticate": 'Basic realm="scim", charset="UTF-8"' });
  }
  static unsupportedGrantType(detail: string) {
    return new OAuthError(400, "unsupported_grant_type", detail);
  }
  static invalidScope(detail: string) {
    return new OAuthError(400, "invalid_scope", detail);
  }
  /** Key Vault or Table Storage could not be reached to check the client. */
  static unavailable(retryAfterSeconds: number) {
    return new OAuthError(503, "temporarily_unavailable", "Client credentials cannot be checked right now; retry later.", {
      "Retry-After": String(retryAfterSeconds),
    });
  }
  /**
   * A refusal the pipeline made before the token endpoint ran (request limits, body size, method), in
   * the endpoint's own error format: 429 and 5xx as temporarily_unavailable, the rest invalid_request.
   */
  static fromRefusal(status: number, detail: string, headers: Record<string, string>) {
    const { "Content-Type": _type, ...rest } = headers;
    return new OAuthError(status, status === 429 || status >= 500 ? "temporarily_unavailable" : "invalid_request", detail, rest);
  }
  /** Too many failed client authentications from this source or for this client. */
  static throttled(retryAfterSeconds: number) {
    return new OAuthError(429, "temporarily_unavailable", `Too many failed authentication attempts; retry after ${retryAfterSeconds} s.`, {
      "Retry-After": String(retryAfterSeconds),
    });
  }
}
