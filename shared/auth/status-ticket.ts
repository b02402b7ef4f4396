// Status-page tickets: the short-lived link `npm run admin -- link` prints for a customer's admin.
// `st1.<tenant>.<expiry, Unix s>.<HMAC-SHA256>` under the stamp's "status-ticket" key (its own HKDF
// purpose, so no other value of ours verifies as a ticket and a ticket verifies as nothing else). Bound to
// one tenant; at most 24 h; accepted only by the status page's routes. Not revocable before expiry:
// rotate the stamp key (delete the secret) to void every ticket at once.
import { createHmac, timingSafeEqual } from "node:crypto";
import { TENANT } from "./records";
import type { StampKeys } from "./stamp-key";

export const MAX_TICKET_MINUTES = 24 * 60;
/** The cookie the status page sets from a ticket link (HttpOnly, SameSite=Strict, Path=/operator). */
export const STATUS_COOKIE = "scim_status";
const PREFIX = "st1";

export type TicketCheck = { ok: true; tenant: string; expiresAt: number } | { ok: false; reason: "malformed" | "forged" | "expired" };

const mac = (key: Buffer, tenant: string, exp: number) => createHmac("sha256", key).update(`${PREFIX}|status|${tenant}|${exp}`).digest("base64url");

export async function issueTicket(keys: StampKeys, tenant: string, minutes: number, now = Date.now()): Promise<{ ticket: string; expiresAt: number }> {
  if (!TENANT.test(tenant)) throw new Error(`'${tenant}' is not a tenant key.`);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_TICKET_MINUTES) throw new Error(`A ticket lasts 1 to ${MAX_TICKET_MINUTES} minutes.`);
  const exp = Math.floor(now / 1000) + minutes * 60;
  return { ticket: `${PREFIX}.${tenant}.${exp}.${mac(await keys.key("status-ticket"), tenant, exp)}`, expiresAt: exp * 1000 };
}

export async function checkTicket(keys: StampKeys, ticket: string, now = Date.now()): Promise<TicketCheck> {
  const m = /^st1\.([a-z0-9][a-z0-9-]{0,62})\.(\d{10})\.([A-Za-z0-9_-]{43})$/.exec(ticket);
  if (!m) return { ok: false, reason: "malformed" };
  const tenant = m[1] ?? "";
  const exp = Number(m[2]);
  const expected = Buffer.from(mac(await keys.key("status-ticket"), tenant, exp));
  const given = Buffer.from(m[3] ?? "");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "forged" };
  // A valid signature with a lifetime beyond the maximum was not made by issueTicket: refused as forged.
  if (exp * 1000 - now > (MAX_TICKET_MINUTES + 5) * 60_000) return { ok: false, reason: "forged" };
  if (exp * 1000 <= now) return { ok: false, reason: "expired" };
  return { ok: true, tenant, expiresAt: exp * 1000 };
}
