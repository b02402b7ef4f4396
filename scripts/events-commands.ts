// The events CLI: `tail` prints a tenant's change events as the vendor's app would see them, over HTTP from
// a running host's Events API (long-polled GET /events with wait=). Parser, usage and runner:
// command-line.ts. Reads no environment and no file: main gets the defaults (URL, token) and a signal.
import { EVENT_TYPES, type ChangeEvent } from "../shared/scim/events";
import { TENANT as TENANT_KEY } from "../shared/auth/records";
import { type Args, type CommandGroup, CommandLine, type Io, UsageError, flag, text } from "./command-line";

export type { Io } from "./command-line";

/** What the commands work on: where the host is, the token to use when none is given, and when to stop following. */
export interface EventsCli {
  defaultUrl: string;
  /** npm start's development events token (.local/dev-events-token), when there is one. */
  defaultToken?: string;
  /** Aborting it ends `tail --follow` (Ctrl-C) with exit code 0. */
  signal?: AbortSignal;
}

/** Seconds each long poll waits (the API's maximum is 30). */
const WAIT_SECONDS = 20;
const PAGE = 500;

class ApiRefusal extends Error {}

interface Page {
  data: ChangeEvent[];
  cursor: string;
  hasMore: boolean;
}

async function readPage(url: string, token: string, query: URLSearchParams, signal: AbortSignal | undefined): Promise<Page> {
  let res: Response;
  try {
    res = await fetch(`${url}/events?${query.toString()}`, { headers: { Authorization: `Bearer ${token}` }, ...(signal ? { signal } : {}) });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiRefusal(
      `cannot reach ${url} (${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}); is npm start running?`,
    );
  }
  const text = await res.text();
  if (res.ok) return JSON.parse(text) as Page;
  let detail = `${res.status}`;
  try {
    const error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    if (error) detail = `${res.status} ${error.code ?? ""}: ${error.message ?? ""}`;
  } catch {
    // not the API's error body
  }
  const hint = res.status === 401 || res.status === 403 ? " (an events token: npm run credentials -- token create --tenant <t> --scope events)" : "";
  throw new ApiRefusal(`${url}/events answered ${detail}${hint}`);
}

/** One line per event: sequence, time, type, resource id, then the changed names or the member. */
export function describeEvent(e: ChangeEvent): string {
  const what = e.data.member
    ? `${e.type === "group.member_added" ? "+" : "-"} ${e.data.member.value}${e.data.member.type ? ` (${e.data.member.type})` : ""}`
    : e.data.changed
      ? e.data.changed.join(", ")
      : "";
  return `#${e.sequence}  ${e.timestamp}  ${e.type.padEnd(20)}  ${e.data.id}${what ? `  ${what}` : ""}`;
}

function typesOf(a: Args): string | undefined {
  const raw = a.str("types");
  if (raw === undefined) return undefined;
  const names = raw.split(",").map((t) => t.trim());
  const unknown = names.find((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (unknown !== undefined) throw new UsageError(`--types: unknown event type '${unknown}'; the types are ${EVENT_TYPES.join(", ")}.`);
  return names.join(",");
}

const GROUPS: CommandGroup<EventsCli>[] = [
  {
    title: "Change events (from a running host's Events API):",
    commands: {
      tail: {
        options: {
          tenant: text("t"),
          after: text("cursor"),
          types: text("a,b"),
          follow: flag,
          json: flag,
          url: { type: "string", value: "http://host", footnote: true },
          token: { type: "string", value: "token", footnote: true },
        },
        async run(a, io, cx) {
          const tenant = a.str("tenant");
          if (tenant !== undefined && !TENANT_KEY.test(tenant)) throw new UsageError(`--tenant '${tenant}' must be lowercase letters, digits and hyphens.`);
          const types = typesOf(a);
          const url = (a.str("url") ?? cx.defaultUrl).replace(/\/+$/, "");
          const token = a.str("token") ?? cx.defaultToken;
          if (token === undefined)
            throw new UsageError(
              "--token <events token> is required (npm start keeps one in .local/dev-events-token; else npm run credentials -- token create --tenant <t> --scope events).",
            );
          let cursor = a.str("after");
          const follow = a.flag("follow");
          for (;;) {
            const query = new URLSearchParams({ limit: String(PAGE), wait: String(follow ? WAIT_SECONDS : 0) });
            if (cursor !== undefined) query.set("after", cursor);
            if (types !== undefined) query.set("types", types);
            let page: Page;
            try {
              page = await readPage(url, token, query, cx.signal);
            } catch (e) {
              if (cx.signal?.aborted) return 0;
              if (e instanceof ApiRefusal) {
                io.err(`error: ${e.message}`);
                return 1;
              }
              throw e;
            }
            for (const event of page.data) {
              if (tenant !== undefined && event.tenant !== tenant) {
                io.err(`error: the token is tenant '${event.tenant}''s, not '${tenant}''s.`);
                return 1;
              }
              io.out(a.flag("json") ? JSON.stringify(event) : describeEvent(event));
            }
            cursor = page.cursor;
            if (!page.hasMore && !follow) {
              if (!a.flag("json")) io.err(`Cursor: ${cursor}  (continue with --after ${cursor})`);
              return 0;
            }
            if (cx.signal?.aborted) return 0;
          }
        },
      },
    },
  },
];

const CLI = new CommandLine<EventsCli>({
  name: "npm run events --",
  groups: GROUPS,
  footer: (cx) => notes(cx),
  commandFooter: (cx) => notes(cx),
});

function notes(cx: EventsCli): string[] {
  return [
    `--url http://host: the host's root (default ${cx.defaultUrl}); --token: an events token (default: npm start's .local/dev-events-token${cx.defaultToken ? "" : ", not there now"}).`,
    "--after: a cursor printed before (or an event page's cursor); without it, from the oldest retained event. --types: event types, comma-separated.",
    "--follow: keep waiting for new events (long polls) until Ctrl-C. --json: one event object per line (NDJSON), as the API returns them.",
    "--tenant: refuse if the token's events are another tenant's. Exit codes: 0 done, 1 refused or unreachable, 2 usage error.",
  ];
}

/** The whole usage, or one command's. */
export const usage = (cx: EventsCli, command?: string): string => CLI.usage(cx, command);

/** Runs one command line; returns the process exit code. */
export const main = (argv: string[], io: Io, cx: EventsCli): Promise<number> => CLI.main(argv, io, cx);
