// The credential CLI: the command table (each command's positional and options, declared as data), the
// strict parser (node:util parseArgs) and main(), which prints what to paste into Entra. Secrets are
// printed once, or written to a Key Vault hand-over secret instead. Reads no environment: main gets its settings.
import { parseArgs, ParseArgsConfig } from "node:util";
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
import { ClientSecretRecord, CredentialKind, CredentialRecord, EXPIRY_WARNING_DAYS, isActive } from "../shared/auth/records";
import { expiringCredentials } from "../shared/auth/health";
import { rotateSigningKey } from "../shared/auth/signing-keys";
import type { Service } from "../shared/root";

export interface Io {
  out(line: string): void;
  err(line: string): void;
}
/** Bad command line: exit code 2, with the usage of the command. */
export class UsageError extends Error {}
/** What the commands work on: the settings and the stores the composition root built from them. */
export type Cli = Pick<Service, "config" | "credentials" | "signingKeyStore">;

interface Range {
  min: number;
  max: number;
}
/** A boolean never takes a value; a string option takes the next word (or `--name=value`). */
type Option = { type: "boolean" } | { type: "string"; value: string; required?: boolean; whole?: Range; footnote?: boolean };
interface CommandSpec {
  arg?: string;
  options: Record<string, Option>;
  run(a: Args, io: Io, cfg: Cli): Promise<number>;
}

/** Static tokens have no gallery rule; ten years bounds a typo. */
const TOKEN_DAYS: Range = { min: 1, max: 3650 };
const REPORT_DAYS: Range = { min: 1, max: 3650 };

const flag: Option = { type: "boolean" };
const text = (value: string, required = false): Option => ({ type: "string", value, required });
const days = (whole: Range): Option => ({ type: "string", value: "n", whole });
const TENANT = { tenant: text("t", true) };
const TENANT_FILTER = { tenant: text("t") };
const HANDOVER = { "handover-secret": text("kv-name") };
/** Listed once under the usage (footnote), not on every line that prints URLs. */
const BASE_URL = { "base-url": { type: "string", value: "https://host", footnote: true } as Option };
const JSON_OUT = { json: flag };

/** A parsed command line; reading an option the command does not declare is a programming error. */
class Args {
  constructor(
    private readonly command: string,
    private readonly spec: CommandSpec,
    private readonly values: Record<string, string | boolean | undefined>,
    private readonly positional?: string,
  ) {}
  private declared(name: string): void {
    if (!(name in this.spec.options)) throw new Error(`'${this.command}' reads --${name}, which it does not declare.`);
  }
  get arg(): string {
    if (this.positional === undefined) throw new Error(`'${this.command}' declares no positional argument.`);
    return this.positional;
  }
  str(name: string): string | undefined {
    this.declared(name);
    const v = this.values[name];
    return typeof v === "string" ? v : undefined;
  }
  /** A required option (the parser has checked it is there). */
  need(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw new Error(`--${name} is not a required option of '${this.command}'.`);
    return v;
  }
  int(name: string): number | undefined {
    const v = this.str(name);
    return v === undefined ? undefined : Number(v);
  }
  flag(name: string): boolean {
    this.declared(name);
    return this.values[name] === true;
  }
}

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

