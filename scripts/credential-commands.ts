// The credential CLI: the command table (each command's positional and options, declared as data; the
// parser, usage and runner are command-line.ts) and what each command prints to paste into Entra. Secrets
// are printed once, or written to a Key Vault hand-over secret instead. Reads no environment: main gets its settings.
import type { Config } from "../shared/config";
import type { CredentialStore } from "../shared/auth/credentials";
import {
  addClientSecret,
  createClient,
  createStaticToken,
  disableEntraToken,
  enableEntraToken,
  removeFederation,
  rotateStaticToken,
  SECRET_DAYS,
  setFederation,
} from "../shared/auth/lifecycle";
import { ClientSecretRecord, CredentialKind, CredentialRecord, EXPIRY_WARNING_DAYS, TOKEN_SCOPES, type TokenScope, isActive } from "../shared/auth/records";
import { expiringCredentials } from "../shared/auth/health";
import { rotateSigningKey } from "../shared/auth/signing-keys";
import type { Service } from "../shared/root";
import { type Args, type CommandGroup, CommandLine, type CommandSpec as Spec, type Io, type Option, type Range, UsageError, flag, text } from "./command-line";

export type { Io } from "./command-line";
export { UsageError } from "./command-line";
/** What the commands work on: the settings and the stores the composition root built from them. */
export type Cli = Pick<Service, "config" | "credentials" | "signingKeyStore">;
type CommandSpec = Spec<Cli>;

/** Static tokens have no gallery rule; ten years bounds a typo. */
const TOKEN_DAYS: Range = { min: 1, max: 3650 };
const REPORT_DAYS: Range = { min: 1, max: 3650 };

const days = (whole: Range): Option => ({ type: "string", value: "n", whole: { min: whole.min, max: whole.max, unit: "days" } });
const TENANT = { tenant: text("t", true) };
const TENANT_FILTER = { tenant: text("t") };
const HANDOVER = { "handover-secret": text("kv-name") };
/** Listed once under the usage (footnote), not on every line that prints URLs. */
const BASE_URL = { "base-url": { type: "string", value: "https://host", footnote: true } as Option };
const JSON_OUT = { json: flag };
/** What a static token may call: SCIM (Entra's, the default), the Events API, or the admin API. */
const SCOPE: Option = { type: "string", value: "scim|events|admin", choices: TOKEN_SCOPES };

function urls(a: Args, cfg: Cli) {
  const base = (a.str("base-url") ?? cfg.config.publicBaseUrl ?? "https://<function-app-host>").replace(/\/+$/, "");
  return { tenantUrl: `${base}/scim/v2`, tokenEndpoint: `${base}/oauth2/token` };
}

/**
 * The Key Vault secret a shown-once value goes to (--handover-secret), else undefined: the caller prints it.
 * Checked before anything is created, so a refusal cannot leave a credential whose secret nobody saw.
 */
const HANDOVER_NEEDS_KEY_VAULT = "--handover-secret needs the Key Vault store (set SCIM_KEY_VAULT_URI).";

function handoverTarget(store: CredentialStore, a: Args): string | undefined {
  const name = a.str("handover-secret");
  if (name !== undefined && !store.putHandover) throw new UsageError(HANDOVER_NEEDS_KEY_VAULT);
  return name;
}

async function handOver(store: CredentialStore, name: string | undefined, value: string): Promise<string | undefined> {
  if (name === undefined) return undefined;
  if (!store.putHandover) throw new UsageError(HANDOVER_NEEDS_KEY_VAULT); // refused by handoverTarget before anything was created
  await store.putHandover(name, value);
  return name;
}

const status = (r: { revokedAt?: string; expiresAt?: string }) => (r.revokedAt ? "revoked" : isActive(r) ? "active" : "expired");
const publicView = (r: CredentialRecord) => ({ ...r, ...("hash" in r ? { hash: undefined } : {}), status: status(r) });

async function printToken(a: Args, io: Io, cfg: Cli, store: CredentialStore, target: string | undefined, created: { token: string; record: CredentialRecord }) {
  const handover = await handOver(store, target, created.token);
  const { tenantUrl } = urls(a, cfg);
  if (a.flag("json")) {
    io.out(JSON.stringify({ ...publicView(created.record), tenantUrl, ...(handover ? { handoverSecret: handover } : { token: created.token }) }));
    return 0;
  }
  const scope = created.record.kind === "token" ? (created.record.scope ?? "scim") : "scim";
  if (scope !== "scim") {
    io.out(`Created ${scope} token ${created.record.id} for tenant ${created.record.tenant} in ${store.description}.`);
    io.out(`Send it as "Authorization: Bearer <token>" to the ${scope === "events" ? "Events API (GET /events)" : "admin API"}; SCIM refuses it.`);
    io.out(handover ? `  Token:   written to Key Vault secret '${handover}' (not printed)` : `  Token:   ${created.token}   (shown once)`);
    if (created.record.expiresAt) io.out(`  Expires: ${created.record.expiresAt}`);
    return 0;
  }
  io.out(`Created static token ${created.record.id} for tenant ${created.record.tenant} in ${store.description}.`);
  io.out(`Paste into Entra (Provisioning → Admin Credentials):`);
  io.out(`  Tenant URL:   ${tenantUrl}`);
  io.out(handover ? `  Secret Token: written to Key Vault secret '${handover}' (not printed)` : `  Secret Token: ${created.token}   (shown once)`);
  if (created.record.expiresAt) io.out(`  Expires:      ${created.record.expiresAt}`);
  return 0;
}

