// Reading a tenant's events as the vendor's app does: GET /events page by page, from a cursor (or the
// oldest retained event) to the end of the log.
import type { ScimClient } from "./scim-client";

/** Every event after `after` (from the start without it), and the cursor to continue from. */
export async function readAllEvents(api: ScimClient, after?: string): Promise<{ events: any[]; cursor: string }> {
  const events: any[] = [];
  let cursor = after;
  for (let i = 0; i < 100; i++) {
    const r = await api.get(`/events?limit=1000${cursor ? `&after=${cursor}` : ""}`);
    expect(r.status).toBe(200);
    events.push(...r.body.data);
    cursor = r.body.cursor;
    if (!r.body.hasMore) break;
  }
  return { events, cursor: cursor ?? "" };
}
