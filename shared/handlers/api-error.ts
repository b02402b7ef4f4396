// Errors of the vendor-facing APIs (Events API, admin API): `{"error": {"status", "code", "message"}}`,
// not SCIM's error schema, since their clients are the vendor's code rather than a SCIM client.
import type { ScimError } from "../scim/errors";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  toBody() {
    return { error: { status: this.status, code: this.code, message: this.message } };
  }

  static badRequest(code: string, message: string) {
    return new ApiError(400, code, message);
  }

  /** The same refusal as a SCIM error raised by the pipeline (401, 403, 404, 413, 429, 503…), in this format. */
  static fromScim(e: ScimError): ApiError {
    return new ApiError(e.status, e.scimType ?? CODES[e.status] ?? "error", e.detail, e.headers);
  }
}

const CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  410: "gone",
  413: "payload_too_large",
  429: "too_many_requests",
  500: "internal_error",
  501: "not_implemented",
  503: "unavailable",
};
