// PATCH paths (RFC 7644 §3.5.2): attrPath, attrPath.sub, URN-qualified paths and valuePath[filter].sub.
// Pure: no I/O.
import { Filter as LibFilter } from "scim2-parse-filter";
import { AttributeDef, SchemaDef, findAttribute } from "../schemas/attribute";
import { ResourceType, resolveAttribute } from "../resource-types";
import { compileElementFilter, parseFilterText } from "../filter";
import { ScimError } from "../errors";
import { ScimObject } from "../coerce";

export interface PatchPath {
  text: string;
  extension?: string;
  attr: AttributeDef;
  sub?: AttributeDef;
  filter?: { ast: LibFilter; matches: (element: ScimObject) => boolean };
}

export function parsePatchPath(type: ResourceType, text: string): PatchPath {
  const open = text.indexOf("[");
  if (open < 0) {
    const found = resolveAttribute(type, text.trim());
    if (!found) throw ScimError.invalidPath(`'${text}' is not an attribute of ${type.name}.`);
    return { text, ...found };
  }
  const close = text.lastIndexOf("]");
  const rest = text.slice(close + 1);
  if (close < open || (rest !== "" && !rest.startsWith("."))) throw ScimError.invalidPath(`'${text}' is not a valid path.`);
  const found = resolveAttribute(type, text.slice(0, open).trim());
  if (!found || found.sub || found.attr.type !== "complex" || !found.attr.multiValued) {
    throw ScimError.invalidPath(`'${text.slice(0, open)}' is not a multi-valued complex attribute of ${type.name}.`);
  }
  let sub: AttributeDef | undefined;
  if (rest) {
    sub = findAttribute(found.attr.subAttributes ?? [], rest.slice(1));
    if (!sub) throw ScimError.invalidPath(`'${rest.slice(1)}' is not a sub-attribute of '${found.attr.name}'.`);
  }
  const ast = parseFilterText(text.slice(open + 1, close));
  return { text, extension: found.extension, attr: found.attr, sub, filter: { ast, matches: compileElementFilter(found.attr, ast) } };
}

/**
 * The path of a whole extension block (`urn:…:enterprise:2.0:User` as a PATCH path): a single-valued
 * complex attribute named by the URN, at the top of the document, whose sub-attributes are the
 * extension's attributes, so removing it removes the block.
 */
export function extensionBlockPath(schema: SchemaDef, text: string): PatchPath {
  const attr: AttributeDef = {
    name: schema.id,
    type: "complex",
    multiValued: false,
    description: schema.description,
    required: false,
    caseExact: false,
    mutability: "readWrite",
    returned: "default",
    uniqueness: "none",
    subAttributes: schema.attributes,
  };
  return { text, attr };
}

/**
 * The element an add/replace through `attr[type eq "work"].value` creates when no element matches
 * (Entra sends these when a value first appears, fixtures adds-mobile-phone-by-filter-path, creates-work-email-by-filter-path-when-none-exists): the filter's eq conditions become its fields.
 */
export function elementFromFilter(path: PatchPath): ScimObject | undefined {
  const build = (f: LibFilter): ScimObject | undefined => {
    if (f.op === "eq" && f.compValue !== null) {
      const sub = findAttribute(path.attr.subAttributes ?? [], f.attrPath);
      return sub ? { [sub.name]: f.compValue } : undefined;
    }
    if (f.op === "and") {
      const parts = f.filters.map(build);
      return parts.every((p) => p !== undefined) ? (Object.assign({}, ...parts) as ScimObject) : undefined;
    }
    return undefined;
  };
  return path.filter ? build(path.filter.ast) : undefined;
}
