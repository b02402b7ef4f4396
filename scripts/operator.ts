// Entry point of the operator CLI: npm run activity -- … and npm run admin -- link … (commands in
// operator-commands.ts). Wires argv, console and the service the composition root builds from the
// environment (or, locally, npm start's Azurite); holds no command logic.
import { createService, environmentValue, settingsFromEnvironment } from "../shared/root";
import { withLocalStorage } from "./local-storage";
import { Io, main } from "./operator-commands";

const io: Io = { out: (line) => console.log(line), err: (line) => console.error(line) };
Promise.resolve()
  .then(async () =>
    main(process.argv.slice(2), io, {
      ...createService(await withLocalStorage(settingsFromEnvironment())),
      localBaseUrl: `http://127.0.0.1:${environmentValue("PORT") ?? "7071"}`,
    }),
  )
  .then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
