// The reference consumer as a program: mirrors a tenant's directory into a JSON file and keeps it in step
// (README.md beside this file). Flags only; what it does is in sync.ts, mirror.ts and webhooks.ts.
//   node dist/examples/mirror/main.js [--url http://127.0.0.1:7071] [--token <events token>] [--state mirror.json]
//                                     [--webhook-port <n> --webhook-secret whsec_…]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { directoryOf } from "./mirror";
import { Sync, jsonFileStore } from "./sync";
import { startWebhookReceiver } from "./webhooks";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: "string", default: "http://127.0.0.1:7071" },
      token: { type: "string" },
      state: { type: "string", default: "mirror.json" },
      "webhook-port": { type: "string" },
      "webhook-secret": { type: "string" },
    },
    strict: true,
  });
  // npm start keeps an events token for its development tenant here.
  const token = values.token ?? readFileSync(".local/dev-events-token", "utf8").trim();
  const api = { url: values.url, token };
  const sync = await Sync.open(api, jsonFileStore(values.state));
  const counts = () => {
    const d = directoryOf(sync.mirror);
    return `${d.users.length} users, ${d.groups.length} groups, ${d.groups.reduce((n, g) => n + g.memberIds.length, 0)} memberships`;
  };
  console.log(`Mirror in ${values.state}: ${counts()}; following ${api.url}/events from ${sync.mirror.cursor ?? "the start"}.`);

  const log = (via: string) => (e: { sequence: number; type: string; data: { id: string } }) => console.log(`${via} #${e.sequence} ${e.type} ${e.data.id}`);
  const port = values["webhook-port"];
  if (port !== undefined) {
    const secret = values["webhook-secret"];
    if (!secret) throw new Error("--webhook-port needs --webhook-secret (the endpoint's whsec_… secret)");
    const receiver = await startWebhookReceiver({ port: Number(port), secret, sync, onEvent: log("webhook") });
    console.log(`Receiving webhooks on ${receiver.url}`);
  }
  const stop = new AbortController();
  process.on("SIGINT", () => stop.abort());
  await sync.follow(api, {
    signal: stop.signal,
    onEvent: log("api"),
    onRetry: (e, n) => console.error(`retry ${n}: ${e instanceof Error ? e.message : String(e)}`),
  });
  console.log(`Stopped: ${counts()}.`);
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(`mirror: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
