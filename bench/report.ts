// Bench output: Markdown tables, the machine notes, and docs/performance.md, where each scenario group
// owns one section between markers (<!-- bench:<id>:start --> … <!-- bench:<id>:end -->) so a run of
// one group never overwrites another's results.
import os from "node:os";
import { existsSync, promises as fs, readFileSync } from "node:fs";
import path from "node:path";

export function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.map(String).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function machineNotes(extra: string[] = []): string {
  const cpus = os.cpus();
  let azurite = "unknown";
  try {
    azurite = (JSON.parse(readFileSync(require.resolve("azurite/package.json"), "utf8")) as { version: string }).version;
  } catch {
    /* reported as unknown */
  }
  // scripts/azurite.ts preloads this when present: point lookups by RowKey index, as on the real service.
  const indexed = existsSync(path.resolve(__dirname, "..", "..", "scripts", "azurite-indexed-lookups.cjs"));
  return [
    `- Date: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    `- Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown CPU"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
    `- Load average when written: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(", ")} (anything else running on the box competes for the same cores)`,
    `- Node ${process.version}; Azurite ${azurite} (Table, in memory, telemetry off${indexed ? ", point lookups and range pages indexed by scripts/azurite-indexed-lookups.cjs" : ""}) on loopback; the local host (node:http) in the bench's process`,
    ...extra.map((e) => `- ${e}`),
  ].join("\n");
}

const marker = (id: string, edge: "start" | "end") => `<!-- bench:${id}:${edge} -->`;

const HEADER = `# Performance

Measured by \`npm run bench\` (\`bench/run.ts\`): its own in-memory Azurite and the local host, one
fresh tenant per data-set size. Round trips are the \`x-storage-round-trips\` header (Table Storage
requests made for one SCIM request). Latencies are client-side wall clock on loopback, with Azurite
as the store: they show shape and headroom, not Azure numbers (Azurite is single-process and not
built for speed). Each section is rewritten by the bench scenarios that own it.
`;

/** Replaces (or appends) one section of the performance document. */
export async function writeSection(file: string, id: string, markdown: string): Promise<void> {
  const existing = await fs.readFile(file, "utf8").catch(() => HEADER);
  const block = `${marker(id, "start")}\n${markdown.trim()}\n${marker(id, "end")}`;
  const start = existing.indexOf(marker(id, "start"));
  const end = existing.indexOf(marker(id, "end"));
  const next =
    start >= 0 && end > start ? existing.slice(0, start) + block + existing.slice(end + marker(id, "end").length) : `${existing.trimEnd()}\n\n${block}\n`;
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, next.endsWith("\n") ? next : `${next}\n`);
}
