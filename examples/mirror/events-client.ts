// The Events API from the consumer's side: the snapshot (every page) and the long-polled event stream,
// over fetch. Knows nothing of the mirror: sync.ts decides what to do with what arrives.
import type { ChangeEvent, SnapshotItem } from "./mirror";

export interface EventsApi {
  /** The host's root, e.g. http://127.0.0.1:7071 (not the SCIM base). */
  url: string;
  /** A token of scope "events": npm run credentials -- token create --tenant <t> --scope events */
  token: string;
}

/** The Events API's error body: {"error": {status, code, message}}. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = "ApiFailure";
  }
  /** 5xx and 429 are worth retrying; 4xx are not (410 cursor_expired means: snapshot again). */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 429;
  }
}

async function getJson<T>(api: EventsApi, pathAndQuery: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(new URL(pathAndQuery, api.url), { headers: { Authorization: `Bearer ${api.token}` }, ...(signal ? { signal } : {}) });
  const text = await res.text();
  if (res.ok) return JSON.parse(text) as T;
  let error = { status: res.status, code: "error", message: text.slice(0, 200) };
  try {
    error = { ...error, ...(JSON.parse(text) as { error?: typeof error }).error };
  } catch {
    // not the API's error body (a proxy's page): keep the text
  }
  throw new ApiFailure(error.status, error.code, error.message);
}

export interface Snapshot {
  /** Continue GET /events from here. */
  cursor: string;
  /** The last event the cursor has passed: stamp the snapshot's items with it. */
  sequence: number;
  items: SnapshotItem[];
}

interface SnapshotPage {
  cursor: string;
  sequence: number;
  data: SnapshotItem[];
  next: string | null;
}

/** GET /events/snapshot, every page (users, then groups, then memberships). */
export async function readSnapshot(api: EventsApi, pageSize = 500): Promise<Snapshot> {
  const items: SnapshotItem[] = [];
  let page = await getJson<SnapshotPage>(api, `/events/snapshot?limit=${pageSize}`);
  items.push(...page.data);
  while (page.next !== null) {
    page = await getJson<SnapshotPage>(api, `/events/snapshot?limit=${pageSize}&page=${encodeURIComponent(page.next)}`);
    items.push(...page.data);
  }
  return { cursor: page.cursor, sequence: page.sequence, items };
}

export interface EventPage {
  data: ChangeEvent[];
  cursor: string;
  hasMore: boolean;
}

/** One GET /events after the cursor; with waitSeconds, an empty answer is held until events arrive. */
export function readEvents(api: EventsApi, after: string, options: { limit?: number; waitSeconds?: number; signal?: AbortSignal } = {}): Promise<EventPage> {
  const query = new URLSearchParams({ after, limit: String(options.limit ?? 500), wait: String(options.waitSeconds ?? 0) });
  return getJson<EventPage>(api, `/events?${query.toString()}`, options.signal);
}
