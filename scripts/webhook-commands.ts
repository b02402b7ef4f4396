// The webhook CLI: a tenant's endpoints — register (the signing secret printed once), list, show (state,
// backlog, last error), rotate the secret, disable / enable / remove, replay (an event, a time range, the
// dead letters), list dead letters, send a signed test ping. Parser, usage and runner: command-line.ts.
// Reads no environment: main gets the service (its webhook registry: store, secret store, dispatcher).
import { TENANT as TENANT_KEY } from "../shared/auth/records";
import { EVENT_TYPES } from "../shared/scim/events";
import { labelOf } from "../shared/events/webhooks/addresses";
import { NotFound, ROTATION_HOURS, type Replay } from "../shared/events/webhooks/registry";
import type { WebhookEndpoint } from "../shared/store";
import type { Service } from "../shared/root";
import { type Args, type CommandGroup, CommandLine, type Io, UsageError, flag, text } from "./command-line";

export type { Io } from "./command-line";
/** What the commands work on. */
export type WebhookCli = Pick<Service, "config" | "webhooks">;

const JSON_OUT = { json: flag };
const ID = "endpoint-id";

const stateOf = (e: WebhookEndpoint) => (!e.enabled ? "disabled" : e.pausedSince ? "paused" : "active");
const publicView = (e: WebhookEndpoint) => {
  const { etag: _etag, ...rest } = e;
  return { ...rest, state: stateOf(e) };
};

function tenantOf(a: Args): string {
  const tenant = a.need("tenant");
  if (!TENANT_KEY.test(tenant)) throw new UsageError(`--tenant '${tenant}' must be lowercase letters, digits and hyphens.`);
  return tenant;
}

function instant(option: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms))
    throw new UsageError(`--${option} is an ISO 8601 time (e.g. 2026-05-01T12:00:00Z), got '${value}'.`);
  return new Date(ms);
}