async function printSecret(
  a: Args,
  io: Io,
  cfg: Cli,
  store: CredentialStore,
  target: string | undefined,
  created: { clientId: string; secret: string; record: ClientSecretRecord },
) {
  const { clientId, secret, record } = created;
  const handover = await handOver(store, target, secret);
  const { tenantUrl, tokenEndpoint } = urls(a, cfg);
  if (a.flag("json")) {
    io.out(
      JSON.stringify({
        clientId,
        secretId: record.id,
        expiresAt: record.expiresAt,
        tenantUrl,
        tokenEndpoint,
        ...(handover ? { handoverSecret: handover } : { clientSecret: secret }),
      }),
    );
    return 0;
  }
  io.out(`Client ${clientId} (tenant ${record.tenant}), secret ${record.id} expires ${record.expiresAt}, in ${store.description}.`);
  io.out(`Paste into Entra (Provisioning → Admin Credentials → Authentication Method "OAuth2 Client Credentials Grant"):`);
  io.out(`  Tenant URL:        ${tenantUrl}`);
  io.out(`  Token Endpoint:    ${tokenEndpoint}`);
  io.out(`  Client Identifier: ${clientId}`);
  io.out(handover ? `  Client Secret:     written to Key Vault secret '${handover}' (not printed)` : `  Client Secret:     ${secret}   (shown once)`);
  return 0;
}

async function revokeKind(io: Io, cfg: Cli, kind: CredentialKind, id: string) {
  const store = cfg.credentials;
  const found = await store.get(id);
  if (found?.kind !== kind) {
    io.err(`No ${kind} ${id}.`);
    return 1;
  }
  await store.revoke(id);
  io.out(`Revoked ${kind} ${id}; every instance refuses it (and access tokens it obtained) within ${cfg.config.credentialCacheSeconds} s.`);
  return 0;
}

async function listKind(a: Args, io: Io, cfg: Cli, kinds: CredentialKind[]) {
  const tenant = a.str("tenant");
  const all = (await cfg.credentials.list()).filter((r) => kinds.includes(r.kind) && (!tenant || r.tenant === tenant));
  const rows = all.map(publicView).sort((x, y) => x.createdAt.localeCompare(y.createdAt));
  if (a.flag("json")) {
    io.out(JSON.stringify(rows));
    return 0;
  }
  for (const r of rows) {
    const extra =
      r.kind === "client-secret"
        ? `  client=${r.clientId}`
        : r.kind === "client" && r.federation
          ? `  federation: iss=${r.federation.issuer} sub=${r.federation.subject} aud=${r.federation.audience}`
          : "";
    io.out(
      `${r.id}  ${r.kind}  tenant=${r.tenant}  ${r.status}  label=${r.label}  created=${r.createdAt}${r.expiresAt ? `  expires=${r.expiresAt}` : ""}${extra}`,
    );
  }
  return 0;
}

