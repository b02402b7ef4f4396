// How the store finds the candidates of a filter (RFC 7644 §3.4.2.2), cheapest first: an `eq` on id,
// on an indexed attribute, or on the membership relation (Group.members / User.groups) inside the
// top-level `and` decides them; anything else scans the tenant's own resources. Pure: no I/O.
import { Filter as LibFilter } from "scim2-parse-filter";
import { ResourceType, resolveAttribute } from "./resource-types";

export type IndexedAttribute = "userName" | "externalId" | "displayName";

export type QueryPlan =
  | { kind: "id"; id: string }
  | { kind: "index"; attribute: IndexedAttribute; value: string }
  /** Group: the groups holding member `id`; User: the users in group `id` (membership rows). */
  | { kind: "related"; id: string }
  | { kind: "scan" };

/**
 * What the predicate needs to know of the membership relation: `required` ids are top-level
 * `members eq "id"` (or `groups eq`) clauses, answered by point reads; `full` means the filter uses
 * the relation some other way, so each candidate's whole list must be loaded.
 */
export interface RelationNeeds {
  required: string[];
  full: boolean;
}

const INDEXED: Record<ResourceType["name"], readonly IndexedAttribute[]> = {
  User: ["userName", "externalId"],
  Group: ["displayName", "externalId"],
};

/** The multi-valued attribute that is stored as membership rows rather than in the document. */
export const RELATION: Record<ResourceType["name"], string> = { User: "groups", Group: "members" };

export function andClauses(f: LibFilter): LibFilter[] {
  return f.op === "and" ? f.filters.flatMap(andClauses) : [f];
}

/** The id a clause pins the relation to: `members eq "x"`, `members.value eq "x"`, `members[value eq "x"]`. */
function relationEq(type: ResourceType, clause: LibFilter): string | undefined {
  if (clause.op === "[]") {
    const found = resolveAttribute(type, clause.attrPath);
    const inner = clause.valFilter;
    const pinned =
      found &&
      !found.sub &&
      found.attr.name === RELATION[type.name] &&
      inner.op === "eq" &&
      inner.attrPath.toLowerCase() === "value" &&
      typeof inner.compValue === "string";
    return pinned ? (inner as { compValue: string }).compValue : undefined;
  }
  if (clause.op !== "eq" || typeof clause.compValue !== "string") return undefined;
  const found = resolveAttribute(type, clause.attrPath);
  const onRelation = found && found.attr.name === RELATION[type.name] && (!found.sub || found.sub.name === "value");
  return onRelation ? clause.compValue : undefined;
}

export function planQuery(type: ResourceType, f: LibFilter): QueryPlan {
  const clauses = andClauses(f);
  let best: QueryPlan = { kind: "scan" };
  const rank = { id: 0, index: 1, related: 2, scan: 3 };
  for (const clause of clauses) {
    let plan: QueryPlan | undefined;
    const related = relationEq(type, clause);
    if (related !== undefined) plan = { kind: "related", id: related };
    else if (clause.op === "eq" && typeof clause.compValue === "string") {
      const found = resolveAttribute(type, clause.attrPath);
      if (found && !found.extension && !found.sub) {
        if (found.attr.name === "id") plan = { kind: "id", id: clause.compValue };
        else if ((INDEXED[type.name] as readonly string[]).includes(found.attr.name)) {
          plan = { kind: "index", attribute: found.attr.name as IndexedAttribute, value: clause.compValue };
        }
      }
    }
    if (plan && rank[plan.kind] < rank[best.kind]) best = plan;
  }
  return best;
}

export function relationNeeds(type: ResourceType, f: LibFilter): RelationNeeds {
  const required: string[] = [];
  let full = false;
  for (const clause of andClauses(f)) {
    const id = relationEq(type, clause);
    if (id !== undefined) required.push(id);
    else if (mentions(type, clause)) full = true;
  }
  return { required, full };
}

function mentions(type: ResourceType, f: LibFilter): boolean {
  switch (f.op) {
    case "and":
    case "or":
      return f.filters.some((x) => mentions(type, x));
    case "not":
      return mentions(type, f.filter);
    default:
      return resolveAttribute(type, f.attrPath)?.attr.name === RELATION[type.name];
  }
}
