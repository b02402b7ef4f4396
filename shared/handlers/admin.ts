// The operator's routes (docs/operations.md): the activity log (an admin token), the status page and its
// JSON twin, and the replay of a destination's dead letters (an admin token or a status-page ticket). The
// credential alone names the tenant.
import { isActivityCursor } from "../store";
import { STATUS_FILTER, parseMoment, searchActivity } from "../activity/query";
import { STATUS_COOKIE } from "../auth/status-ticket";
import { ApiError } from "./api-error";
import { statusFacts } from "./status";
import { renderStatusPage } from "./status-page";
import type { Handler, HandlerContext, OperatorAccess } from "./types";

const JSON_TYPE = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" };
const HTML_TYPE = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
};
const MAX_LIMIT = 1000;
const DAY_MS = 86_400_000;

function operatorOf(ctx: HandlerContext): { tenant: string; op: OperatorAccess } {
  const tenant = ctx.tenant?.key;
  if (!tenant) throw new ApiError(401, "unauthorized", "An admin token is required.");
  if (!ctx.operator) throw new ApiError(503, "unavailable", "The admin API is not configured on this host.");
  return { tenant, op: ctx.operator };
}

function moment(ctx: HandlerContext, name: string, fallback: number): number {
  const raw = ctx.req.url.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  const ms = parseMoment(raw);
  if (ms === undefined)
    throw ApiError.badRequest(`invalid_${name}`, `${name} is a date-time (2026-06-01T12:00:00Z) or a duration back from now (90m, 24h, 7d).`);
  return ms;
}

/** GET /operator/activity?since=&until=&status=&user=&limit=&after= — the tenant's activity, newest first. */
export const listActivity: Handler = async (ctx) => {
  const { tenant, op } = operatorOf(ctx);
  const q = ctx.req.url.searchParams;
  const now = Date.now();
  const since = moment(ctx, "since", now - DAY_MS);
  const until = moment(ctx, "until", now + 60_000);
  const status = q.get("status") || undefined;
  if (status !== undefined && !STATUS_FILTER.test(status)) throw ApiError.badRequest("invalid_status", "status is 2xx, 4xx, 5xx or a status code such as 409.");
  const limitText = q.get("limit") || "100";
  if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_LIMIT)
    throw ApiError.badRequest("invalid_limit", `limit must be a whole number from 1 to ${MAX_LIMIT}.`);
  const after = q.get("after") || undefined;
  if (after !== undefined && !isActivityCursor(after)) throw ApiError.badRequest("invalid_cursor", "after is not a cursor this API returned.");
  const user = q.get("user") || undefined;
  await op.flush();
  const page = await searchActivity(op.activity, { hash: (u) => op.hashUserName(u) }, tenant, {
    since,
    until,
    limit: Number(limitText),
    ...(status ? { status } : {}),
    ...(user ? { user } : {}),
    ...(after ? { after } : {}),
  });
  return { status: 200, headers: JSON_TYPE, body: { data: page.entries, ...(page.next ? { next: page.next } : {}), scanned: page.scanned } };
};

/** GET /operator/status.json — the status page's facts, for monitoring. */
export const statusJson: Handler = async (ctx) => {
  const { tenant, op } = operatorOf(ctx);
  return { status: 200, headers: JSON_TYPE, body: await statusFacts(tenant, op, ctx.auth, ctx.baseUrl) };
};

/**
 * GET /operator — the status page. Opened from a ticket link, it sets the ticket as an HttpOnly,
 * SameSite=Strict cookie for /operator (so the replay form and reloads need no ticket in the URL).
 */
export const statusPage: Handler = async (ctx) => {
  const { tenant, op } = operatorOf(ctx);
  const headers: Record<string, string> = { ...HTML_TYPE };
  const ticket = ctx.req.url.searchParams.get("ticket");
  if (ticket) {
    const check = await op.checkTicket(ticket);
    if (check.ok) {
      const secure = ctx.req.url.protocol === "https:" || ctx.baseUrl.startsWith("https:") ? "; Secure" : "";
      const maxAge = Math.max(0, Math.floor((check.expiresAt - Date.now()) / 1000));
      headers["Set-Cookie"] = `${STATUS_COOKIE}=${ticket}; Max-Age=${maxAge}; Path=/operator; HttpOnly; SameSite=Strict${secure}`;
    }
  }
  const replayed = ctx.req.url.searchParams.get("replayed");
  const notice =
    replayed !== null && /^\d{1,9}$/.test(replayed)
      ? `Replay requested: ${replayed} dead letter${replayed === "1" ? "" : "s"} queued for delivery again.`
      : undefined;
  return { status: 200, headers, text: renderStatusPage(await statusFacts(tenant, op, ctx.auth, ctx.baseUrl), notice) };
};

/** POST /operator/replay (form: deliverer, destination) — asks the deliverer to send the destination's dead letters again; back to the page. */
export const replay: Handler = async (ctx) => {
  const { tenant, op } = operatorOf(ctx);
  // A form from another site cannot post here: SameSite=Strict keeps the cookie back, and an Origin that is not ours is refused.
  const origin = ctx.req.header("origin");
  if (origin !== null && origin !== ctx.req.url.origin && origin !== new URL(ctx.baseUrl).origin)
    throw new ApiError(403, "forbidden", "The replay form must be sent from the status page.");
  const form = new URLSearchParams(ctx.req.body ?? "");
  const deliverer = form.get("deliverer") ?? "";
  const destination = form.get("destination") ?? "";
  if (!/^[A-Za-z0-9._:-]{1,200}$/.test(deliverer) || !/^[A-Za-z0-9._:-]{1,200}$/.test(destination))
    throw ApiError.badRequest("invalid_destination", "deliverer and destination name a destination of the status page.");
  const result = await op.replay(tenant, deliverer, destination);
  if (!result) throw new ApiError(404, "not_found", "That destination has no replay.");
  return { status: 303, headers: { Location: `/operator?replayed=${result.replayed}`, "Cache-Control": "no-store" } };
};
