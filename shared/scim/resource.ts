// Stored resource ⇄ SCIM representation: meta (created, lastModified, location, version). Pure: no I/O.
import { ResourceType } from "./resource-types";
import { ScimObject } from "./coerce";

export interface StoredResource {
  id: string;
  doc: ScimObject;
  created: string;
  lastModified: string;
  version: number;
}

/** meta.version and the ETag header: a weak tag over the resource's revision counter. */
export const versionTag = (version: number) => `W/"${version}"`;

export function render(type: ResourceType, baseUrl: string, stored: StoredResource, extra: ScimObject = {}): ScimObject {
  return {
    ...stored.doc,
    ...extra,
    id: stored.id,
    meta: {
      resourceType: type.name,
      created: stored.created,
      lastModified: stored.lastModified,
      location: `${baseUrl}${type.endpoint}/${stored.id}`,
      version: versionTag(stored.version),
    },
  };
}

/** If-Match / If-None-Match comparison (RFC 7232 weak comparison; `*` matches any). */
export function tagMatches(header: string, version: number): boolean {
  const wanted = versionTag(version).replace(/^W\//, "");
  return header.split(",").map((t) => t.trim()).some((t) => t === "*" || t.replace(/^W\//, "") === wanted);
}
