// Entry point of the credential CLI: npm run credentials -- <noun> <verb> … (commands, options and parser
// in credential-commands.ts). Wires argv, console and the service the composition root builds from the
// environment; holds no command logic. The deployment runs the built dist/scripts/credentials.js
// (infra/scripts/mint-first-credential.sh) as `token create --tenant <t> --label entra --handover-secret
// <kv-name>`, so this path is part of the contract.
import { createService, settingsFromEnvironment } from "../shared/root";
import { Io, main } from "./credential-commands";

const io: Io = { out: (line) => console.log(line), err: (line) => console.error(line) };
Promise.resolve()
  .then(() => main(process.argv.slice(2), io, createService(settingsFromEnvironment())))
  .then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
