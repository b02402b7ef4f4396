// PATCH operations on Group.members turned into a membership delta (ids to add, ids to remove), so
// the store writes member rows and never a member list. Entra's shapes (fixtures removes-member-with-value-array, removes-member-with-path-filter): `Remove` with a value
// array removes those members; `remove` with `members[value eq "id"]` removes that one; only a
// remove with neither value nor filter (or a replace) clears the group. Pure: no I/O.
import { Filter as LibFilter } from "scim2-parse-filter";
import { GROUP } from "../resource-types";
import { ScimObject, coerceValue, isObject } from "../coerce";
import { ScimError } from "../errors";
import { PatchOperation } from "./entra-dialect";

export interface MemberDelta {
  add: string[];
  remove: string[];
}

export const isMemberOperation = (operation: PatchOperation) => operation.path.attr.name === "members" && !operation.path.extension;

/**
 * Whether the delta depends on the current members: a clear (remove without value, replace of the
 * list) or a filter other than `value eq "id"`. Otherwise no member row is read.
 */
export function needsCurrentMembers(operations: PatchOperation[]): boolean {
  return operations
    .filter(isMemberOperation)
    .some(
      (o) =>
        o.op === "replace" ||
        (o.op === "remove" && !o.path.filter && o.value === undefined) ||
        (o.path.filter !== undefined && pinnedIds(o.path.filter.ast) === undefined),
    );
}

/** The ids of the member value objects in an operation's value (`[{"$ref": null, "value": "id"}]`, `{"value": "id"}`, "id"). */
export function memberIds(value: unknown, where: string): string[] {
  if (value === null) throw ScimError.invalidValue(`'${where}' needs member values, not null.`);
  const attr = GROUP.schema.attributes.find((a) => a.name === "members");
  if (!attr) throw new Error("The Group schema defines no members attribute.");
  const items = (coerceValue(attr, value, where) as ScimObject[] | undefined) ?? [];
  return items.map((item) => {
    if (typeof item.value !== "string" || item.value === "") throw ScimError.invalidValue(`Every member in '${where}' needs a "value" (the member's id).`);
    return item.value;
  });
}

/** `value eq "a"`, or `value eq "a" or value eq "b"`: the ids a filter pins, else undefined. */
function pinnedIds(f: LibFilter): string[] | undefined {
  if (f.op === "eq" && f.attrPath.toLowerCase() === "value" && typeof f.compValue === "string") return [f.compValue];
  if (f.op !== "or") return undefined;
  const parts = f.filters.map(pinnedIds);
  return parts.every((p): p is string[] => p !== undefined) ? parts.flat() : undefined;
}

/**
 * Folds the member operations, in order, into one delta. `current` (the group's members) is needed
 * only when needsCurrentMembers() says so; ids already in the wanted state are dropped when known.
 */
export function memberDelta(operations: PatchOperation[], current?: ReadonlyArray<{ value: string; type: string }>): MemberDelta {
  const wanted = new Map<string, "add" | "remove">();
  let cleared = false;
  for (const operation of operations.filter(isMemberOperation)) {
    const { op, path, value } = operation;
    if (path.sub) throw ScimError.invalidPath(`'${path.text}': members are added and removed whole; their sub-attributes are immutable.`);
    const filter = path.filter;
    if (filter) {
      if (op !== "remove") throw ScimError.invalidPath(`'${path.text}': a filtered members path can only be removed.`);
      const ids = pinnedIds(filter.ast) ?? (cleared ? [] : (current ?? []).filter((m) => filter.matches({ ...m })).map((m) => m.value));
      for (const id of ids) wanted.set(id, "remove");
      continue;
    }
    if ((op === "remove" && value === undefined) || op === "replace") {
      cleared = true;
      wanted.clear();
      if (op === "replace") for (const id of memberIds(value, path.text)) wanted.set(id, "add");
      continue;
    }
    for (const id of memberIds(value, path.text)) wanted.set(id, op === "remove" ? "remove" : "add");
  }
  const known = current ? new Set(current.map((m) => m.value)) : undefined;
  const add = [...wanted].filter(([id, w]) => w === "add" && !known?.has(id)).map(([id]) => id);
  const remove = [...wanted].filter(([id, w]) => w === "remove" && (!known || known.has(id))).map(([id]) => id);
  if (cleared) for (const id of known ?? []) if (!wanted.has(id)) remove.push(id);
  return { add, remove };
}

/** The member ids of a POST/PUT body's `members` attribute (coerced already). */
export function membersOf(doc: ScimObject): string[] {
  const members = doc.members;
  return Array.isArray(members) ? members.filter(isObject).map((m) => String(m.value)) : [];
}
