// Which settings the code reads, which of them are local-only, and the check that the template's app
// settings set every other one, identity-based, and nothing Flex Consumption rejects.
import { promises as fs } from "node:fs";
import path from "node:path";
import type { BicepFile } from "./bicep-model";
import { codeChildren, literal, properties, property, propertyKey, propertyKeyNode, propertyPath, propertyValue } from "./bicep-syntax";
import type { Node } from "./bicep-grammar";
import { Finding, at } from "./finding";

/** Read by the code but never set on Azure, each with the reason. */
export const LOCAL_ONLY_SETTINGS: Readonly<Record<string, string>> = {
  FUNCTIONS_WORKER_RUNTIME: "Core Tools needs it; Flex Consumption rejects it (the runtime is functionAppConfig.runtime)",
  AzureWebJobsStorage: "an Azurite connection string; on Azure the host reaches storage by identity (AzureWebJobsStorage__*)",
  SCIM_STORAGE_CONNECTION_STRING: "Azurite; on Azure the table is reached by endpoint and identity (SCIM_STORAGE_TABLE_ENDPOINT)",
  SCIM_LOCAL_CREDENTIALS_FILE: "the local file credential store; on Azure credentials live in Key Vault (SCIM_KEY_VAULT_URI)",
  SCIM_EVENT_SWEEP_SECONDS: "npm start's in-process sweeper; on Azure the timer trigger runs it on SCIM_EVENT_SWEEP_SCHEDULE",
};

/** Deprecated or rejected on Flex Consumption (runtime and deployment live in functionAppConfig). */
export const FLEX_REJECTED_SETTINGS = [
  "FUNCTIONS_WORKER_RUNTIME",
  "FUNCTIONS_EXTENSION_VERSION",
  "WEBSITE_RUN_FROM_PACKAGE",
  "WEBSITE_CONTENTSHARE",
  "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
  "SCM_DO_BUILD_DURING_DEPLOYMENT",
  "ENABLE_ORYX_BUILD",
  "WEBSITE_NODE_DEFAULT_VERSION",
];

/** Platform settings the stamp must set for identity-based host storage and telemetry. */
export const REQUIRED_PLATFORM_SETTINGS = [
  "AzureWebJobsStorage__credential",
  "AzureWebJobsStorage__clientId",
  "APPLICATIONINSIGHTS_CONNECTION_STRING",
  "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
  "AZURE_CLIENT_ID",
];
const HOST_STORAGE_LOCATION = ["AzureWebJobsStorage__accountName", "AzureWebJobsStorage__blobServiceUri"];
const PLATFORM_PREFIXES = ["AzureWebJobsStorage__"];

/** Setting names in local.settings.sample.json plus those the app code names as string literals. */
export async function settingsReadByCode(repoRoot: string): Promise<string[]> {
  const sample = JSON.parse(await fs.readFile(path.join(repoRoot, "local.settings.sample.json"), "utf8")) as { Values: Record<string, string> };
  const names = new Set(Object.keys(sample.Values));
  for (const dir of ["shared", "functions"]) {
    for (const file of await tsFiles(path.join(repoRoot, dir))) {
      const text = await fs.readFile(file, "utf8");
      for (const m of text.matchAll(/["'`]((?:SCIM|AZURE|APPLICATIONINSIGHTS)_[A-Z0-9_]+)["'`]/g)) names.add(m[1]!);
      for (const m of text.matchAll(/process\.env\.([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
    }
  }
  return [...names].sort();
}

async function tsFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await tsFiles(full)));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

interface SettingsBlock {
  file: string;
  node: Node;
  settings: Map<string, { key: Node; value?: Node }>;
}

/** `Microsoft.Web/sites/config` named appsettings, and `siteConfig.appSettings` arrays. */
function settingsBlocks(files: BicepFile[]): SettingsBlock[] {
  const out: SettingsBlock[] = [];
  for (const f of files) {
    for (const r of f.allResources) {
      if (r.existing) continue;
      const type = r.type.toLowerCase();
      if (type === "microsoft.web/sites/config" && literal(property(r.body, "name")) === "appsettings") {
        const obj = property(r.body, "properties");
        const settings = new Map<string, { key: Node; value?: Node }>();
        for (const p of obj?.type === "object" ? properties(obj) : []) {
          const k = propertyKey(p);
          if (k) settings.set(k, { key: propertyKeyNode(p)!, value: propertyValue(p) });
        }
        out.push({ file: f.path, node: obj ?? r.node, settings });
      }
      const list = type === "microsoft.web/sites" ? propertyPath(r.body, "properties.siteConfig.appSettings") : undefined;
      if (list?.type === "array") {
        const settings = new Map<string, { key: Node; value?: Node }>();
        for (const item of codeChildren(list)) {
          const k = literal(property(item, "name"));
          if (typeof k === "string") settings.set(k, { key: item, value: property(item, "value") });
        }
        out.push({ file: f.path, node: list, settings });
      }
    }
  }
  return out;
}

export function appSettingsFindings(files: BicepFile[], settingsRead: string[]): Finding[] {
  const sites = files.flatMap((f) => f.allResources.filter((r) => !r.existing && r.type.toLowerCase() === "microsoft.web/sites").map((r) => ({ f, r })));
  if (sites.length === 0) return [];
  const blocks = settingsBlocks(files);
  const first = blocks[0] ?? { file: sites[0]!.f.path, node: sites[0]!.r.node, settings: new Map() };
  const set = new Map<string, { file: string; key: Node; value?: Node }>();
  for (const b of blocks) for (const [k, v] of b.settings) set.set(k, { file: b.file, ...v });

  const out: Finding[] = [];
  const expected = [...new Set([...settingsRead.filter((s) => !(s in LOCAL_ONLY_SETTINGS)), ...REQUIRED_PLATFORM_SETTINGS])];
  for (const name of expected)
    if (!set.has(name)) out.push(at(first.file, first.node, "app-setting-missing", `app setting '${name}' is read by the app but not set`));
  if (!HOST_STORAGE_LOCATION.some((n) => set.has(n)))
    out.push(at(first.file, first.node, "app-setting-missing", `host storage needs one of ${HOST_STORAGE_LOCATION.join(", ")}`));

  for (const [name, s] of set) {
    if (name in LOCAL_ONLY_SETTINGS) out.push(at(s.file, s.key, "app-setting-local-only", `'${name}' is local-only: ${LOCAL_ONLY_SETTINGS[name]!}`));
    else if (FLEX_REJECTED_SETTINGS.includes(name)) out.push(at(s.file, s.key, "app-setting-flex", `'${name}' is rejected or ignored on Flex Consumption`));
    else if (!expected.includes(name) && !PLATFORM_PREFIXES.some((p) => name.startsWith(p)))
      out.push(at(s.file, s.key, "app-setting-unknown", `'${name}' is set but nothing reads it (typo?)`));
  }
  const credential = set.get("AzureWebJobsStorage__credential");
  if (credential && literal(credential.value) !== "managedidentity")
    out.push(at(credential.file, credential.value, "app-setting-identity", "AzureWebJobsStorage__credential must be 'managedidentity'"));
  const auth = set.get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING");
  if (auth && !/Authorization=AAD/.test(auth.value?.text ?? ""))
    out.push(at(auth.file, auth.value, "app-setting-identity", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING must use Authorization=AAD"));
  return out;
}
