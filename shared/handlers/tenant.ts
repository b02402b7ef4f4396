// The authenticated tenant's directory, and the checks every resource write shares.
import { ScimError } from "../scim/errors";
import { tagMatches } from "../scim/resource";
import type { StoredEntity, TenantDirectory } from "../store";
import type { HandlerContext } from "./types";

/** The tenant's directory for this request; only authenticated routes have one. */
export function directoryOf(ctx: HandlerContext): Promise<TenantDirectory> {
  if (!ctx.tenant) throw ScimError.unauthorized("Authentication is required.");
  return ctx.tenant.directory();
}

/** 412 when the client sent If-Match and the resource has moved on (RFC 7644 §3.14). */
export function checkIfMatch(ctx: HandlerContext, entity: StoredEntity): void {
  const ifMatch = ctx.req.header("if-match");
  if (ifMatch && !tagMatches(ifMatch, entity.version)) {
    throw ScimError.preconditionFailed(`The resource version is W/"${entity.version}"; the request expected ${ifMatch}.`);
  }
}