const GROUPS: CommandGroup<Cli>[] = [
  {
    title: `Static bearer tokens (pilot / non-gallery; --expires-in-days ${TOKEN_DAYS.min}–${TOKEN_DAYS.max}, default no expiry):`,
    commands: {
      "token create": {
        options: { ...TENANT, label: text("text"), scope: SCOPE, "expires-in-days": days(TOKEN_DAYS), ...HANDOVER, ...JSON_OUT, ...BASE_URL },
        async run(a, io, cfg) {
          const store = cfg.credentials;
          const target = handoverTarget(store, a);
          const scope = (a.str("scope") ?? "scim") as TokenScope;
          return printToken(
            a,
            io,
            cfg,
            store,
            target,
            await createStaticToken(store, { tenant: a.need("tenant"), label: a.str("label"), expiresInDays: a.int("expires-in-days"), scope }),
          );
        },
      },
      "token rotate": {
        arg: "token-id",
        options: { "expires-in-days": days(TOKEN_DAYS), ...HANDOVER, ...JSON_OUT, ...BASE_URL },
        async run(a, io, cfg) {
          const store = cfg.credentials;
          const target = handoverTarget(store, a);
          const code = await printToken(a, io, cfg, store, target, await rotateStaticToken(store, a.arg, a.int("expires-in-days")));
          if (!a.flag("json")) io.out(`Switch Entra to the new token, then: npm run credentials -- token revoke ${a.arg}`);
          return code;
        },
      },
      "token list": { options: { ...TENANT_FILTER, ...JSON_OUT }, run: (a, io, cfg) => listKind(a, io, cfg, ["token"]) },
      "token revoke": { arg: "token-id", options: {}, run: (a, io, cfg) => revokeKind(io, cfg, "token", a.arg) },
    },
  },
  {
    title: `OAuth 2.0 clients (client_credentials; secrets expire in ${SECRET_DAYS.min}–${SECRET_DAYS.max} days, default ${SECRET_DAYS.default}):`,
    commands: {
      "client create": {
        options: { ...TENANT, label: text("text"), "secret-expires-in-days": days(SECRET_DAYS), ...HANDOVER, ...JSON_OUT, ...BASE_URL },
        async run(a, io, cfg) {
          const store = cfg.credentials;
          const target = handoverTarget(store, a);
          const { client, secret, secretRecord } = await createClient(store, {
            tenant: a.need("tenant"),
            label: a.str("label"),
            secretExpiresInDays: a.int("secret-expires-in-days"),
          });
          return printSecret(a, io, cfg, store, target, { clientId: client.id, secret, record: secretRecord });
        },
      },
      "client list": { options: { ...TENANT_FILTER, ...JSON_OUT }, run: (a, io, cfg) => listKind(a, io, cfg, ["client", "client-secret"]) },
      "client revoke": { arg: "client-id", options: {}, run: (a, io, cfg) => revokeKind(io, cfg, "client", a.arg) },
      "secret add": {
        arg: "client-id",
        options: { "expires-in-days": days(SECRET_DAYS), ...HANDOVER, ...JSON_OUT, ...BASE_URL },
        async run(a, io, cfg) {
          const store = cfg.credentials;
          const target = handoverTarget(store, a);
          const { secret, record } = await addClientSecret(store, a.arg, a.int("expires-in-days"));
          const code = await printSecret(a, io, cfg, store, target, { clientId: a.arg, secret, record });
          if (!a.flag("json"))
            io.out(`Both secrets now work. Switch Entra to the new one, then revoke the old: npm run credentials -- secret revoke <old-secret-id>`);
          return code;
        },
      },
      "secret revoke": { arg: "secret-id", options: {}, run: (a, io, cfg) => revokeKind(io, cfg, "client-secret", a.arg) },
    },
  },
  {
    title: "Workload identity federation (Entra client assertions):",
    commands: {
      "federation set": {
        options: {
          ...TENANT,
          "entra-tenant-id": text("guid", true),
          subject: text("sub", true),
          audience: text("aud", true),
          issuer: text("url"),
          "jwks-uri": text("url"),
          client: text("client-id"),
          ...JSON_OUT,
          ...BASE_URL,
        },
        async run(a, io, cfg) {
          const client = await setFederation(cfg.credentials, {
            tenant: a.need("tenant"),
            entraTenantId: a.need("entra-tenant-id"),
            subject: a.need("subject"),
            audience: a.need("audience"),
            issuer: a.str("issuer"),
            jwksUri: a.str("jwks-uri"),
            clientId: a.str("client"),
          });
          const { federation } = client;
          if (!federation) throw new Error(`setFederation returned client ${client.id} without its federation.`);
          const { tenantUrl, tokenEndpoint } = urls(a, cfg);
          if (a.flag("json")) {
            io.out(JSON.stringify({ clientId: client.id, tenant: client.tenant, federation, tenantUrl, tokenEndpoint }));
            return 0;
          }
          io.out(`Client ${client.id} (tenant ${client.tenant}) trusts iss=${federation.issuer} sub=${federation.subject} aud=${federation.audience}.`);
          io.out(`Paste into Entra (Connectivity → Workload Identity Federation):`);
          io.out(`  Client ID: ${client.id}\n  Token URL: ${tokenEndpoint}\n  SCIM URL:  ${tenantUrl}`);
          return 0;
        },
      },
      "federation remove": {
        arg: "client-id",
        options: {},
        async run(a, io, cfg) {
          const done = await removeFederation(cfg.credentials, a.arg);
          io.out(
            done
              ? `Removed the federation of ${a.arg}; its access tokens stop working within ${cfg.config.credentialCacheSeconds} s.`
              : `No federation on client ${a.arg}.`,
          );
          return done ? 0 : 1;
        },
      },
    },
  },
  {
    title: "Entra's own token (Secret Token left empty in Entra; testing only):",
    commands: {
      "entra-token enable": {
        options: { ...TENANT, "entra-tenant-id": text("guid", true), audience: text("app-id"), "jwks-uri": text("url"), ...JSON_OUT, ...BASE_URL },
        async run(a, io, cfg) {
          const r = await enableEntraToken(cfg.credentials, {
            tenant: a.need("tenant"),
            entraTenantId: a.need("entra-tenant-id"),
            audience: a.str("audience"),
            jwksUri: a.str("jwks-uri"),
          });
          if (a.flag("json")) {
            io.out(JSON.stringify({ ...r, tenantUrl: urls(a, cfg).tenantUrl }));
            return 0;
          }
          io.out(`Tenant ${r.tenant} accepts tokens from ${r.issuer} for audience ${r.audience}.`);
          io.out(`In Entra: Tenant URL ${urls(a, cfg).tenantUrl}, leave Secret Token empty.`);
          return 0;
        },
      },
      "entra-token disable": {
        arg: "entra-tenant-id",
        options: {},
        async run(a, io, cfg) {
          const done = await disableEntraToken(cfg.credentials, a.arg);
          io.out(
            done
              ? `Disabled Entra-issued tokens from ${a.arg} within ${cfg.config.credentialCacheSeconds} s.`
              : `Entra-issued tokens were not enabled for ${a.arg}.`,
          );
          return done ? 0 : 1;
        },
      },
    },
  },
  {
    title: "Access-token signing keys:",
    commands: {
      "signing-key show": {
        options: { ...JSON_OUT },
        async run(a, io, cfg) {
          const set = await cfg.signingKeyStore.load();
          const keys = (set?.keys ?? []).map((k, i) => ({ kid: k.kid, createdAt: k.createdAt, role: i === 0 ? "current" : "previous" }));
          if (a.flag("json")) io.out(JSON.stringify(keys));
          else if (!keys.length) io.out("No signing key yet; one is created on first use.");
          else for (const k of keys) io.out(`${k.kid}  ${k.role}  created=${k.createdAt}`);
          return 0;
        },
      },
      "signing-key rotate": {
        options: { force: flag },
        async run(a, io, cfg) {
          const { kid, dropped } = await rotateSigningKey(cfg.signingKeyStore, a.flag("force"));
          io.out(`New signing key ${kid}; instances pick it up within 5 minutes.${dropped ? ` Dropped ${dropped}.` : ""}`);
          return 0;
        },
      },
    },
  },
  {
    title: `Expiry report (--days ${REPORT_DAYS.min}–${REPORT_DAYS.max}, default ${EXPIRY_WARNING_DAYS}):`,
    commands: {
      expiring: {
        options: { days: days(REPORT_DAYS), ...TENANT_FILTER, ...JSON_OUT },
        async run(a, io, cfg) {
          const within = a.int("days") ?? EXPIRY_WARNING_DAYS;
          const tenant = a.str("tenant");
          const all = (await cfg.credentials.listSummaries()).filter((s) => !tenant || s.tenant === tenant);
          const soon = expiringCredentials(all, within);
          if (a.flag("json")) io.out(JSON.stringify(soon));
          else if (!soon.length) io.out(`Nothing expires within ${within} days.`);
          else for (const e of soon) io.out(`${e.id}  ${e.kind}${e.clientId ? ` client=${e.clientId}` : ""}  expires=${e.expiresAt}  (${e.daysLeft} days)`);
          return 0;
        },
      },
    },
  },
];

