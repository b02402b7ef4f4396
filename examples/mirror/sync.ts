// Keeping a mirror in step with the directory: bootstrap from the snapshot, then follow the Events API
// (long-polled) and, optionally, take webhooks too. Every change goes through applyEvent, one at a time,
// and the mirror is saved together with its cursor after each page is applied, never before: a crash
// between applying and saving only means the page is read and applied again, which changes nothing.
import { promises as fs } from "node:fs";
import path from "node:path";
import { type ChangeEvent, type Mirror, applyEvent, applySnapshotItem, emptyMirror } from "./mirror";
import { ApiFailure, type EventsApi, readEvents, readSnapshot } from "./events-client";

/** Where the mirror and its cursor are kept between runs. */
export interface MirrorStore {
  load(): Promise<Mirror | undefined>;
  save(mirror: Mirror): Promise<void>;
}

/** A JSON file, replaced whole (write to a temporary file, then rename), so a crash never leaves half of one. */
export function jsonFileStore(file: string): MirrorStore {
  return {
    load: async () => {
      try {
        return JSON.parse(await fs.readFile(file, "utf8")) as Mirror;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
    },
    save: async (mirror) => {
      await fs.mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      await fs.writeFile(temporary, JSON.stringify(mirror));
      await fs.rename(temporary, file);
    },
  };
}

/** Kept in memory only (tests, or a consumer that bootstraps on every start). */
export function memoryStore(): MirrorStore & { saved?: Mirror } {
  const store: MirrorStore & { saved?: Mirror } = {
    load: async () => store.saved,
    save: async (mirror) => {
      store.saved = mirror;
    },
  };
  return store;
}

/** The whole directory from GET /events/snapshot, with the cursor to follow it from. */
export async function bootstrap(api: EventsApi, pageSize = 500): Promise<Mirror> {
  const snapshot = await readSnapshot(api, pageSize);
  let mirror = emptyMirror();
  for (const item of snapshot.items) mirror = applySnapshotItem(mirror, item, snapshot.sequence);
  return { ...mirror, cursor: snapshot.cursor };
}

export interface FollowOptions {
  /** Seconds each GET /events may wait for events (the API allows up to 30). */
  waitSeconds?: number;
  limit?: number;
  /** Stops following (the current long poll is aborted). */
  signal?: AbortSignal;
  /** Told about every event applied and every retried failure (for logging). */
  onEvent?: (event: ChangeEvent) => void;
  onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Applies events one at a time, in the order they are handed in, whichever channel they come from (the
 * API follower and the webhook receiver share one Sync), and saves after each batch.
 */
export class Sync {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private current: Mirror,
    private readonly store: MirrorStore,
  ) {}

  /** The saved mirror, or a fresh one from the snapshot (saved at once, so a restart continues from it). */
  static async open(api: EventsApi, store: MirrorStore, pageSize?: number): Promise<Sync> {
    let mirror = await store.load();
    if (!mirror?.cursor) {
      mirror = await bootstrap(api, pageSize);
      await store.save(mirror);
    }
    return new Sync(mirror, store);
  }

  get mirror(): Mirror {
    return this.current;
  }

  /** Applies events (and moves the cursor, when given) and saves, after every earlier batch. */
  apply(events: readonly ChangeEvent[], cursor?: string): Promise<void> {
    const run = this.queue.then(async () => {
      let mirror = this.current;
      for (const event of events) mirror = applyEvent(mirror, event);
      if (cursor !== undefined) mirror = { ...mirror, cursor };
      await this.store.save(mirror);
      this.current = mirror;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Replaces the mirror by a fresh snapshot (the cursor expired: the events it needed are gone). */
  private rebuild(api: EventsApi): Promise<void> {
    const run = this.queue.then(async () => {
      const mirror = await bootstrap(api);
      await this.store.save(mirror);
      this.current = mirror;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Follows GET /events from the mirror's cursor until the signal aborts (or `until` says stop). */
  async follow(api: EventsApi, options: FollowOptions = {}, until?: (page: { hasMore: boolean }) => boolean): Promise<void> {
    let failures = 0;
    while (!options.signal?.aborted) {
      try {
        const cursor = this.current.cursor ?? "";
        const page = await readEvents(api, cursor, {
          limit: options.limit ?? 500,
          waitSeconds: options.waitSeconds ?? 20,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        await this.apply(page.data, page.cursor);
        for (const event of page.data) options.onEvent?.(event);
        failures = 0;
        if (until?.(page)) return;
      } catch (e) {
        if (options.signal?.aborted) return;
        if (e instanceof ApiFailure && e.status === 410) {
          await this.rebuild(api);
          continue;
        }
        if (e instanceof ApiFailure && !e.retryable) throw e; // 400/401/403: a bug or a revoked token, not worth retrying
        failures++;
        options.onRetry?.(e, failures);
        await delay(Math.min(30_000, 250 * 2 ** Math.min(failures, 7)), options.signal);
      }
    }
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