/** Runs a command that names an endpoint; NotFound exits 1 with its message. */
async function withEndpoint(io: Io, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof NotFound) {
      io.err(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

const GROUPS: CommandGroup<WebhookCli>[] = [
  {
    title: "Endpoints (https only; --allow-private-network permits http and private addresses, e.g. a receiver in your network):",
    commands: {
      add: {
        options: { tenant: text("t", true), url: text("https://…", true), types: text("type,…"), "allow-private-network": flag, ...JSON_OUT },
        async run(a, io, cx) {
          const types = a
            .str("types")
            ?.split(",")
            .map((t) => t.trim())
            .filter(Boolean);
          let created;
          try {
            created = await cx.webhooks.add({
              tenant: tenantOf(a),
              url: a.need("url"),
              ...(types ? { types } : {}),
              allowPrivateNetwork: a.flag("allow-private-network"),
            });
          } catch (e) {
            if (e instanceof UsageError) throw e;
            throw new UsageError((e as Error).message);
          }
          const { endpoint, secret } = created;
          if (a.flag("json")) {
            io.out(JSON.stringify({ ...publicView(endpoint), secret }));
            return 0;
          }
          io.out(`Registered webhook endpoint ${endpoint.id} for tenant ${endpoint.tenant}: ${labelOf(endpoint.url)}`);
          io.out(`  Events:         ${endpoint.types?.join(", ") ?? "every type"} (from now on)`);
          io.out(`  Signing secret: ${secret}   (shown once; verify webhook-signature with it, see docs/webhooks.md)`);
          io.out(`  Secret store:   ${cx.webhooks.secretStore}`);
          return 0;
        },
      },
      list: {
        options: { tenant: text("t"), ...JSON_OUT },
        async run(a, io, cx) {
          const tenant = a.str("tenant");
          const all = await cx.webhooks.list(tenant);
          if (a.flag("json")) io.out(JSON.stringify(all.map(publicView)));
          else if (all.length === 0) io.out(tenant ? `No webhook endpoints for tenant ${tenant}.` : "No webhook endpoints.");
          else for (const e of all) io.out(`${e.id}  tenant=${e.tenant}  ${stateOf(e)}  ${labelOf(e.url)}  types=${e.types?.join(",") ?? "all"}`);
          return 0;
        },
      },
      show: {
        arg: ID,
        options: { ...JSON_OUT },
        run: (a, io, cx) =>
          withEndpoint(io, async () => {
            const d = await cx.webhooks.show(a.arg);
            if (a.flag("json")) {
              io.out(JSON.stringify({ ...publicView(d.endpoint), status: d.status, secrets: d.secrets, retries: d.retries }));
              return 0;
            }
            const e = d.endpoint;
            const s = d.status;
            io.out(`${e.id}  tenant=${e.tenant}  ${stateOf(e)}${e.disabledReason ? ` (${e.disabledReason})` : ""}`);
            io.out(`  URL:            ${labelOf(e.url)}${e.allowPrivateNetwork ? "  (private networks allowed)" : ""}`);
            io.out(`  Events:         ${e.types?.join(", ") ?? "every type"}`);
            io.out(
              `  Backlog:        ${s?.backlog ?? 0}${s?.oldestUndelivered ? `, oldest undelivered ${s.oldestUndelivered}` : ""}; ${d.retries.length} retrying`,
            );
            io.out(`  Dead letters:   ${s?.deadLetters ?? 0}`);
            io.out(`  Last success:   ${e.lastSuccessAt ?? "never"}`);
            io.out(`  Last failure:   ${e.lastFailureAt ? `${e.lastFailureAt}: ${e.lastFailure ?? ""}` : "none"}`);
            if (e.pausedSince) io.out(`  Paused since:   ${e.pausedSince}, next probe ${e.probeAt ?? "soon"}`);
            io.out(
              `  Secrets:        ${d.secrets.map((x) => (x.expiresAt ? `previous (until ${x.expiresAt})` : `current (since ${x.createdAt})`)).join(", ") || "none"}`,
            );
            return 0;
          }),
      },
      "rotate-secret": {
        arg: ID,
        options: { finish: flag, ...JSON_OUT },
        run: (a, io, cx) =>
          withEndpoint(io, async () => {
            const r = await cx.webhooks.rotateSecret(a.arg, a.flag("finish"));
            if (a.flag("json")) io.out(JSON.stringify(r));
            else if (a.flag("finish")) io.out(`Rotation finished: only the newest secret of ${a.arg} signs (within 30 s on every instance).`);
            else {
              io.out(`New signing secret for ${a.arg}: ${r.secret ?? ""}   (shown once)`);
              if (r.previousUntil)
                io.out(
                  `Both secrets sign (two signatures) until ${r.previousUntil} (${ROTATION_HOURS} h). Switch your receiver, then: npm run webhooks -- rotate-secret ${a.arg} --finish`,
                );
            }
            return 0;
          }),
      },
      disable: {
        arg: ID,
        options: {},
        run: (a, io, cx) =>
          withEndpoint(io, async () => {
            await cx.webhooks.setEnabled(a.arg, false);
            io.out(`Disabled ${a.arg}: nothing is sent to it; events wait at its cursor (kept for ${cx.config.eventRetentionDays} days).`);
            return 0;
          }),
      },
      enable: {
        arg: ID,
        options: {},
        run: (a, io, cx) =>
          withEndpoint(io, async () => {
            await cx.webhooks.setEnabled(a.arg, true);
            io.out(`Enabled ${a.arg}: delivery resumes from its cursor, its retries due now.`);
            return 0;
          }),
      },
      remove: {
        arg: ID,
        options: {},
        async run(a, io, cx) {
          const done = await cx.webhooks.remove(a.arg);
          if (done) io.out(`Removed ${a.arg}, its retries, dead letters and signing secrets.`);
          else io.err(`No webhook endpoint ${a.arg}.`);
          return done ? 0 : 1;
        },
      },
    },
  },
  {
    title: "Delivery (replays carry the same webhook-id as the first delivery):",
    commands: {
      replay: {
        arg: ID,
        options: { event: text("evt_…"), since: text("iso"), until: text("iso"), "dead-letters": flag, ...JSON_OUT },
        run: (a, io, cx) =>
          withEndpoint(io, async () => {
            const event = a.str("event");
            const since = instant("since", a.str("since"));
            const until = instant("until", a.str("until"));
            const dead = a.flag("dead-letters");
            if ([event !== undefined, since !== undefined, dead].filter(Boolean).length !== 1)
              throw new UsageError("replay takes one of --event <evt_…>, --since <iso> [--until <iso>], --dead-letters.");
            if (until && !since) throw new UsageError("--until needs --since.");
            if (since && until && until < since) throw new UsageError("--until is before --since.");
            const what: Replay = event !== undefined ? { event } : since ? { since, ...(until ? { until } : {}) } : { deadLetters: true };
            const count = await cx.webhooks.replay(a.arg, what);
            if (a.flag("json")) io.out(JSON.stringify({ queued: count }));
            else io.out(`Queued ${count} event${count === 1 ? "" : "s"} for ${a.arg}; see npm run webhooks -- show ${a.arg}`);
            return 0;
          }),
      },
      "dead-letters": {
        arg: ID,
        options: { ...JSON_OUT },
        run: (a, io, cx) =>
          withEndpoint(io, async () => {
            const dead = await cx.webhooks.deadLetters(a.arg);
            if (a.flag("json")) io.out(JSON.stringify(dead));
            else if (dead.length === 0) io.out(`No dead letters for ${a.arg}.`);
            else
              for (const d of dead) io.out(`${d.eventId}  seq=${d.seq}  at=${d.timestamp}  attempts=${d.attempts}  dead since ${d.at}: ${d.lastError ?? ""}`);
            return 0;
          }),
      },
      test: {
        arg: ID,
        options: { ...JSON_OUT },
        run: (a, io, cx) =>
          withEndpoint(io, async () => {
            const r = await cx.webhooks.test(a.arg);
            if (a.flag("json")) io.out(JSON.stringify(r));
            else io.out(`${r.outcome === "delivered" ? "Delivered" : "Not delivered"}: signed ping ${r.id} → ${r.reason} in ${r.ms} ms.`);
            return r.outcome === "delivered" ? 0 : 1;
          }),
      },
    },
  },
];

const CLI = new CommandLine<WebhookCli>({
  name: "npm run webhooks --",
  groups: GROUPS,
  footer: (cx) => [`Event types: ${EVENT_TYPES.join(", ")}.`, "Every command takes -h/--help.", `Signing secrets: ${cx.webhooks.secretStore}.`],
  commandFooter: (cx) => [`Signing secrets: ${cx.webhooks.secretStore}.`],
});

export const usage = (cx: WebhookCli, command?: string): string => CLI.usage(cx, command);

/** Runs one command line; returns the process exit code (0 ok, 1 not found / not delivered, 2 usage). */
export const main = (argv: string[], io: Io, cx: WebhookCli): Promise<number> => CLI.main(argv, io, cx);