const takesBaseUrl = (spec: CommandSpec) => "base-url" in spec.options;
const BASE_URL_NOTE = "--base-url <https://host> sets the URLs printed for Entra (default SCIM_PUBLIC_BASE_URL)";
const storeLine = (cfg: Config) =>
  `Store: ${cfg.keyVaultUri ? `Key Vault ${cfg.keyVaultUri}` : cfg.localCredentialsFile}. Revocation reaches every instance within ${cfg.credentialCacheSeconds} s.`;

const CLI = new CommandLine<Cli>({
  name: "npm run credentials --",
  groups: GROUPS,
  footer: (cli) => [
    `${BASE_URL_NOTE};`,
    `  taken by ${GROUPS.flatMap((g) => Object.entries(g.commands))
      .filter(([, s]) => takesBaseUrl(s))
      .map(([name]) => name)
      .join(", ")}.`,
    "Every command takes -h/--help.",
    storeLine(cli.config),
  ],
  commandFooter: (cli, spec) => [...(takesBaseUrl(spec) ? [`${BASE_URL_NOTE}.`] : []), storeLine(cli.config)],
});

/** The whole usage, or one command's. */
export const usage = (cli: Cli, command?: string): string => CLI.usage(cli, command);

/** Runs one command line; returns the process exit code (0 ok, 1 not found / refused, 2 usage). */
export const main = (argv: string[], io: Io, cli: Cli): Promise<number> => CLI.main(argv, io, cli);
