// The authenticated tenant: its directory, its resource types and policy, and the checks every resource
// write shares (If-Match, required attributes, attributes outside the tenant's schemas).
import { ScimError } from "../scim/errors";
import { tagMatches } from "../scim/resource";
import { GROUP, type ResourceType, USER } from "../scim/resource-types";
import type { ScimObject, UnknownAttributes } from "../scim/coerce";
import { missingRequired, requiredError } from "../scim/policy";
import type { StoredEntity, TenantDirectory } from "../store";
import type { HandlerContext } from "./types";

export type Kind = "User" | "Group";

/** The tenant's own User or Group type (its custom extension included); the base type when anonymous. */
export function typeOf(ctx: HandlerContext, kind: Kind): ResourceType {
  return ctx.tenant?.types[kind] ?? (kind === "User" ? USER : GROUP);
}

/**
 * Where attributes outside the tenant's schemas go: by default they are left out and their names
 * recorded (counted per instance and logged by name, never their values), so one wrong mapping in Entra
 * does not fail every user; with the policy's "reject" they are a 400 (undefined: the protocol's own error).
 */
export function unknownAttributes(ctx: HandlerContext): UnknownAttributes | undefined {
  const tenant = ctx.tenant;
  if (!tenant || tenant.policy.unknownAttributes === "reject") return undefined;
  return (name) => tenant.ignored.push(name);
}

/** 400 invalidValue naming the first attribute the tenant's policy requires and the document lacks. */
export function checkRequired(ctx: HandlerContext, type: ResourceType, doc: ScimObject): void {
  const paths = ctx.tenant?.policy.required[type.name] ?? [];
  const missing = paths.length > 0 ? missingRequired(type, paths, doc) : undefined;
  if (missing !== undefined) {
    if (ctx.tenant) ctx.tenant.rejected = "required";
    throw requiredError(type, missing);
  }
}

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
