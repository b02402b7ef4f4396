// The credential CLI's commands: each parses its flags, calls shared/auth/lifecycle and prints what to
// paste into Entra. Secrets are printed once, or written to a Key Vault hand-over secret instead.
import { Config } from "../shared/config";
import { credentialStore, CredentialStore } from "../shared/auth/credentials";
import {
  addClientSecret, createClient, createStaticToken, disableEntraToken, enableEntraToken, removeFederation, rotateStaticToken,
  setFederation,
} from "../shared/auth/lifecycle";
import { CredentialKind, CredentialRecord, EXPIRY_WARNING_DAYS, isActive } from "../shared/auth/records";
import { expiringCredentials } from "../shared/auth/health";
import { rotateSigningKey, signingKeyStore } from "../shared/auth/signing-keys";
import type { Flags } from "./credentials";

export interface Io { out(line: string): void; err(line: string): void }
export type Command = (f: Flags, io: Io, cfg: Config) => Promise<number>;
export class UsageError extends Error {}

const str = (f: Flags, name: string) => (typeof f.named[name] === "string" ? (f.named[name] as string) : undefined);
function need(f: Flags, name: string): string {
  const v = str(f, name);
  if (v === undefined) throw new UsageError(`--${name} <value> is required.`);
  return v;
}
function int(f: Flags, name: string): number | undefined {
  const v = str(f, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number of days.`);
  return Number(v);
}
function arg(f: Flags, what: string): string {
  if (!f.positional[0]) throw new UsageError(`<${what}> is required.`);
  return f.positional[0];
}

function urls(f: Flags, cfg: Config) {
  const base = (str(f, "base-url") ?? cfg.publicBaseUrl ?? "https://<function-app-host>").replace(/\/+$/, "");
  return { tenantUrl: `${base}/scim/v2`, tokenEndpoint: `${base}/oauth2/token` };
}

/** Hands a shown-once value over: into a Key Vault secret with --handover-secret, else the caller prints it. */
async function handOver(store: CredentialStore, f: Flags, value: string): Promise<string | undefined> {
  const name = str(f, "handover-secret");
  if (name === undefined) return undefined;
  if (!store.putHandover) throw new UsageError("--handover-secret needs the Key Vault store (set SCIM_KEY_VAULT_URI).");
  await store.putHandover(name, value);
  return name;
}

const status = (r: { revokedAt?: string; expiresAt?: string }) => (r.revokedAt ? "revoked" : isActive(r) ? "active" : "expired");
const publicView = (r: CredentialRecord) => ({ ...r, ...("hash" in r ? { hash: undefined } : {}), status: status(r) });

async function printToken(f: Flags, io: Io, cfg: Config, store: CredentialStore, created: { token: string; record: CredentialRecord }) {
  const handover = await handOver(store, f, created.token);
  const { tenantUrl } = urls(f, cfg);
  if (f.named.json) { io.out(JSON.stringify({ ...publicView(created.record), tenantUrl, ...(handover ? { handoverSecret: handover } : { token: created.token }) })); return 0; }
  io.out(`Created static token ${created.record.id} for tenant ${created.record.tenant} in ${store.description}.`);
  io.out(`Paste into Entra (Provisioning → Admin Credentials):`);
  io.out(`  Tenant URL:   ${tenantUrl}`);
  io.out(handover ? `  Secret Token: written to Key Vault secret '${handover}' (not printed)` : `  Secret Token: ${created.token}   (shown once)`);
  if (created.record.expiresAt) io.out(`  Expires:      ${created.record.expiresAt}`);
  return 0;
}

async function printSecret(f: Flags, io: Io, cfg: Config, store: CredentialStore, clientId: string, secret: string, record: CredentialRecord) {
  const handover = await handOver(store, f, secret);
  const { tenantUrl, tokenEndpoint } = urls(f, cfg);
  if (f.named.json) { io.out(JSON.stringify({ clientId, secretId: record.id, expiresAt: record.expiresAt, tenantUrl, tokenEndpoint, ...(handover ? { handoverSecret: handover } : { clientSecret: secret }) })); return 0; }
  io.out(`Client ${clientId} (tenant ${record.tenant}), secret ${record.id} expires ${record.expiresAt}, in ${store.description}.`);
  io.out(`Paste into Entra (Provisioning → Admin Credentials → Authentication Method "OAuth2 Client Credentials Grant"):`);
  io.out(`  Tenant URL:        ${tenantUrl}`);
  io.out(`  Token Endpoint:    ${tokenEndpoint}`);
  io.out(`  Client Identifier: ${clientId}`);
  io.out(handover ? `  Client Secret:     written to Key Vault secret '${handover}' (not printed)` : `  Client Secret:     ${secret}   (shown once)`);
  return 0;
}

async function revokeKind(io: Io, cfg: Config, kind: CredentialKind, id: string) {
  const store = credentialStore(cfg);
  const found = await store.get(id);
  if (found?.kind !== kind) { io.err(`No ${kind} ${id}.`); return 1; }
  await store.revoke(id);
  io.out(`Revoked ${kind} ${id}; every instance refuses it (and access tokens it obtained) within ${cfg.credentialCacheSeconds} s.`);
  return 0;
}

async function listKind(f: Flags, io: Io, cfg: Config, kinds: CredentialKind[]) {
  const all = (await credentialStore(cfg).list()).filter((r) => kinds.includes(r.kind) && (!str(f, "tenant") || r.tenant === str(f, "tenant")));
  const rows = all.map(publicView).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  if (f.named.json) { io.out(JSON.stringify(rows)); return 0; }
  for (const r of rows) {
    const extra = r.kind === "client-secret" ? `  client=${r.clientId}` : r.kind === "client" && r.federation ? `  federation: iss=${r.federation.issuer} sub=${r.federation.subject} aud=${r.federation.audience}` : "";
    io.out(`${r.id}  ${r.kind}  tenant=${r.tenant}  ${r.status}  label=${r.label}  created=${r.createdAt}${r.expiresAt ? `  expires=${r.expiresAt}` : ""}${extra}`);
  }
  return 0;
}

export const commands: Record<string, Command> = {
  "token create": async (f, io, cfg) => {
    const store = credentialStore(cfg);
    return printToken(f, io, cfg, store, await createStaticToken(store, { tenant: need(f, "tenant"), label: str(f, "label"), expiresInDays: int(f, "expires-in-days") }));
  },
  "token rotate": async (f, io, cfg) => {
    const store = credentialStore(cfg);
    const code = await printToken(f, io, cfg, store, await rotateStaticToken(store, arg(f, "token-id"), int(f, "expires-in-days")));
    if (!f.named.json) io.out(`Switch Entra to the new token, then: npm run credentials -- token revoke ${arg(f, "token-id")}`);
    return code;
  },
  "token list": (f, io, cfg) => listKind(f, io, cfg, ["token"]),
  "token revoke": (f, io, cfg) => revokeKind(io, cfg, "token", arg(f, "token-id")),
  "client create": async (f, io, cfg) => {
    const store = credentialStore(cfg);
    const { client, secret, secretRecord } = await createClient(store, { tenant: need(f, "tenant"), label: str(f, "label"), secretExpiresInDays: int(f, "secret-expires-in-days") });
    return printSecret(f, io, cfg, store, client.id, secret, secretRecord);
  },
  "client list": (f, io, cfg) => listKind(f, io, cfg, ["client", "client-secret"]),
  "client revoke": (f, io, cfg) => revokeKind(io, cfg, "client", arg(f, "client-id")),
  "secret add": async (f, io, cfg) => {
    const store = credentialStore(cfg);
    const clientId = arg(f, "client-id");
    const { secret, record } = await addClientSecret(store, clientId, int(f, "expires-in-days"));
    const code = await printSecret(f, io, cfg, store, clientId, secret, record);
    if (!f.named.json) io.out(`Both secrets now work. Switch Entra to the new one, then revoke the old: npm run credentials -- secret revoke <old-secret-id>`);
    return code;
  },
  "secret revoke": (f, io, cfg) => revokeKind(io, cfg, "client-secret", arg(f, "secret-id")),
  "federation set": async (f, io, cfg) => {
    const client = await setFederation(credentialStore(cfg), {
      tenant: need(f, "tenant"), entraTenantId: need(f, "entra-tenant-id"), subject: need(f, "subject"), audience: need(f, "audience"),
      issuer: str(f, "issuer"), jwksUri: str(f, "jwks-uri"), clientId: str(f, "client"),
    });
    const { tenantUrl, tokenEndpoint } = urls(f, cfg);
    if (f.named.json) { io.out(JSON.stringify({ clientId: client.id, tenant: client.tenant, federation: client.federation, tenantUrl, tokenEndpoint })); return 0; }
    io.out(`Client ${client.id} (tenant ${client.tenant}) trusts iss=${client.federation!.issuer} sub=${client.federation!.subject} aud=${client.federation!.audience}.`);
    io.out(`Paste into Entra (Connectivity → Workload Identity Federation):`);
    io.out(`  Client ID: ${client.id}\n  Token URL: ${tokenEndpoint}\n  SCIM URL:  ${tenantUrl}`);
    return 0;
  },
  "federation remove": async (f, io, cfg) => {
    const done = await removeFederation(credentialStore(cfg), arg(f, "client-id"));
    io.out(done ? `Removed the federation of ${arg(f, "client-id")}; its access tokens stop working within ${cfg.credentialCacheSeconds} s.` : `No federation on client ${arg(f, "client-id")}.`);
    return done ? 0 : 1;
  },
  "entra-token enable": async (f, io, cfg) => {
    const r = await enableEntraToken(credentialStore(cfg), { tenant: need(f, "tenant"), entraTenantId: need(f, "entra-tenant-id"), audience: str(f, "audience"), jwksUri: str(f, "jwks-uri") });
    if (f.named.json) { io.out(JSON.stringify({ ...r, tenantUrl: urls(f, cfg).tenantUrl })); return 0; }
    io.out(`Tenant ${r.tenant} accepts tokens from ${r.issuer} for audience ${r.audience}.`);
    io.out(`In Entra: Tenant URL ${urls(f, cfg).tenantUrl}, leave Secret Token empty.`);
    return 0;
  },
  "entra-token disable": async (f, io, cfg) => {
    const done = await disableEntraToken(credentialStore(cfg), arg(f, "entra-tenant-id"));
    io.out(done ? `Disabled Entra-issued tokens from ${arg(f, "entra-tenant-id")} within ${cfg.credentialCacheSeconds} s.` : `Entra-issued tokens were not enabled for ${arg(f, "entra-tenant-id")}.`);
    return done ? 0 : 1;
  },
  "signing-key show": async (f, io, cfg) => {
    const set = await signingKeyStore(cfg).load();
    const keys = (set?.keys ?? []).map((k, i) => ({ kid: k.kid, createdAt: k.createdAt, role: i === 0 ? "current" : "previous" }));
    if (f.named.json) io.out(JSON.stringify(keys));
    else if (!keys.length) io.out("No signing key yet; one is created on first use.");
    else for (const k of keys) io.out(`${k.kid}  ${k.role}  created=${k.createdAt}`);
    return 0;
  },
  "signing-key rotate": async (f, io, cfg) => {
    const { kid, dropped } = await rotateSigningKey(signingKeyStore(cfg), f.named.force === true);
    io.out(`New signing key ${kid}; instances pick it up within 5 minutes.${dropped ? ` Dropped ${dropped}.` : ""}`);
    return 0;
  },
  expiring: async (f, io, cfg) => {
    const days = int(f, "days") ?? EXPIRY_WARNING_DAYS;
    const all = (await credentialStore(cfg).listSummaries()).filter((s) => !str(f, "tenant") || s.tenant === str(f, "tenant"));
    const soon = expiringCredentials(all, days);
    if (f.named.json) io.out(JSON.stringify(soon));
    else if (!soon.length) io.out(`Nothing expires within ${days} days.`);
    else for (const e of soon) io.out(`${e.id}  ${e.kind}${e.clientId ? ` client=${e.clientId}` : ""}  expires=${e.expiresAt}  (${e.daysLeft} days)`);
    return 0;
  },
};
