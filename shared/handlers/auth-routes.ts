// Outside the SCIM base: the OAuth token endpoint (errors per RFC 6749, client authentication inside)
// and the credential-expiry check (the status for anyone; counts and details for a caller with a valid
// credential; event delivery for an admin token).
import { issueToken } from "../auth/token-endpoint";
import { health } from "../auth/health";
import type { Handler, HandlerContext } from "./types";

export const oauthToken: Handler = (ctx) => issueToken(ctx.req, ctx.auth);
export const healthCheck: Handler = (ctx) => health(ctx.req, ctx.auth, (principal) => deliverySummary(ctx, principal.tenant, principal.scope));

/** An admin token's tenant: its outbox not yet sequenced, and per destination the backlog and dead letters. */
async function deliverySummary(ctx: HandlerContext, tenant: string, scope: string): Promise<Record<string, unknown>> {
  if (scope !== "admin" || !ctx.operator) return {};
  const d = await ctx.operator.delivery(tenant);
  return {
    delivery: {
      unsequenced: d.unsequenced,
      ...(d.oldestUnsequenced ? { oldestUnsequenced: d.oldestUnsequenced } : {}),
      backlog: d.destinations.reduce((n, x) => n + x.backlog, 0),
      deadLetters: d.destinations.reduce((n, x) => n + x.deadLetters, 0),
      destinations: d.destinations.map((x) => ({
        deliverer: x.deliverer,
        id: x.id,
        label: x.label,
        state: x.state,
        backlog: x.backlog,
        ...(x.oldestUndelivered ? { oldestUndelivered: x.oldestUndelivered } : {}),
        deadLetters: x.deadLetters,
      })),
    },
  };
}
