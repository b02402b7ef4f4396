// JSON written as a sequence of text chunks, so a 100,000-member group or a page of large groups is
// sent while it is read instead of being built in memory first. Pure: no I/O (the caller supplies
// the async sources).
import { LIST_RESPONSE } from "./urns";
import { ScimObject } from "./coerce";

/**
 * A resource whose `key` array is filled from `elements` as they arrive, ~one chunk per `batch`. The
 * resource's own attributes leave first; the array is opened only when its first element arrives, so
 * no elements means no `key` at all (RFC 7643 §2.5: an empty multi-valued attribute is unassigned), or
 * `"key":[]` when `whenEmpty` asks for it.
 */
export async function* resourceWithStreamedArray(
  resource: ScimObject,
  key: string,
  elements: AsyncIterable<ScimObject>,
  batch = 1000,
  whenEmpty: "omit" | "empty" = "omit",
): AsyncIterable<string> {
  const head = JSON.stringify(resource);
  yield head.slice(0, -1);
  const open = (head === "{}" ? "" : ",") + JSON.stringify(key) + ":[";
  let sent = 0;
  let pending: string[] = [];
  for await (const element of elements) {
    pending.push(JSON.stringify(element));
    if (pending.length >= batch) {
      yield (sent === 0 ? open : ",") + pending.join(",");
      sent += pending.length;
      pending = [];
    }
  }
  if (pending.length > 0) yield (sent === 0 ? open : ",") + pending.join(",");
  if (sent + pending.length > 0) yield "]}";
  else yield whenEmpty === "empty" ? open + "]}" : "}";
}

/** A ListResponse whose resources are each a plain object or a stream of chunks (RFC 7644 §3.4.2). */
export async function* listResponseStream(
  totalResults: number,
  startIndex: number,
  resources: Array<ScimObject | AsyncIterable<string>>,
): AsyncIterable<string> {
  const head = { schemas: [LIST_RESPONSE], totalResults, startIndex, itemsPerPage: resources.length };
  yield JSON.stringify(head).slice(0, -1) + ',"Resources":[';
  for (const [i, r] of resources.entries()) {
    if (i > 0) yield ",";
    if (Symbol.asyncIterator in r) yield* r;
    else yield JSON.stringify(r);
  }
  yield "]}";
}
