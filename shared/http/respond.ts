// Response shaping: application/scim+json, Location, ETag, and the one mapping from errors to answers.
import { ScimError } from "../scim/errors";
import { OAuthError } from "../auth/oauth-errors";
import { StoreError } from "../store/errors";
import { ScimResponse } from "./types";

export const SCIM_JSON = "application/scim+json; charset=utf-8";

export function ok(body: unknown, headers: Record<string, string> = {}): ScimResponse {
  return { status: 200, body, headers };
}

export const noContent = (headers: Record<string, string> = {}): ScimResponse => ({ status: 204, headers });

export function storeErrorToScim(e: StoreError): ScimError {
  switch (e.code) {
    case "conflict": return ScimError.uniqueness(e.message.endsWith("in use") ? `${e.message}.` : "A resource with the same unique value exists.");
    case "precondition-failed": return ScimError.preconditionFailed("The resource was changed by another request.");
    case "not-found": return ScimError.notFound("Resource not found.");
    case "too-large": return ScimError.payloadTooLarge(e.message);
    default: return ScimError.unavailable("Storage is temporarily unavailable; retry later.", 5);
  }
}

/** Turns whatever was thrown into a response; unknown errors are 500 with nothing internal revealed. */
export function errorResponse(e: unknown): { response: ScimResponse; unexpected: boolean } {
  // OAuthError (the token endpoint) has the same shape and brings its own JSON content type.
  const scim = e instanceof ScimError || e instanceof OAuthError ? e : e instanceof StoreError ? storeErrorToScim(e) : undefined;
  const err = scim ?? ScimError.internal();
  // The content type is set here too: a host answering before the pipeline (413 while reading the body) still sends SCIM JSON.
  return { response: { status: err.status, body: err.toBody(), headers: { "Content-Type": SCIM_JSON, ...err.headers } }, unexpected: scim === undefined };
}
