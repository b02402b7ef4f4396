// What every resource write shares: new ids and timestamps, If-Match, and re-applying a change when
// another request won the ETag race (the client did not ask for a conditional write, so a 412 from
// storage is ours to absorb, not Entra's).
import { randomUUID } from "node:crypto";
import { ScimError } from "../scim/errors";
import { StoredResource, tagMatches } from "../scim/resource";
import { ScimObject } from "../scim/coerce";
import { StoreError, newVersion } from "../store";
import { StoredEntity } from "../store/resources";
import { HandlerContext } from "../http/pipeline";

export function newResource(doc: ScimObject): StoredResource {
  const now = new Date().toISOString();
  return { id: randomUUID(), doc, created: now, lastModified: now, version: newVersion() };
}

export function nextRevision(previous: StoredEntity, doc: ScimObject): StoredResource {
  return { id: previous.id, doc, created: previous.created, lastModified: new Date().toISOString(), version: newVersion() };
}

/** 412 when the client sent If-Match and the resource has moved on (RFC 7644 §3.14). */
export function checkIfMatch(ctx: HandlerContext, entity: StoredEntity): void {
  const ifMatch = ctx.req.header("if-match");
  if (ifMatch && !tagMatches(ifMatch, entity.version)) {
    throw ScimError.preconditionFailed(`The resource version is W/"${entity.version}"; the request expected ${ifMatch}.`);
  }
}

const DEADLINE_MS = 20_000;

/**
 * Runs read → change → conditional write until the write lands. Each attempt re-reads, so
 * concurrent PATCHes of different attributes all survive. Gives up with 503 after 20 s.
 */
export async function withOptimisticRetry<T>(attempt: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (e) {
      const raced = e instanceof StoreError && e.code === "precondition-failed";
      if (!raced) throw e;
      if (Date.now() - started > DEADLINE_MS) throw ScimError.unavailable("The resource is changing too often; retry later.", 1);
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 5 * tries)));
    }
  }
}
