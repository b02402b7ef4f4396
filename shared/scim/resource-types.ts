// Resource types (RFC 7643 §6) and attribute-path resolution against them. Pure: no I/O.
import { AttributeDef, SchemaDef, findAttribute } from "./schemas/attribute";
import { enterpriseUserSchema } from "./schemas/enterprise-user";
import { groupSchema } from "./schemas/group";
import { userSchema } from "./schemas/user";

export interface ResourceType {
  name: "User" | "Group";
  endpoint: string;
  description: string;
  schema: SchemaDef;
  extensions: SchemaDef[];
}

export const USER: ResourceType = {
  name: "User",
  endpoint: "/Users",
  description: "User Account",
  schema: userSchema,
  extensions: [enterpriseUserSchema],
};
export const GROUP: ResourceType = {
  name: "Group",
  endpoint: "/Groups",
  description: "Group",
  schema: groupSchema,
  extensions: [],
};
export const RESOURCE_TYPES: ResourceType[] = [USER, GROUP];

/** Where an attribute lives: `extension` is the URN key the attribute sits under, if any. */
export interface AttributeRef {
  extension?: string;
  attr: AttributeDef;
  sub?: AttributeDef;
}

const META: AttributeDef = {
  name: "meta",
  type: "complex",
  multiValued: false,
  description: "Resource metadata.",
  required: false,
  caseExact: false,
  mutability: "readOnly",
  returned: "default",
  uniqueness: "none",
  subAttributes: ["resourceType", "created", "lastModified", "location", "version"].map((name) => ({
    name,
    type: name === "created" || name === "lastModified" ? "dateTime" : "string",
    multiValued: false,
    description: name,
    required: false,
    caseExact: name === "version" || name === "location",
    mutability: "readOnly",
    returned: "default",
    uniqueness: "none",
  })),
};

/** Known schema URN (case-insensitive) of this resource type, as declared. */
export function schemaUrn(type: ResourceType, urn: string): SchemaDef | undefined {
  const lower = urn.toLowerCase();
  return [type.schema, ...type.extensions].find((s) => s.id.toLowerCase() === lower);
}

/**
 * Splits `urn:…:User:manager.value`, `name.givenName`, `userName` into schema + attribute + sub-attribute.
 * Returns undefined when the path names nothing this resource type has.
 */
export function resolveAttribute(type: ResourceType, path: string): AttributeRef | undefined {
  let schema = type.schema;
  let rest = path;
  if (path.toLowerCase().startsWith("urn:")) {
    const match = [type.schema, ...type.extensions]
      .filter((s) => path.toLowerCase().startsWith(s.id.toLowerCase() + ":"))
      .sort((a, b) => b.id.length - a.id.length)[0];
    if (!match) return undefined;
    schema = match;
    rest = path.slice(match.id.length + 1);
  }
  const [attrName, subName, ...more] = rest.split(".");
  if (more.length > 0 || !attrName) return undefined;
  let attr = schema === type.schema && attrName.toLowerCase() === "meta" ? META : findAttribute(schema.attributes, attrName);
  if (!attr && schema === type.schema) {
    // Entra names extension attributes without their URN (`manager` in PATCH paths and filters:
    // fixtures checks-manager-reference-with-quoted-ids, changes-manager-with-replace).
    for (const ext of type.extensions) {
      const found = findAttribute(ext.attributes, attrName);
      if (found) {
        schema = ext;
        attr = found;
        break;
      }
    }
  }
  if (!attr) return undefined;
  const extension = schema === type.schema ? undefined : schema.id;
  if (subName === undefined) return { extension, attr };
  const sub = attr.subAttributes && findAttribute(attr.subAttributes, subName);
  return sub ? { extension, attr, sub } : undefined;
}
