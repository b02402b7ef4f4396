// Credential CLI: npm run credentials -- <noun> <verb> … (see usage). Works against Key Vault when
// SCIM_KEY_VAULT_URI is set, else the local file store. A new token or client secret is shown once (or
// written to a Key Vault hand-over secret with --handover-secret); only its hash is kept.
import { Config, config } from "../shared/config";
import { credentialStore } from "../shared/auth/credentials";
import { createStaticToken } from "../shared/auth/lifecycle";
import { TokenRecord } from "../shared/auth/records";
import { commands, Io, UsageError } from "./credential-commands";

export const usage = (cfg: Config) => `Usage: npm run credentials -- <command> [options]

Static bearer tokens (pilot / non-gallery):
  token create --tenant <t> [--label <text>] [--expires-in-days <n>] [--handover-secret <kv-name>] [--json]
  token rotate <token-id> [--expires-in-days <n>] [--handover-secret <kv-name>] [--json]
  token list [--tenant <t>] [--json]
  token revoke <token-id>
OAuth 2.0 clients (client_credentials; secrets expire in 365–1095 days, default 730):
  client create --tenant <t> [--label <text>] [--secret-expires-in-days <n>] [--handover-secret <kv-name>] [--json]
  client list [--tenant <t>] [--json]
  client revoke <client-id>
  secret add <client-id> [--expires-in-days <n>] [--handover-secret <kv-name>] [--json]
  secret revoke <secret-id>
Workload identity federation (Entra client assertions):
  federation set --tenant <t> --entra-tenant-id <guid> --subject <sub> --audience <aud>
                 [--issuer <url>] [--jwks-uri <url>] [--client <client-id>] [--json]
  federation remove <client-id>
Entra's own token (Secret Token left empty in Entra; testing only):
  entra-token enable --tenant <t> --entra-tenant-id <guid> [--audience <app-id>] [--jwks-uri <url>] [--json]
  entra-token disable <entra-tenant-id>
Access-token signing keys:
  signing-key show
  signing-key rotate [--force]
Expiry report:
  expiring [--days <n>] [--tenant <t>] [--json]

Common: --base-url <https://host> sets the URLs printed for Entra (default SCIM_PUBLIC_BASE_URL).
Store: ${cfg.keyVaultUri ? `Key Vault ${cfg.keyVaultUri}` : cfg.localCredentialsFile}. Revocation reaches every instance within ${cfg.credentialCacheSeconds} s.`;

export type Flags = { positional: string[]; named: Record<string, string | true> };

export function flags(args: string[]): Flags {
  const positional: string[] = [];
  const named: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) { positional.push(a); continue; }
    const next = args[i + 1];
    if (next === undefined || next.startsWith("--")) named[a.slice(2)] = true;
    else { named[a.slice(2)] = next; i++; }
  }
  return { positional, named };
}

/** Creates a static token credential; returns the token (the only time it exists in clear). */
export async function createToken(tenant: string, label: string, expiresInDays?: number): Promise<{ token: string; record: TokenRecord }> {
  return createStaticToken(credentialStore(config()), { tenant, label, expiresInDays });
}

const consoleIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** Runs one command; returns the process exit code (0 ok, 1 not found / refused, 2 usage). */
export async function main(argv: string[], io: Io = consoleIo, cfg: Config = config()): Promise<number> {
  const f = flags(argv);
  const [noun, verb] = f.positional;
  const run = commands[`${noun} ${verb}`] ?? (noun === "expiring" ? commands.expiring : undefined);
  if (!run) { io.err(usage(cfg)); return 2; }
  try {
    return await run({ ...f, positional: f.positional.slice(noun === "expiring" ? 1 : 2) }, io, cfg);
  } catch (e) {
    io.err(`error: ${(e as Error).message}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => { console.error(`error: ${(e as Error).message}`); process.exit(1); });
}
