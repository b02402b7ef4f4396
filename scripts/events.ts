// Entry point of the events CLI: npm run events -- tail … (commands in events-commands.ts). Wires argv,
// console, Ctrl-C and the defaults npm start leaves behind (its port, .local/dev-events-token); holds no
// command logic.
import { readFileSync } from "node:fs";
import { environmentValue } from "../shared/root";
import { Io, main } from "./events-commands";

function devEventsToken(): string | undefined {
  try {
    return readFileSync(".local/dev-events-token", "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

const io: Io = { out: (line) => console.log(line), err: (line) => console.error(line) };
const stop = new AbortController();
process.on("SIGINT", () => stop.abort());
const token = devEventsToken();
main(process.argv.slice(2), io, {
  defaultUrl: `http://127.0.0.1:${environmentValue("PORT") ?? "7071"}`,
  ...(token ? { defaultToken: token } : {}),
  signal: stop.signal,
}).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
