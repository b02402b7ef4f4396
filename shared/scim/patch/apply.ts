// Applies normalised PATCH operations to a stored resource (RFC 7644 §3.5.2 with Entra's upsert
// semantics for filtered paths — fixtures adds-mobile-phone-by-filter-path,
// creates-work-email-by-filter-path-when-none-exists — and add-as-replace on single values — fixture
// adds-nickname-for-the-first-time-then-adds-again). Returns a new object; the caller validates the
// result. Pure: no I/O.
import { AttributeDef } from "../schemas/attribute";
import { ScimObject, coerceSingle, coerceValue, isObject } from "../coerce";
import { ScimError } from "../errors";
import { PatchOperation } from "./entra-dialect";
import { PatchPath, elementFromFilter } from "./path";

export function applyOperations(resource: ScimObject, operations: PatchOperation[]): ScimObject {
  const doc = structuredClone(resource);
  for (const operation of operations) applyOperation(doc, operation);
  return doc;
}

function holderOf(doc: ScimObject, path: PatchPath, create: boolean): ScimObject | undefined {
  if (!path.extension) return doc;
  const existing = doc[path.extension];
  if (isObject(existing)) return existing;
  if (!create) return undefined;
  const ext: ScimObject = {};
  doc[path.extension] = ext;
  return ext;
}

function applyOperation(doc: ScimObject, { op, path, value }: PatchOperation): void {
  const holder = holderOf(doc, path, op !== "remove");
  if (!holder) return;
  if (op === "remove") remove(holder, path, value);
  else if (path.filter) setFiltered(holder, path, path.filter.matches, value);
  else if (path.sub) setSubAttribute(holder, path.attr, path.sub, value, path.text);
  else setAttribute(holder, path.attr, op, value, path.text);
  tidy(doc, path);
}

function setAttribute(holder: ScimObject, attr: AttributeDef, op: "add" | "replace", value: unknown, text: string): void {
  const coerced = coerceValue(attr, value, text);
  if (coerced === undefined) {
    delete holder[attr.name];
    return;
  }
  if (attr.multiValued) {
    const incoming = coerced as ScimObject[];
    const existing = op === "add" ? list(holder, attr) : [];
    const merged = [...existing];
    for (const item of incoming) {
      if (!merged.some((e) => sameValue(e, item))) merged.push(item);
    }
    holder[attr.name] = merged;
    keepOnePrimary(merged, incoming);
    return;
  }
  const current = holder[attr.name];
  if (attr.type === "complex" && isObject(current) && isObject(coerced)) {
    // Sub-attributes not named are left unchanged (§3.5.2.1/3), unless the identity ("value", e.g. the
    // manager) changes, in which case the old $ref/displayName would describe somebody else.
    const sameIdentity = coerced.value === undefined || coerced.value === current.value;
    holder[attr.name] = sameIdentity ? { ...current, ...coerced } : coerced;
    return;
  }
  holder[attr.name] = coerced;
}

function setSubAttribute(holder: ScimObject, attr: AttributeDef, sub: AttributeDef, value: unknown, text: string): void {
  const coerced = coerceSingle(sub, value, text);
  if (attr.multiValued) {
    const items = list(holder, attr);
    if (items.length === 0) items.push({});
    for (const item of items) assignOrDelete(item, sub.name, coerced);
    holder[attr.name] = items;
    return;
  }
  const current = isObject(holder[attr.name]) ? (holder[attr.name] as ScimObject) : {};
  assignOrDelete(current, sub.name, coerced);
  holder[attr.name] = current;
}

function setFiltered(holder: ScimObject, path: PatchPath, matchesFilter: (element: ScimObject) => boolean, value: unknown): void {
  const items = list(holder, path.attr);
  let matches = items.filter(matchesFilter);
  if (matches.length === 0) {
    const created = elementFromFilter(path);
    if (!created) throw ScimError.noTarget(`No value of '${path.attr.name}' matches '${path.text}'.`);
    items.push(created);
    matches = [created];
  }
  for (const item of matches) {
    if (path.sub) {
      assignOrDelete(item, path.sub.name, coerceSingle(path.sub, value, path.text));
    } else {
      const coerced = coerceSingle(path.attr, value, path.text);
      if (!isObject(coerced)) throw ScimError.invalidValue(`'${path.text}' needs an object value.`);
      Object.assign(item, coerced);
    }
  }
  holder[path.attr.name] = items;
  keepOnePrimary(items, matches);
}

function remove(holder: ScimObject, path: PatchPath, value: unknown): void {
  const { attr, sub, filter } = path;
  if (!attr.multiValued) {
    if (sub) {
      const current = holder[attr.name];
      if (isObject(current)) delete current[sub.name];
    } else {
      delete holder[attr.name];
    }
    return;
  }
  let items = list(holder, attr);
  const selected = (item: ScimObject) => (filter ? filter.matches(item) : true);
  if (!filter && !sub && value !== undefined) {
    // Remove with a value array ({"value": [{"value": "x"}]}) removes those values, never the whole list
    // (fixture removes-member-with-value-array).
    const doomed = (coerceValue(attr, value, path.text) as ScimObject[] | undefined) ?? [];
    items = items.filter((item) => !doomed.some((d) => sameValue(item, d)));
  } else if (sub) {
    for (const item of items.filter(selected)) delete item[sub.name];
  } else {
    items = items.filter((item) => !selected(item));
  }
  holder[attr.name] = items;
}

function list(holder: ScimObject, attr: AttributeDef): ScimObject[] {
  const current = holder[attr.name];
  return Array.isArray(current) ? current.filter(isObject) : [];
}

function assignOrDelete(target: ScimObject, key: string, value: unknown): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

/** Multi-valued elements are the same value when their `value` (and `type`, if both have one) agree. */
function sameValue(a: ScimObject, b: ScimObject): boolean {
  if (a.value === undefined || b.value === undefined) return JSON.stringify(a) === JSON.stringify(b);
  return a.value === b.value && (a.type === undefined || b.type === undefined || a.type === b.type);
}

/** RFC 7643 §2.4: at most one primary; the value just written wins. */
function keepOnePrimary(items: ScimObject[], written: ScimObject[]): void {
  const winner = written.find((w) => w.primary === true);
  if (!winner) return;
  for (const item of items) if (item !== winner && item.primary === true) item.primary = false;
}

/** Drops the empty shells an operation can leave behind: {} elements, [] lists, {} extensions. */
function tidy(doc: ScimObject, path: PatchPath): void {
  const holder = path.extension ? (doc[path.extension] as ScimObject | undefined) : doc;
  if (!holder) return;
  const current = holder[path.attr.name];
  if (Array.isArray(current)) {
    const kept = current.filter((e) => !isObject(e) || Object.keys(e).length > 0);
    if (kept.length === 0) delete holder[path.attr.name];
    else holder[path.attr.name] = kept;
  } else if (isObject(current) && Object.keys(current).length === 0) {
    delete holder[path.attr.name];
  }
  if (path.extension && Object.keys(holder).length === 0) delete doc[path.extension];
}
