// Entry point of the credential CLI: npm run credentials -- <noun> <verb> … (commands, options and parser
// in credential-commands.ts). Wires argv, console and settings; holds no command logic. The deployment
// runs the built dist/scripts/credentials.js (infra/scripts/mint-first-credential.sh) as
// `token create --tenant <t> --label entra --handover-secret <kv-name>`, so this path is part of the contract.
import { config, loadConfig } from "../shared/config";
import { credentialStore } from "../shared/auth/credentials";
import { createStaticToken } from "../shared/auth/lifecycle";
import { TokenRecord } from "../shared/auth/records";
import { Io, main } from "./credential-commands";

export { main, usage } from "./credential-commands";

/** Creates a static token credential; returns the token (the only time it exists in clear). */
export async function createToken(tenant: string, label: string, expiresInDays?: number): Promise<{ token: string; record: TokenRecord }> {
  return createStaticToken(credentialStore(config()), { tenant, label, expiresInDays });
}

if (require.main === module) {
  const io: Io = { out: (line) => console.log(line), err: (line) => console.error(line) };
  Promise.resolve()
    .then(() => main(process.argv.slice(2), io, loadConfig(process.env)))
    .then((code) => process.exit(code), (e) => { console.error(`error: ${(e as Error).message}`); process.exit(1); });
}
