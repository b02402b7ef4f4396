// Entry point of the webhook CLI: npm run webhooks -- add|list|show|rotate-secret|disable|enable|remove|
// replay|dead-letters|test … (commands in webhook-commands.ts). Wires argv, console and the service the
// composition root builds from the environment (or, locally, npm start's Azurite); holds no command logic.
// A replay or enable nudges the dispatcher: in-process (locally) the deliveries run in this process, so it
// waits for them before exiting; with the queue they run in the Functions app.
import { createService, settingsFromEnvironment } from "../shared/root";
import { withLocalStorage } from "./local-storage";
import { Io, main } from "./webhook-commands";

const io: Io = { out: (line) => console.log(line), err: (line) => console.error(line) };
Promise.resolve()
  .then(async () => {
    const service = createService(await withLocalStorage(settingsFromEnvironment()));
    const code = await main(process.argv.slice(2), io, service);
    await service.dispatcher.close();
    return code;
  })
  .then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
