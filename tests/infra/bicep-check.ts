// The offline infra checker: parses every template and parameter file, then runs the syntax,
// resolution, cross-file, policy, app-settings, event-queue and tenant-naming checks. Input is an in-memory file
// map, so tests can feed it deliberately broken copies; no compiler, no network.
import path from "node:path";
import { bicepParser, syntaxFindings } from "./bicep-grammar";
import { BicepFile, readModel } from "./bicep-model";
import { resolveFile } from "./bicep-resolve";
import { moduleFindings, paramFileFindings, parametersJsonFindings } from "./bicep-links";
import { policyFindings, requiredResourceFindings } from "./bicep-policy";
import { appSettingsFindings } from "./app-settings";
import { eventQueueFindings } from "./event-queue";
import { literal } from "./bicep-syntax";
import { Finding, at } from "./finding";

export interface InfraSources {
  /** Repo-relative posix path → text: infra/**\/*.bicep, *.bicepparam, *.parameters.json. */
  files: Map<string, string>;
  /** Setting names the app reads (see settingsReadByCode). */
  settingsRead: string[];
}

/** Tenant slug: see docs/deploy.md, "Naming". */
export const TENANT_SLUG = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,28}[a-z0-9]$/;

/** `.bicepparam` assignments do not parse as `param x = v`; `var` keeps every column in place. */
function asParsable(text: string): { text: string; rows: Set<number> } {
  const rows = new Set<number>();
  const lines = text.split("\n").map((line, row) => {
    const m = /^(\s*)param(\s+[A-Za-z_][A-Za-z0-9_]*\s*=)/.exec(line);
    if (!m) return line;
    rows.add(row);
    return `${m[1]!}var  ${line.slice(m[0].length - m[2]!.length)}`;
  });
  return { text: lines.join("\n"), rows };
}

export async function parseAll(files: Map<string, string>): Promise<{ models: Map<string, BicepFile>; findings: Finding[] }> {
  const parser = await bicepParser();
  const models = new Map<string, BicepFile>();
  const findings: Finding[] = [];
  for (const [file, text] of files) {
    const kind = file.endsWith(".bicep") ? "bicep" : file.endsWith(".bicepparam") ? "bicepparam" : undefined;
    if (!kind) continue;
    const source = kind === "bicepparam" ? asParsable(text) : { text, rows: new Set<number>() };
    const tree = parser.parse(source.text);
    findings.push(...syntaxFindings(file, tree));
    models.set(file, readModel(file, kind, source.text, tree, source.rows));
  }
  return { models, findings };
}

function tenantFindings(f: BicepFile): Finding[] {
  const expected = path.posix.basename(f.path, ".bicepparam");
  const out: Finding[] = [];
  if (!TENANT_SLUG.test(expected)) out.push(at(f.path, f.tree.rootNode, "tenant-slug", `file name '${expected}' is not a valid tenant slug`));
  const slug = f.assignments.get("tenantSlug");
  if (literal(slug?.value) !== expected) out.push(at(f.path, slug?.node ?? f.tree.rootNode, "tenant-slug", `tenantSlug must be '${expected}' (the file name)`));
  return out;
}

export async function checkInfra(src: InfraSources): Promise<Finding[]> {
  const { models, findings } = await parseAll(src.files);
  const templates = [...models.values()].filter((m) => m.kind === "bicep");
  for (const f of models.values()) {
    const resolution = resolveFile(f);
    findings.push(...resolution.findings);
    if (f.kind === "bicep") findings.push(...moduleFindings(f, models, resolution.moduleOutputReads), ...policyFindings(f));
    else findings.push(...paramFileFindings(f, models));
    if (f.kind === "bicepparam" && f.path.startsWith("infra/tenants/")) findings.push(...tenantFindings(f));
  }
  for (const [file, text] of src.files) if (file.endsWith(".parameters.json")) findings.push(...parametersJsonFindings(file, text, models));
  findings.push(...appSettingsFindings(templates, src.settingsRead));
  if (src.files.has("infra/main.bicep")) findings.push(...requiredResourceFindings(templates), ...eventQueueFindings(templates));
  return findings;
}
