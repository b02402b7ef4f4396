// The operator CLI: a tenant's activity log (npm run activity -- --tenant t …), read from storage through
// the store as the admin API reads it, and the short-lived status-page link for a customer's admin
// (npm run admin -- link --tenant t). Parser, usage and runner: command-line.ts. Reads no environment.
import { TENANT as TENANT_KEY } from "../shared/auth/records";
import { MAX_TICKET_MINUTES, issueTicket } from "../shared/auth/status-ticket";
import { STATUS_FILTER, parseMoment, searchActivity } from "../shared/activity/query";
import type { ActivityEntry } from "../shared/store";
import type { Service } from "../shared/root";
import { type Args, type CommandGroup, CommandLine, type Io, UsageError, flag, text } from "./command-line";

export type { Io } from "./command-line";
/** What the commands work on. */
export type Operator = Pick<Service, "config" | "store" | "userHasher" | "stampKeys"> & {
  /** Where npm start serves, for links when no public base URL is set (PORT, as npm start reads it). */
  localBaseUrl?: string;
};

function tenantOf(a: Args): string {
  const tenant = a.need("tenant");
  if (!TENANT_KEY.test(tenant)) throw new UsageError(`--tenant '${tenant}' must be lowercase letters, digits and hyphens.`);
  return tenant;
}

function momentOf(a: Args, name: string, fallback: number): number {
  const raw = a.str(name);
  if (raw === undefined) return fallback;
  const ms = parseMoment(raw);
  if (ms === undefined) throw new UsageError(`--${name} is a date-time (2026-06-01T12:00:00Z) or a duration back from now (90m, 24h, 7d), got '${raw}'.`);
  return ms;
}

/** One entry per line: time, status or event, route, resource, reason, request id. Names and ids only. */
function line(e: ActivityEntry): string {
  const what = e.kind === "write" ? `${e.event ?? "write"}${e.members !== undefined ? ` ×${e.members}` : ""}` : `${e.status ?? ""} ${e.route ?? ""}`;
  const resource = e.resourceId ? ` ${e.resourceType ?? ""}/${e.resourceId}` : "";
  const detail = e.reason ? ` — ${e.reason}` : e.attributes?.length ? ` (${e.attributes.join(", ")})` : "";
  return `${e.at}  ${what}${resource}${detail}${e.requestId ? `  [${e.requestId}]` : ""}`;
}

const GROUPS: CommandGroup<Operator>[] = [
  {
    title: "A tenant's activity: writes (from their events) and refused or failed requests, newest first.",
    commands: {
      activity: {
        options: {
          tenant: text("t", true),
          since: text("when"),
          until: text("when"),
          status: text("2xx|4xx|5xx|code"),
          user: text("userName"),
          limit: { type: "string", value: "n", whole: { min: 1, max: 10_000, unit: "entries" } },
          json: flag,
        },
        async run(a, io, cx) {
          const tenant = tenantOf(a);
          const status = a.str("status");
          if (status !== undefined && !STATUS_FILTER.test(status)) throw new UsageError(`--status is 2xx, 4xx, 5xx or a status code, got '${status}'.`);
          const now = Date.now();
          const user = a.str("user");
          const page = await searchActivity(cx.store.activity, cx.userHasher, tenant, {
            since: momentOf(a, "since", now - 86_400_000),
            until: momentOf(a, "until", now + 60_000),
            limit: a.int("limit") ?? 200,
            ...(status ? { status } : {}),
            ...(user ? { user } : {}),
          });
          if (a.flag("json")) io.out(JSON.stringify(page.entries, null, 2));
          else {
            for (const e of page.entries) io.out(line(e));
            io.out(`${page.entries.length} entries${page.next ? " (more: narrow --since or raise --limit)" : ""}.`);
          }
          return 0;
        },
      },
    },
  },
  {
    title: "A status-page link for the tenant's admin: signed, bound to the tenant, valid for the minutes given (≤ 24 h).",
    commands: {
      link: {
        options: {
          tenant: text("t", true),
          minutes: { type: "string", value: "n", whole: { min: 1, max: MAX_TICKET_MINUTES, unit: "minutes" } },
          "base-url": text("https://host"),
        },
        async run(a, io, cx) {
          const tenant = tenantOf(a);
          const base = (a.str("base-url") ?? cx.config.publicBaseUrl ?? cx.localBaseUrl ?? "http://127.0.0.1:7071").replace(/\/+$/, "");
          if (!/^https?:\/\/[^/?#]+$/.test(base)) throw new UsageError(`--base-url is scheme and host, e.g. https://scim.contoso.com, got '${base}'.`);
          const { ticket, expiresAt } = await issueTicket(cx.stampKeys, tenant, a.int("minutes") ?? 60);
          io.out(`${base}/operator?ticket=${ticket}`);
          io.err(`Valid until ${new Date(expiresAt).toISOString()} for tenant ${tenant}; anyone with the link sees the tenant's status page until then.`);
          return 0;
        },
      },
    },
  },
];

const CLI = new CommandLine<Operator>({
  name: "npm run admin --",
  groups: GROUPS,
  footer: () => [
    "`npm run activity -- <options>` is `npm run admin -- activity <options>`. --since/--until: a date-time or 90m, 24h, 7d (default: the last 24 h).",
    "Every command takes -h/--help. Exit codes: 0 done, 1 refused, 2 usage error.",
  ],
  commandFooter: () => [],
});

export const main = (argv: string[], io: Io, cx: Operator): Promise<number> => CLI.main(argv, io, cx);
