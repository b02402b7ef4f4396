// Reads the repository's infra files and the app's settings from disk into the checker's input.
import { promises as fs } from "node:fs";
import path from "node:path";
import type { InfraSources } from "./bicep-check";
import { settingsReadByCode } from "./app-settings";

export const REPO_ROOT = path.resolve(__dirname, "../..");

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else if (/\.(bicep|bicepparam)$|\.parameters\.json$/.test(e.name)) out.push(full);
  }
  return out;
}

export async function loadInfraSources(root = REPO_ROOT): Promise<InfraSources> {
  const files = new Map<string, string>();
  for (const full of (await walk(path.join(root, "infra"))).sort())
    files.set(path.relative(root, full).split(path.sep).join("/"), await fs.readFile(full, "utf8"));
  return { files, settingsRead: await settingsReadByCode(root) };
}
