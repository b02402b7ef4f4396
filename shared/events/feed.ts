// Reading a tenant's events: cursors, the fan-out of sequenced entries into events, the type filter.
// The Events API, `npm run events`, webhook delivery and snapshots all read through here.
import { type ChangeEvent, expandEntry } from "../scim/events";
import { CursorExpired, type EventLog, type LogPosition, tenantPartition } from "../store";

export { CursorExpired };

/** An opaque cursor: `<yyyymmdd>-<sequence>` (the day whose log holds what follows, and the last event read). */
export function encodeCursor(p: LogPosition): string {
  return `${p.period}-${p.seq}`;
}

/** The position a cursor names; undefined when it is not one of ours. */
export function decodeCursor(cursor: string): LogPosition | undefined {
  const m = /^(\d{8})-(\d{1,15})$/.exec(cursor);
  if (!m) return undefined;
  return { period: m[1] ?? "", seq: Number(m[2]) };
}

export interface ReadOptions {
  /** At most this many events (1–1000). */
  limit: number;
  /** Only these types (every type when absent); the cursor still moves past the others. */
  types?: ReadonlySet<string>;
  /** The SCIM base URL for the resources' meta.location. */
  baseUrl?: string;
  /** Log entries examined per call at most, so a filter matching little still answers promptly. */
  maxEntries?: number;
}

export interface EventPage {
  events: ChangeEvent[];
  /** Continue from here: past every event returned and every event the filter skipped. */
  cursor: string;
  /** True when the cursor is at the end of the log (as of this read). */
  atEnd: boolean;
  /** Storage round trips the read made (the log's pages; not the sequencing a read at the end triggers). */
  trips: number;
}

/** Events after `from` (the tenant's oldest retained event when absent), oldest first, with the next cursor. */
export async function readEvents(log: EventLog, tenantKey: string, from: LogPosition | undefined, options: ReadOptions): Promise<EventPage> {
  const page = await readPositioned(log, tenantKey, from, options);
  return { events: page.items.map((i) => i.event), cursor: encodeCursor(page.end), atEnd: page.atEnd, trips: page.trips };
}

/** An event with its place in the log (a deliverer's cursor moves to it once the event is settled). */
export interface PositionedEvent {
  event: ChangeEvent;
  position: LogPosition;
}

/** As readEvents, with each event's position and the end as a position (deliverers keep cursors of their own). */
export async function readPositioned(
  log: EventLog,
  tenantKey: string,
  from: LogPosition | undefined,
  options: ReadOptions,
): Promise<{ items: PositionedEvent[]; end: LogPosition; atEnd: boolean; trips: number }> {
  const pk = tenantPartition(tenantKey);
  let position = from ?? (await log.start(pk));
  const items: PositionedEvent[] = [];
  let examined = 0;
  let trips = 0;
  const maxEntries = options.maxEntries ?? 1000;
  for (;;) {
    const want = Math.min(100, maxEntries - examined);
    const page = await log.read(pk, position, want);
    trips += page.trips;
    for (const sequenced of page.entries) {
      for (const event of expandEntry(sequenced.entry, tenantKey, sequenced.first, options.baseUrl)) {
        if (event.sequence <= position.seq) continue;
        position = { period: sequenced.period, seq: event.sequence };
        if (options.types && !options.types.has(event.type)) continue;
        items.push({ event, position });
        if (items.length >= options.limit) return { items, end: position, atEnd: false, trips };
      }
    }
    examined += page.entries.length;
    position = { period: page.position.period, seq: Math.max(position.seq, page.position.seq) };
    if (page.entries.length < want) return { items, end: position, atEnd: true, trips };
    if (examined >= maxEntries) return { items, end: position, atEnd: false, trips };
  }
}
