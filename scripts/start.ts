// npm start: Azurite (unless a Table Storage is configured), the table, a development credential,
// then the local host on 127.0.0.1:7071 (PORT overrides) and the event sweeper (every
// SCIM_EVENT_SWEEP_SECONDS). Prints the Tenant URL and token for Entra, and the Events API's URL and token.
import { promises as fs } from "node:fs";
import path from "node:path";
import net from "node:net";
import { freePort, startAzurite, stopAzurite } from "./azurite";
import { writeLocalStorage } from "./local-storage";
import { createService, environmentValue, settingsFromEnvironment } from "../shared/root";
import { startLocalHost } from "../shared/http/local-host";
import { createStaticToken } from "../shared/auth/lifecycle";
import type { TokenScope } from "../shared/auth/records";
import { startSweeper } from "../shared/events/jobs";

const DEV_TENANT = environmentValue("SCIM_DEV_TENANT") ?? "dev";
const AZURITE_PORT = Number(environmentValue("AZURITE_TABLE_PORT") ?? 10002);

async function main(): Promise<void> {
  let settings = settingsFromEnvironment();
  let azurite: Awaited<ReturnType<typeof startAzurite>> | undefined;
  if (!settings.storageConnectionString && !settings.storageTableEndpoint) {
    const location = path.resolve(".azurite");
    await fs.mkdir(location, { recursive: true });
    // 10002 is what UseDevelopmentStorage=true expects; when it is taken, any free port will do.
    const port = (await portIsFree(AZURITE_PORT)) ? AZURITE_PORT : await freePort();
    azurite = await startAzurite({ port, location });
    settings = { ...settings, storageConnectionString: azurite.connectionString };
    // The tenant CLI finds this Azurite through the file while npm start runs (scripts/local-storage.ts).
    await writeLocalStorage(azurite.connectionString);
    console.log(`Azurite (Table) on 127.0.0.1:${azurite.port}, data in ${location}`);
  }
  const service = createService(settings);
  await service.store.ready(); // fails here, with the reason, if the configured storage is unreachable
  const host = await startLocalHost(service.pipeline, {
    port: Number(environmentValue("PORT") ?? 7071),
    maxBodyBytes: settings.maxBodyBytes,
    onError: (line) => console.error(line),
  });

  // What a lost nudge or a failed delivery left is picked up here, as the timer trigger does on Azure.
  const sweeper = startSweeper(service.eventJobs, settings.eventSweepSeconds, service.log);

  // Development tokens are kept in .local/ so restarts print the same ones.
  const keptToken = async (file: string, scope: TokenScope, label: string): Promise<string> => {
    const tokenFile = path.resolve(file);
    const kept = await fs.readFile(tokenFile, "utf8").then(
      (t) => t.trim(),
      () => "",
    );
    const id = /^sft_([0-9a-f]{16})\./.exec(kept)?.[1];
    const existing = id ? await service.credentials.get(id) : undefined;
    if (existing?.kind === "token" && !existing.revokedAt && existing.tenant === DEV_TENANT && (existing.scope ?? "scim") === scope) return kept;
    const token = (await createStaticToken(service.credentials, { tenant: DEV_TENANT, label, scope })).token;
    await fs.mkdir(path.dirname(tokenFile), { recursive: true });
    await fs.writeFile(tokenFile, token + "\n", { mode: 0o600 });
    return token;
  };
  const token = await keptToken(".local/dev-token", "scim", "development (npm start)");
  const eventsToken = await keptToken(".local/dev-events-token", "events", "development events (npm start)");

  console.log("");
  console.log(`SCIM endpoint ready (tenant '${DEV_TENANT}', credentials in ${service.credentials.description})`);
  console.log(`  Tenant URL:   ${host.url}/scim/v2`);
  console.log(`  Secret Token: ${token}`);
  console.log(`  Try:          curl -H "Authorization: Bearer ${token}" "${host.url}/scim/v2/Users?filter=userName%20eq%20%22x%22"`);
  console.log(`  Status page:  npm run admin -- link --tenant ${DEV_TENANT} (prints a link to ${host.url}/operator)`);
  console.log(`  OAuth:        Token Endpoint ${host.url}/oauth2/token; make a client with npm run credentials -- client create --tenant ${DEV_TENANT}`);
  console.log(`  Events API:   ${host.url}/events`);
  console.log(`  Events Token: ${eventsToken}`);
  console.log(`  Try:          curl -H "Authorization: Bearer ${eventsToken}" "${host.url}/events?wait=20"`);
  console.log("");

  const stop = async () => {
    await sweeper.stop();
    await service.dispatcher.close();
    await service.activity.close().catch(() => undefined); // the last seconds of activity; storage may already be gone
    await host.close();
    await stopAzurite(azurite?.child);
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

main().catch((e: unknown) => {
  console.error(`npm start failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
