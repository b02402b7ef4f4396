// Credential CLI: npm run credentials -- token create|list|revoke …
// Works against Key Vault when SCIM_KEY_VAULT_URI is set, else the local file store. A new token is
// shown once (or written to a Key Vault hand-over secret with --handover-secret) and only its hash is kept.
import { config } from "../shared/config";
import { CredentialRecord, credentialStore, isActive } from "../shared/auth/credentials";
import { formatToken, hashSecret, newCredentialId, newSecret } from "../shared/auth/secrets";

const usage = () => `Usage:
  npm run credentials -- token create --tenant <tenant> [--label <text>] [--expires-in-days <n>] [--handover-secret <kv-secret-name>] [--json]
  npm run credentials -- token list [--tenant <tenant>] [--json]
  npm run credentials -- token revoke <credential-id>

Store: Key Vault when SCIM_KEY_VAULT_URI is set, otherwise ${config().localCredentialsFile}.`;

function flags(args: string[]): { positional: string[]; named: Record<string, string | true> } {
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

const TENANT = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Creates a static token credential; returns the token (the only time it exists in clear). */
export async function createToken(tenant: string, label: string, expiresInDays?: number): Promise<{ token: string; record: CredentialRecord }> {
  if (!TENANT.test(tenant)) throw new Error(`Tenant '${tenant}' must be lowercase letters, digits and hyphens.`);
  const id = newCredentialId();
  const token = formatToken(id, newSecret());
  const now = new Date();
  const record: CredentialRecord = {
    id, kind: "token", tenant, label, hash: hashSecret(token), createdAt: now.toISOString(),
    ...(expiresInDays ? { expiresAt: new Date(now.getTime() + expiresInDays * 86_400_000).toISOString() } : {}),
  };
  await credentialStore(config()).put(record);
  return { token, record };
}

async function main(argv: string[]): Promise<number> {
  const { positional, named } = flags(argv);
  const [noun, verb, arg] = positional;
  const store = credentialStore(config());
  if (noun !== "token" || !verb) { console.error(usage()); return 2; }
  if (verb === "create") {
    const tenant = typeof named.tenant === "string" ? named.tenant : undefined;
    if (!tenant) { console.error(usage()); return 2; }
    const days = typeof named["expires-in-days"] === "string" ? Number(named["expires-in-days"]) : undefined;
    if (days !== undefined && (!Number.isInteger(days) || days <= 0)) { console.error("--expires-in-days must be a positive integer"); return 2; }
    const { token, record } = await createToken(tenant, typeof named.label === "string" ? named.label : "entra", days);
    const handover = named["handover-secret"];
    if (typeof handover === "string") {
      if (!store.putHandover) { console.error("--handover-secret needs the Key Vault store (set SCIM_KEY_VAULT_URI)."); return 2; }
      await store.putHandover(handover, token);
      console.log(`Created credential ${record.id} for tenant ${tenant}. The token was written to Key Vault secret '${handover}' (not printed).`);
    } else if (named.json) {
      console.log(JSON.stringify({ ...record, hash: undefined, token }));
    } else {
      console.log(`Created credential ${record.id} for tenant ${tenant} in ${store.description}.`);
      console.log(`Secret Token (shown once, paste it into Entra):\n${token}`);
    }
    return 0;
  }
  if (verb === "list") {
    const all = (await store.list()).filter((c) => !named.tenant || c.tenant === named.tenant);
    const rows = all.map(({ hash: _hash, ...rest }) => ({ ...rest, status: isActive(rest as CredentialRecord) ? "active" : rest.revokedAt ? "revoked" : "expired" }));
    if (named.json) console.log(JSON.stringify(rows));
    else for (const r of rows) console.log(`${r.id}  ${r.kind}  tenant=${r.tenant}  ${r.status}  label=${r.label}  created=${r.createdAt}${r.expiresAt ? `  expires=${r.expiresAt}` : ""}`);
    return 0;
  }
  if (verb === "revoke") {
    if (!arg) { console.error(usage()); return 2; }
    const done = await store.revoke(arg);
    console.log(done ? `Revoked ${arg}; it stops working within ${config().credentialCacheSeconds} s.` : `No credential ${arg}.`);
    return done ? 0 : 1;
  }
  console.error(usage());
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => { console.error(`error: ${(e as Error).message}`); process.exit(1); });
}
