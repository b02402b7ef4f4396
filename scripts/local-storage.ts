// npm start's embedded Azurite, for the CLIs that need storage (npm run tenant) while it runs: npm start
// writes the connection string to .local/azurite-connection-string; a CLI with no storage configured uses
// it. The file holds Azurite's well-known development key only, never an account's.
import { promises as fs } from "node:fs";
import path from "node:path";
import type { Config } from "../shared/config";

const FILE = path.resolve(".local/azurite-connection-string");

export async function writeLocalStorage(connectionString: string): Promise<void> {
  await fs.mkdir(path.dirname(FILE), { recursive: true });
  await fs.writeFile(FILE, connectionString + "\n", { mode: 0o600 });
}

/** The settings, with npm start's Azurite as the storage when none is configured and npm start left its file. */
export async function withLocalStorage(settings: Config): Promise<Config> {
  if (settings.storageConnectionString || settings.storageTableEndpoint) return settings;
  const text = await fs.readFile(FILE, "utf8").then(
    (t) => t.trim(),
    () => "",
  );
  return text ? { ...settings, storageConnectionString: text } : settings;
}
