// Why a request was refused, in words the activity log may keep. An error's detail can echo input (a
// filter's text, a value), so it is never stored: a detail is matched against the templates below, and
// only the attribute names it names are carried over, and only when they look like attribute names.
// Anything unmatched falls back to its status and scimType. Pure.
import { ScimError } from "../scim/errors";
import { StoreError } from "../store";

export interface Refusal {
  reason: string;
  /** Attribute names the reason names (for counting by name). */
  attributes: string[];
}

/** An attribute name or path as the schemas spell them: letters, digits, `_ $ - . :` (URNs), no '@', no spaces. */
const NAME = /^[A-Za-z][A-Za-z0-9_$.:-]{0,199}$/;
/** A name fit to keep, or a stand-in. */
export const safeName = (name: string) => (NAME.test(name) ? name : "(name withheld)");

type Template = [RegExp, (...names: string[]) => string, ...("name" | "path")[]];

/**
 * Detail patterns of ours (shared/scim, shared/handlers): each capture is kind "name" (kept when it
 * looks like a name) or "path" (a required path from the tenant's own policy, kept as it is when it is one).
 */
const TEMPLATES: Template[] = [
  [/^Required attribute '([^']+)' is missing/, (n) => `required attribute ${n} missing`, "path"],
  [/^Attribute '([^']+)' (?:must be|is multi-valued|is single-valued)/, (n) => `attribute ${n} has the wrong type`, "name"],
  [/^Every value of attribute '([^']+)'/, (n) => `attribute ${n} has the wrong type`, "name"],
  [/^'([^']+)' is not an attribute of /, (n) => `unknown attribute '${n}' refused`, "name"],
  [/^'([^']+)' is not a sub-attribute of '([^']+)'/, (n, m) => `unknown sub-attribute '${n}' of ${m} refused`, "name", "name"],
  [/^'([^']+)' must be an object of /, (n) => `attribute ${n} must be an object`, "name"],
  [/^'([^']+)' is read-only/, (n) => `attribute ${n} is read-only`, "name"],
  [/^No value of '([^']+)' matches /, (n) => `no value of ${n} matches the path's filter`, "name"],
  [/^'([^']+)' is not a filterable attribute/, (n) => `filter names ${n}, which cannot be filtered`, "name"],
  [/^'([^']+)' cannot be filtered/, (n) => `filter names ${n}, which cannot be filtered`, "name"],
  [/^'([^']+)' is not a multi-valued complex attribute/, (n) => `path filter on ${n}, which is not multi-valued`, "name"],
  [/^Filter could not be (?:tokenised|parsed)/, () => "filter could not be parsed"],
  [/^Filter is longer than/, () => "filter is too long"],
  [/is not a valid path\.$/, () => "PATCH path is not valid"],
  [/^Operations\[\d+\]\.op .* is not add, remove or replace/, () => "PATCH op is not add, remove or replace"],
  [/^Operations\[\d+\]: remove needs a path/, () => "PATCH remove without a path"],
  [/^Operations\[\d+\]: .* needs a "value"/, () => "PATCH operation without a value"],
  [/^Operations\[\d+\]: an \w+ without a path needs an object value/, () => "PATCH operation without a path needs an object value"],
  [/^PatchOp request is invalid/, () => "PatchOp request is invalid"],
  [/^SearchRequest is invalid/, () => "SearchRequest is invalid"],
  [/^(User|Group) is invalid/, (k) => `${k} document is invalid`, "name"],
  [/^The request body is not valid JSON/, () => "request body is not valid JSON"],
  [/^A JSON request body is required/, () => "request body is missing"],
  [/^The request body must be a JSON object/, () => "request body is not a JSON object"],
  [/^A group cannot be a member of itself/, () => "group cannot be a member of itself"],
  [/^No User or Group with id .* exists/, () => "a member names no existing User or Group"],
  [/needs member values, not null/, () => "member operation without members"],
  [/^Every member in .* needs a "value"/, () => "member without a value"],
  [/^(userName|externalId|displayName) is already in use/, (n) => `${n} is already in use`, "name"],
  [/^'([A-Za-z]+)' must be an integer/, (n) => `${n} must be an integer`, "name"],
  [/^The resource version is /, () => "If-Match names an older version"],
];

const BY_STATUS: Record<number, string> = {
  403: "credential is not for this endpoint",
  405: "method not allowed",
  409: "unique value already in use",
  412: "If-Match precondition failed",
  413: "request body too large",
  415: "unsupported media type",
  500: "internal error",
  501: "not implemented",
  503: "storage unavailable",
};

/** The refusal of a finished request: from the thrown error (ScimError, StoreError) and the answer's status. */
export function refusalOf(error: unknown, status: number, requiredPaths: readonly string[] = []): Refusal {
  if (error instanceof StoreError && error.code === "conflict" && error.attribute && NAME.test(error.attribute))
    return { reason: `${error.attribute} is already in use`, attributes: [error.attribute] };
  const detail = error instanceof ScimError ? error.detail : "";
  const scimType = error instanceof ScimError ? error.scimType : undefined;
  for (const [pattern, words, ...kinds] of TEMPLATES) {
    const m = pattern.exec(detail);
    if (!m) continue;
    const names = kinds.map((kind, i) => {
      const captured = m[i + 1] ?? "";
      return kind === "path" && requiredPaths.includes(captured) ? captured : safeName(captured);
    });
    return { reason: words(...names), attributes: names.filter((n) => n !== "(name withheld)" && !/^(User|Group)$/.test(n)) };
  }
  return { reason: statusReason(status, detail, scimType), attributes: [] };
}

function statusReason(status: number, detail: string, scimType: string | undefined): string {
  if (status === 401) {
    if (/expired/i.test(detail)) return "credential expired";
    if (/revoked|no longer valid|was removed/i.test(detail)) return "credential revoked";
    if (/is required|Bearer scheme/i.test(detail)) return "no bearer token";
    return "credential not valid";
  }
  if (status === 404) return /^No endpoint/.test(detail) ? "no such endpoint" : "resource not found";
  if (status === 429) return /failed authentication/i.test(detail) ? "too many failed authentications" : "request limit reached";
  if (status === 400) return scimType ? `${scimType}: request refused` : "bad request";
  return BY_STATUS[status] ?? (scimType ? `${scimType}: request refused` : `status ${status}`);
}

/** The reason an ignored attribute is recorded under. */
export const ignoredReason = (name: string) => `unknown attribute '${safeName(name)}' ignored`;
