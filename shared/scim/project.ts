// attributes / excludedAttributes (RFC 7644 §3.4.2.5, §3.9) and the `returned` characteristic.
// Pure: no I/O.
import { AttributeRef, ResourceType, resolveAttribute } from "./resource-types";
import { ScimObject, isObject } from "./coerce";
import { SchemaDef } from "./schemas/attribute";

export interface Projection {
  attributes?: AttributeRef[];
  excluded: AttributeRef[];
}

function parseList(type: ResourceType, value: string | string[] | undefined): AttributeRef[] | undefined {
  if (value === undefined) return undefined;
  const names = (Array.isArray(value) ? value : value.split(",")).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) return undefined;
  // Unknown names select nothing (RFC 7644 leaves them undefined; failing a read over them helps nobody).
  return names.map((n) => resolveAttribute(type, n)).filter((r): r is AttributeRef => r !== undefined);
}

export function parseProjection(type: ResourceType, attributes?: string | string[], excluded?: string | string[]): Projection {
  return { attributes: parseList(type, attributes), excluded: parseList(type, excluded) ?? [] };
}

const sameAttr = (a: AttributeRef, name: string, extension?: string) => a.attr.name === name && a.extension === extension;

/** Whether the response will contain this top-level attribute: lets a handler skip reading groups or members. */
export function returnsAttribute(type: ResourceType, projection: Projection, name: string): boolean {
  const attr = type.schema.attributes.find((a) => a.name === name);
  if (!attr || attr.returned === "never") return false;
  if (attr.returned === "always") return true;
  if (projection.attributes) return projection.attributes.some((a) => sameAttr(a, name));
  if (attr.returned === "request") return false;
  return !projection.excluded.some((a) => sameAttr(a, name) && !a.sub);
}

/** Shapes a full resource for the response. */
export function project(type: ResourceType, resource: ScimObject, projection: Projection): ScimObject {
  const out: ScimObject = {};
  const blocks: Array<[string | undefined, SchemaDef, ScimObject]> = [[undefined, type.schema, resource]];
  for (const ext of type.extensions) {
    const block = resource[ext.id];
    if (isObject(block)) blocks.push([ext.id, ext, block]);
  }
  for (const [extension, schema, block] of blocks) {
    const target: ScimObject = {};
    for (const attr of schema.attributes) {
      if (!(attr.name in block)) continue;
      const selected = selectAttribute(projection, attr.name, attr.returned, extension);
      if (selected === false) continue;
      const value = block[attr.name];
      target[attr.name] = selected === true ? value : pickSubAttributes(value, selected);
    }
    if (extension === undefined) {
      if (resource.meta !== undefined && selectAttribute(projection, "meta", "default", undefined) !== false) {
        const meta = selectAttribute(projection, "meta", "default", undefined);
        target.meta = meta === true ? resource.meta : pickSubAttributes(resource.meta, meta as Selection);
      }
      Object.assign(out, target);
    } else if (Object.keys(target).length > 0) {
      out[extension] = target;
    }
  }
  const schemas = [type.schema.id, ...type.extensions.filter((e) => isObject(out[e.id])).map((e) => e.id)];
  return { schemas, ...out };
}

type Selection = { include?: Set<string>; exclude?: Set<string> };

/** Shapes one element of a top-level multi-valued attribute as project() would (streamed members). */
export function projectElement(type: ResourceType, projection: Projection, name: string, element: ScimObject): ScimObject {
  const attr = type.schema.attributes.find((a) => a.name === name);
  const selected = attr ? selectAttribute(projection, name, attr.returned, undefined) : true;
  return typeof selected === "boolean" ? element : (pickSubAttributes(element, selected) as ScimObject);
}

/** true: whole attribute; false: omitted; a Selection: some sub-attributes only. */
function selectAttribute(projection: Projection, name: string, returned: string, extension: string | undefined): boolean | Selection {
  if (returned === "never") return false;
  if (returned === "always") return true;
  const refs = (list: AttributeRef[]) => list.filter((a) => sameAttr(a, name, extension));
  if (projection.attributes) {
    const wanted = refs(projection.attributes);
    if (wanted.length === 0) return false;
    if (wanted.some((a) => !a.sub)) return true;
    return { include: new Set(wanted.flatMap((a) => (a.sub ? [a.sub.name] : []))) };
  }
  if (returned === "request") return false;
  const excluded = refs(projection.excluded);
  if (excluded.some((a) => !a.sub)) return false;
  return excluded.length === 0 ? true : { exclude: new Set(excluded.flatMap((a) => (a.sub ? [a.sub.name] : []))) };
}

function pickSubAttributes(value: unknown, selection: Selection): unknown {
  const pick = (o: unknown) => {
    if (!isObject(o)) return o;
    const out: ScimObject = {};
    for (const [k, v] of Object.entries(o)) {
      if (selection.include ? selection.include.has(k) : !selection.exclude?.has(k)) out[k] = v;
    }
    return out;
  };
  return Array.isArray(value) ? value.map(pick) : pick(value);
}
