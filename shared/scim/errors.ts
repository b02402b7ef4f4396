// ScimError: the one error type protocol code throws; renders the RFC 7644 §3.12 body.
// Pure: no I/O. Named constructors keep status and scimType together.
import { ERROR } from "./urns";

export type ScimType =
  "invalidFilter" | "tooMany" | "uniqueness" | "mutability" | "invalidSyntax" | "invalidPath" | "noTarget" | "invalidValue" | "invalidVers" | "sensitive";

export interface ScimErrorBody {
  schemas: string[];
  status: string;
  scimType?: ScimType;
  detail?: string;
}

export class ScimError extends Error {
  readonly headers: Record<string, string>;

  private constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    readonly detail: string,
    headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "ScimError";
    this.headers = headers;
  }

  toBody(): ScimErrorBody {
    const body: ScimErrorBody = { schemas: [ERROR], status: String(this.status) };
    if (this.scimType) body.scimType = this.scimType;
    body.detail = this.detail;
    return body;
  }

  static invalidFilter(detail: string) {
    return new ScimError(400, "invalidFilter", detail);
  }
  static tooMany(detail: string) {
    return new ScimError(400, "tooMany", detail);
  }
  static invalidSyntax(detail: string) {
    return new ScimError(400, "invalidSyntax", detail);
  }
  static invalidPath(detail: string) {
    return new ScimError(400, "invalidPath", detail);
  }
  static noTarget(detail: string) {
    return new ScimError(400, "noTarget", detail);
  }
  static invalidValue(detail: string) {
    return new ScimError(400, "invalidValue", detail);
  }
  static mutability(detail: string) {
    return new ScimError(400, "mutability", detail);
  }
  static invalidVersion(detail: string) {
    return new ScimError(400, "invalidVers", detail);
  }
  static badRequest(detail: string) {
    return new ScimError(400, undefined, detail);
  }
  static unauthorized(detail: string, challenge = 'Bearer realm="scim"') {
    return new ScimError(401, undefined, detail, { "WWW-Authenticate": challenge });
  }
  static forbidden(detail: string) {
    return new ScimError(403, undefined, detail);
  }
  static notFound(detail: string) {
    return new ScimError(404, undefined, detail);
  }
  static methodNotAllowed(detail: string, allow: string[]) {
    return new ScimError(405, undefined, detail, { Allow: allow.join(", ") });
  }
  static uniqueness(detail: string) {
    return new ScimError(409, "uniqueness", detail);
  }
  static preconditionFailed(detail: string) {
    return new ScimError(412, undefined, detail);
  }
  static payloadTooLarge(detail: string) {
    return new ScimError(413, undefined, detail);
  }
  static unsupportedMediaType(detail: string) {
    return new ScimError(415, undefined, detail);
  }
  static tooManyRequests(detail: string, retryAfterSeconds: number) {
    return new ScimError(429, undefined, detail, { "Retry-After": String(retryAfterSeconds) });
  }
  static internal() {
    return new ScimError(500, undefined, "The service failed to process the request; it has been logged.");
  }
  static notImplemented(detail: string) {
    return new ScimError(501, undefined, detail);
  }
  static unavailable(detail: string, retryAfterSeconds: number) {
    return new ScimError(503, undefined, detail, { "Retry-After": String(retryAfterSeconds) });
  }
}
