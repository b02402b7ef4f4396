// Outside the SCIM base: the OAuth token endpoint (errors per RFC 6749, client authentication inside)
// and the credential-expiry check (the status for anyone; counts and details for a caller with a valid credential).
import { issueToken } from "../auth/token-endpoint";
import { health } from "../auth/health";
import type { Handler } from "./types";

export const oauthToken: Handler = (ctx) => issueToken(ctx.req, ctx.auth);
export const healthCheck: Handler = (ctx) => health(ctx.req, ctx.auth);
