// Stored resource ⇄ SCIM representation: meta (created, lastModified, location, version). Pure: no I/O.
import { ResourceType } from "./resource-types";
import { ScimObject } from "./coerce";

export interface StoredResource {
  id: string;
  doc: ScimObject;
  created: string;
  lastModified: string;
  /** Opaque, renewed on every write. */
  version: string;
}

/** meta.version and the ETag header: a weak tag over the resource's version token. */
export const versionTag = (version: string) => `W/"${version}"`;

/** meta.location and the Location header of a resource. */
export const resourceLocation = (type: ResourceType, baseUrl: string, id: string) => `${baseUrl}${type.endpoint}/${id}`;

export function render(type: ResourceType, baseUrl: string, stored: StoredResource, extra: ScimObject = {}): ScimObject {
  return {
    ...stored.doc,
    ...extra,
    id: stored.id,
    meta: {
      resourceType: type.name,
      created: stored.created,
      lastModified: stored.lastModified,
      location: resourceLocation(type, baseUrl, stored.id),
      version: versionTag(stored.version),
    },
  };
}

/** If-Match / If-None-Match comparison (RFC 7232 weak comparison; `*` matches any). */
export function tagMatches(header: string, version: string): boolean {
  const wanted = versionTag(version).replace(/^W\//, "");
  return header
    .split(",")
    .map((t) => t.trim())
    .some((t) => t === "*" || t.replace(/^W\//, "") === wanted);
}

/** One element of Group.members, from a membership row. */
export function memberElement(baseUrl: string, member: { value: string; type: string }): ScimObject {
  const endpoint = member.type === "Group" ? "/Groups" : "/Users";
  return { value: member.value, $ref: `${baseUrl}${endpoint}/${member.value}`, type: member.type };
}

/** One element of User.groups (read-only), from a reverse membership row; only direct membership is stored. */
export function groupElement(baseUrl: string, groupId: string): ScimObject {
  return { value: groupId, $ref: `${baseUrl}/Groups/${groupId}`, type: "direct" };
}
