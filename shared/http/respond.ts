// The one mapping from errors to answers: ScimError and OAuthError as they are, StoreError by its code,
// anything else a SCIM 500 that reveals nothing.
import { ScimError } from "../scim/errors";
import { OAuthError } from "../auth/oauth-errors";
import { StoreError } from "../store";
import { SCIM_JSON, type ScimResponse } from "../handlers/types";
import { ApiError } from "../handlers/api-error";
import { errorPage } from "../handlers/html";

export function storeErrorToScim(e: StoreError): ScimError {
  switch (e.code) {
    case "conflict":
      return ScimError.uniqueness(e.attribute ? `${e.attribute} is already in use.` : "A resource with the same unique value exists.");
    case "precondition-failed":
      return ScimError.preconditionFailed("The resource was changed by another request.");
    case "not-found":
      return ScimError.notFound("Resource not found.");
    case "too-large":
      return ScimError.payloadTooLarge(e.message);
    case "unavailable":
      return ScimError.unavailable("Storage is temporarily unavailable; retry later.", 5);
  }
}

/**
 * Turns whatever was thrown into a response; `unexpected` marks a bug (logged with its stack). On an
 * OAuth route, a SCIM error the pipeline raised (a request limit, the body size) is answered in OAuth's format.
 */
export function errorResponse(e: unknown, format?: "oauth" | "api" | "html"): { response: ScimResponse; unexpected: boolean } {
  if (format === "html") {
    const { response, unexpected } = errorResponse(e, "api");
    const { status, message } = (response.body as ReturnType<ApiError["toBody"]>).error;
    const headers = { ...response.headers, "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" };
    return { response: { status, headers, text: errorPage(status, message) }, unexpected };
  }
  if (format === "oauth" && e instanceof ScimError) return errorResponse(OAuthError.fromRefusal(e.status, e.detail, e.headers));
  if (format === "api") {
    const scim = e instanceof StoreError ? storeErrorToScim(e) : e;
    const api = scim instanceof ApiError ? scim : scim instanceof ScimError ? ApiError.fromScim(scim) : undefined;
    const err = api ?? new ApiError(500, "internal_error", "An unexpected error occurred.");
    return {
      response: { status: err.status, body: err.toBody(), headers: { "Content-Type": "application/json; charset=utf-8", ...err.headers } },
      unexpected: !api,
    };
  }
  // OAuthError (the token endpoint) has the same shape and brings its own JSON content type.
  const known = e instanceof ScimError || e instanceof OAuthError ? e : e instanceof StoreError ? storeErrorToScim(e) : undefined;
  const err = known ?? ScimError.internal();
  return { response: { status: err.status, body: err.toBody(), headers: { "Content-Type": SCIM_JSON, ...err.headers } }, unexpected: known === undefined };
}
