// What the two background triggers do, host-neutral: the queue trigger's nudge (functions/index.ts on
// Azure; tests call the same function with the message the queue holds) and the sweeper (the timer
// trigger on Azure, an interval in npm start). The hosts only translate their trigger into these calls.
import type { DispatchLog, DispatchResult, Dispatcher } from "./dispatcher";
import { decodeNudge } from "./queue";

export interface EventJobs {
  /**
   * A queue message: runs the dispatch of the tenant it names. Throws when the tenant's outbox could not
   * be sequenced, so the Functions host makes the message visible again and retries it (after
   * maxDequeueCount attempts it moves it to `<queue>-poison`; the sweeper dispatches that tenant anyway).
   * A message that is not a nudge is logged and dropped: no retry could make it one.
   */
  onNudge(message: unknown): Promise<DispatchResult | undefined>;
  /** Every tenant that has credentials (each once), then the expired days of history dropped. */
  sweep(): Promise<DispatchResult[]>;
}

export function eventJobs(dispatcher: Dispatcher, tenants: () => Promise<readonly string[]>, log: DispatchLog): EventJobs {
  return {
    async onNudge(message) {
      const tenant = decodeNudge(message);
      if (!tenant) {
        log.error(JSON.stringify({ event: "events.nudge-malformed" }));
        return undefined;
      }
      const result = await dispatcher.run(tenant);
      if (result.failed.includes("sequencer")) throw new Error(`the outbox of tenant '${tenant}' could not be sequenced; the message is retried`);
      return result;
    },
    async sweep() {
      const keys = [...new Set(await tenants())].sort();
      return dispatcher.sweep(keys);
    },
  };
}

/** npm start's sweeper: every `seconds`, one sweep at a time; `stop()` waits for the one under way. */
export function startSweeper(jobs: EventJobs, seconds: number, log: DispatchLog): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = jobs
      .sweep()
      .catch((e: unknown) => log.error(JSON.stringify({ event: "events.sweep-failed", reason: e instanceof Error ? e.message : String(e) })))
      .finally(() => (running = undefined));
  }, seconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
