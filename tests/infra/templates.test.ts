// The committed templates and parameter files pass every offline check, and the naming scheme keeps
// every derived resource name within its Azure length and character rules for any valid slug.
import { promises as fs } from "node:fs";
import path from "node:path";
import { TENANT_SLUG, checkInfra, parseAll } from "./bicep-check";
import { REPO_ROOT, loadInfraSources } from "./infra-sources";
import { codeChildren, literal, properties, propertyKey, propertyValue } from "./bicep-syntax";
import type { Node } from "./bicep-grammar";
import type { BicepFile } from "./bicep-model";
import { formatFinding } from "./finding";

let main: BicepFile;
beforeAll(async () => {
  const { models } = await parseAll((await loadInfraSources()).files);
  main = models.get("infra/main.bicep")!;
});

test("the committed infra passes every check", async () => {
  const findings = await checkInfra(await loadInfraSources());
  expect(findings.map(formatFinding)).toEqual([]);
});

test("there are example tenants, each named by a valid slug", async () => {
  const tenants = (await fs.readdir(path.join(REPO_ROOT, "infra/tenants"))).filter((f) => f.endsWith(".bicepparam"));
  expect(tenants.length).toBeGreaterThanOrEqual(2);
  for (const t of tenants) expect(t.replace(/\.bicepparam$/, "")).toMatch(TENANT_SLUG);
});

test("outputs give the Tenant URL and resource names, and the Tenant URL matches host.json's empty route prefix", async () => {
  expect([...main.outputs.keys()].sort()).toEqual([
    "AZURE_FUNCTION_APP_NAME",
    "AZURE_KEY_VAULT_NAME",
    "AZURE_KEY_VAULT_URI",
    "AZURE_STORAGE_ACCOUNT_NAME",
    "SCIM_TENANT_SLUG",
    "SCIM_TENANT_URL",
  ]);
  const host = JSON.parse(await fs.readFile(path.join(REPO_ROOT, "host.json"), "utf8")) as { extensions: { http: { routePrefix: string } } };
  expect(host.extensions.http.routePrefix).toBe("");
  const app = await fs.readFile(path.join(REPO_ROOT, "infra/modules/app.bicep"), "utf8");
  expect(app).toContain("output tenantUrl string = 'https://${site.properties.defaultHostName}/scim/v2'");
});

/** Evaluates main.bicep's `names` entries for a slug: interpolations of slug-derived vars and take(). */
function evaluateNames(slug: string): Record<string, string> {
  const hash = "abcdefghijklm"; // uniqueString() is always 13 lowercase letters and digits
  const values: Record<string, string> = { tenantSlug: slug, compactSlug: slug.replace(/-/g, ""), suffix: hash, vaultSuffix: hash };
  const evaluate = (n: Node): string => {
    if (n.type === "identifier" && n.text in values) return values[n.text]!;
    if (n.type === "call_expression" && n.childForFieldName("function")?.text === "take") {
      const [s, count] = codeChildren(n.childForFieldName("arguments")!);
      return evaluate(s!).slice(0, Number(literal(count)));
    }
    if (n.type === "string")
      return codeChildren(n)
        .map((p) => (p.type === "interpolation" ? evaluate(codeChildren(p)[0]!) : p.text))
        .join("");
    throw new Error(`cannot evaluate ${n.text}`);
  };
  const names = codeChildren(main.vars.get("names")!).find((c) => c.type === "object")!;
  return Object.fromEntries(properties(names).map((p) => [propertyKey(p)!, evaluate(propertyValue(p)!)]));
}

const RULES: Record<string, RegExp> = {
  identity: /^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/,
  storage: /^[a-z0-9]{3,24}$/,
  keyVault: /^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/,
  logAnalytics: /^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/,
  appInsights: /^[^%&\\?/]{1,260}$/,
  plan: /^[A-Za-z0-9-]{1,60}$/,
  functionApp: /^(?!.*--)[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$/,
};

test.each(["abc", "contoso", "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o9", "northwindtraderseuropewest2026", "x1-y2"])(
  "every derived name is valid for slug '%s'",
  (slug) => {
    expect(slug).toMatch(TENANT_SLUG);
    const names = evaluateNames(slug);
    expect(Object.keys(names).sort()).toEqual(Object.keys(RULES).sort());
    for (const [resource, name] of Object.entries(names)) expect({ resource, name, ok: RULES[resource]!.test(name) }).toEqual({ resource, name, ok: true });
  },
);

test("the slug rule rejects what would break a name", () => {
  for (const bad of ["ab", "Contoso", "1contoso", "contoso-", "con--toso", "con_toso", "a".repeat(31)]) expect(bad).not.toMatch(TENANT_SLUG);
});
