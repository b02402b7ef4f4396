// Paging parameters and ListResponse (RFC 7644 §3.4.2, §3.4.2.4). Pure: no I/O.
import { LIST_RESPONSE } from "./urns";
import { ScimError } from "./errors";

export const MAX_PAGE_SIZE = 200;

export interface Paging {
  startIndex: number;
  count: number;
}

function integer(name: string, raw: string | number | undefined): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const n = typeof raw === "number" ? raw : Number(raw);
  if (!Number.isInteger(n)) throw ScimError.invalidValue(`'${name}' must be an integer.`);
  return n;
}

/** startIndex < 1 means 1; count < 0 means 0; count is capped at MAX_PAGE_SIZE (advertised in ServiceProviderConfig). */
export function parsePaging(startIndex?: string | number, count?: string | number): Paging {
  const start = integer("startIndex", startIndex) ?? 1;
  const size = integer("count", count) ?? MAX_PAGE_SIZE;
  return { startIndex: Math.max(1, start), count: Math.min(Math.max(0, size), MAX_PAGE_SIZE) };
}

export interface ListResponse<T> {
  schemas: string[];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: T[];
}

export function listResponse<T>(resources: T[], totalResults: number, startIndex: number): ListResponse<T> {
  return { schemas: [LIST_RESPONSE], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}