const GROUPS: { title: string; commands: Record<string, CommandSpec> }[] = [
  {
    title: `Static bearer tokens (pilot / non-gallery; --expires-in-days ${TOKEN_DAYS.min}–${TOKEN_DAYS.max}, default no expiry):`,
    commands: {
      "token create": {
        options: { ...TENANT, label: text("text"), "expires-in-days": days(TOKEN_DAYS), ...HANDOVER, ...JSON_OUT, ...BASE_URL },
        async run(a, io, cfg) {
          const store = cfg.credentials;
          const target = handoverTarget(store, a);
          return printToken(
            a,
            io,
            cfg,
            store,
            target,
            await createStaticToken(store, { tenant: a.need("tenant"), label: a.str("label"), expiresInDays: a.int("expires-in-days") }),
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

const COMMANDS = new Map(GROUPS.flatMap((g) => Object.entries(g.commands)));
const PROGRAM = "npm run credentials --";
const WIDTH = 110;

/** One command's synopsis after prefix, wrapped under its name: required options bare, optional ones in brackets. */
function synopsis(prefix: string, name: string, spec: CommandSpec): string {
  const words = spec.arg ? [`<${spec.arg}>`] : [];
  for (const [option, o] of Object.entries(spec.options)) {
    if (o.type === "boolean") words.push(`[--${option}]`);
    else if (!o.footnote) words.push(o.required ? `--${option} <${o.value}>` : `[--${option} <${o.value}>]`);
  }
  const lines: string[] = [];
  const hang = " ".repeat(prefix.length + name.length + 1);
  let line = prefix + name;
  for (const word of words) {
    if (line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = hang + word;
    } else line += " " + word;
  }
  lines.push(line);
  return lines.join("\n");
}

const takesBaseUrl = (spec: CommandSpec) => "base-url" in spec.options;
const BASE_URL_NOTE = "--base-url <https://host> sets the URLs printed for Entra (default SCIM_PUBLIC_BASE_URL)";

/** The whole usage, or one command's. */
export function usage(cfg: Config, command?: string): string {
  const store = `Store: ${cfg.keyVaultUri ? `Key Vault ${cfg.keyVaultUri}` : cfg.localCredentialsFile}. Revocation reaches every instance within ${cfg.credentialCacheSeconds} s.`;
  const spec = command === undefined ? undefined : COMMANDS.get(command);
  if (command !== undefined && spec) {
    const group = GROUPS.find((g) => command in g.commands);
    if (!group) throw new Error(`command '${command}' is in no group`);
    return [synopsis(`Usage: ${PROGRAM} `, command, spec), group.title, ...(takesBaseUrl(spec) ? [`${BASE_URL_NOTE}.`] : []), store].join("\n");
  }
  const withBaseUrl = [...COMMANDS].filter(([, s]) => takesBaseUrl(s)).map(([name]) => name);
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    ...GROUPS.flatMap((g) => ["", g.title, ...Object.entries(g.commands).map(([name, s]) => synopsis("  ", name, s))]),
    "",
    `${BASE_URL_NOTE};`,
    `  taken by ${withBaseUrl.join(", ")}.`,
    "Every command takes -h/--help.",
    store,
  ].join("\n");
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const at = (cells: number[], k: number) => cells[k] ?? Infinity; // every cell read is filled: 0 ≤ k ≤ b.length
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(at(prev, j) + 1, at(row, j - 1) + 1, at(prev, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return at(prev, b.length);
}

function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= 2 && bestDistance < word.length / 2 ? best : undefined;
}

function parseOptions(spec: CommandSpec): NonNullable<ParseArgsConfig["options"]> {
  return { ...Object.fromEntries(Object.entries(spec.options).map(([name, o]) => [name, { type: o.type }])), help: { type: "boolean", short: "h" } };
}

/** Strict parse of one command's arguments: unknown or repeated options, missing values and bad numbers are usage errors. */
function parse(command: string, spec: CommandSpec, args: string[]): Args {
  const options = parseOptions(spec);
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true, tokens: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      // Name the option ourselves (Node's message is about positionals that start with '-').
      const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
      const unknown = tokens.find((t) => t.kind === "option" && !(t.name in options));
      const raw = unknown?.kind === "option" ? unknown.rawName : args.find((x) => x.startsWith("-"));
      if (raw === undefined) throw e;
      const near = closest(raw.replace(/^-+/, "").replace(/=.*/, ""), Object.keys(spec.options));
      throw new UsageError(`unknown option ${raw} for '${command}'${near ? ` (did you mean --${near}?)` : ""}.`);
    }
    if (code?.startsWith("ERR_PARSE_ARGS_")) throw new UsageError((e as Error).message.replace(/\n/g, " "));
    throw e;
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== "option") continue;
    if (seen.has(t.name)) throw new UsageError(`${t.rawName} is given more than once.`);
    seen.add(t.name);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  for (const [name, o] of Object.entries(spec.options)) {
    const v = values[name];
    if (o.type !== "string") continue;
    if (v === "") throw new UsageError(`--${name} needs a value.`);
    if (v === undefined) {
      if (o.required) throw new UsageError(`--${name} <${o.value}> is required.`);
      continue;
    }
    if (o.whole && !(/^\d+$/.test(v as string) && Number(v) >= o.whole.min && Number(v) <= o.whole.max)) {
      throw new UsageError(`--${name} must be a whole number of days from ${o.whole.min} to ${o.whole.max}, got '${v}'.`);
    }
  }
  const wanted = spec.arg ? 1 : 0;
  const extra = parsed.positionals[wanted];
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'.`);
  if (spec.arg && !parsed.positionals[0]) throw new UsageError(`<${spec.arg}> is required.`);
  return new Args(command, spec, values, parsed.positionals[0]);
}

/** -h/--help anywhere before a `--` terminator. */
const asksForHelp = (args: string[]) => (args.includes("--") ? args.slice(0, args.indexOf("--")) : args).some((x) => x === "--help" || x === "-h");

/** Runs one command line; returns the process exit code (0 ok, 1 not found / refused, 2 usage). */
export async function main(argv: string[], io: Io, cfg: Cli): Promise<number> {
  const [first] = argv;
  if (first === undefined) {
    io.err(usage(cfg.config));
    return 2;
  }
  if (["--help", "-h", "help"].includes(first)) {
    io.out(usage(cfg.config));
    return 0;
  }
  const command = [argv.slice(0, 2).join(" "), first].find((name) => COMMANDS.has(name));
  const spec = command === undefined ? undefined : COMMANDS.get(command);
  if (command === undefined || !spec) {
    const typed = argv
      .slice(0, 2)
      .filter((w) => !w.startsWith("-"))
      .join(" ");
    const verbs = [...COMMANDS.keys()].filter((name) => name.startsWith(`${first} `));
    const near = closest(typed, COMMANDS.keys());
    io.err(
      verbs.length
        ? `error: '${first}' needs one of: ${verbs.join(", ")}${near ? ` (did you mean '${near}'?)` : ""}.`
        : `error: unknown command '${typed}'${near ? ` (did you mean '${near}'?)` : ""}.`,
    );
    io.err(usage(cfg.config));
    return 2;
  }
  const rest = argv.slice(command.split(" ").length);
  if (asksForHelp(rest)) {
    io.out(usage(cfg.config, command));
    return 0;
  }
  try {
    return await spec.run(parse(command, spec, rest), io, cfg);
  } catch (e) {
    io.err(`error: ${(e as Error).message}`);
    if (!(e instanceof UsageError)) return 1;
    io.err(usage(cfg.config, command));
    return 2;
  }
}
