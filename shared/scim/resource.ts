// Stored resource ⇄ SCIM representation: meta (created, lastModified, location, version), unassigned
// attributes left out. Pure: no I/O.
import { ResourceType } from "./resource-types";
import { ScimObject, isObject } from "./coerce";

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

/**
 * The assigned attributes of a document: RFC 7643 §2.5 makes null and an empty multi-valued attribute the
 * same state as unassigned, and strict clients reject `"emails": []` or `"roles": []` where they expect
 * the attribute absent. Writes never store them (coercion and PATCH drop them); this keeps any document
 * stored otherwise from showing them.
 */
export function assigned(doc: ScimObject): ScimObject {
  const out: ScimObject = {};
  for (const [key, value] of Object.entries(doc)) {
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    if (key.toLowerCase().startsWith("urn:") && isObject(value)) {
      const block = assigned(value);
      if (Object.keys(block).length > 0) out[key] = block;
      continue;
    }
    out[key] = value;
  }
  return out;
}

/** The full SCIM representation: the assigned attributes, `id` and the complete `meta` (RFC 7643 §3.1). */
export function render(type: ResourceType, baseUrl: string, stored: StoredResource, extra: ScimObject = {}): ScimObject {
  return {
    ...assigned({ ...stored.doc, ...extra }),
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
