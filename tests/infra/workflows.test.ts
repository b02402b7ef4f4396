// The pipeline files agree with the templates and with the deployment rules: OIDC only, one package
// built once, what-if before create, per-tenant isolation, every output the pipeline reads exists.
// Text-level checks (no YAML parser in the dev dependencies); Actions itself validates the syntax.
import { promises as fs } from "node:fs";
import path from "node:path";
import { REPO_ROOT, loadInfraSources } from "./infra-sources";
import { parseAll } from "./bicep-check";
import { literal } from "./bicep-syntax";

const read = (file: string) => fs.readFile(path.join(REPO_ROOT, file), "utf8");
/** YAML without comment lines or trailing comments, so prose cannot satisfy or break a check. */
const code = (yaml: string) => yaml.split("\n").map((l) => l.replace(/(^|\s)#.*$/, "")).join("\n");

let deploy: string;
let ci: string;
let azd: string;
let outputs: string[];
let nodeVersion: unknown;
beforeAll(async () => {
  [deploy, ci, azd] = (await Promise.all([read(".github/workflows/deploy.yml"), read(".github/workflows/ci.yml"), read("azure.yaml")])).map(code) as [string, string, string];
  const { models } = await parseAll((await loadInfraSources()).files);
  const main = models.get("infra/main.bicep")!;
  outputs = [...main.outputs.keys()];
  nodeVersion = literal(main.params.get("nodeVersion")?.defaultValue);
});

describe("deploy.yml", () => {
  test("logs in to Azure with OIDC and stores no Azure secret", () => {
    expect(deploy).toMatch(/uses: azure\/login@v2/);
    expect(deploy).toMatch(/id-token: write/);
    expect(deploy).toMatch(/client-id: \$\{\{ vars\.AZURE_CLIENT_ID \}\}/);
    expect(deploy).not.toMatch(/secrets\./);
    expect(deploy).not.toMatch(/creds:|client-secret|publish-profile/);
  });

  test("builds the package once and deploys that artifact to every tenant", () => {
    const build = deploy.slice(deploy.indexOf("  build:"), deploy.indexOf("  tenants:"));
    for (const step of ["npm ci", "npm test", "npm run build", "npm prune --omit=dev", "zip -qr app.zip host.json package.json dist node_modules", "actions/upload-artifact@v4"])
      expect(build).toContain(step);
    const job = deploy.slice(deploy.indexOf("  deploy:"));
    expect(job).toContain("actions/download-artifact@v4");
    expect(job).not.toContain("npm run build");
  });

  test("runs one independent, serialised job per tenant file, with a branch OIDC subject", () => {
    expect(deploy).toMatch(/find infra\/tenants -name '\*\.bicepparam'/);
    expect(deploy).toMatch(/fail-fast: false/);
    expect(deploy).toMatch(/tenant: \$\{\{ fromJSON\(needs\.tenants\.outputs\.list\) \}\}/);
    expect(deploy).toMatch(/group: deploy-tenant-\$\{\{ matrix\.tenant \}\}/);
    expect(deploy).not.toMatch(/^\s+environment:/m);
  });

  test("previews with what-if before it deploys, then deploys code, smoke-tests and mints the first credential", () => {
    const order = ["az deployment group what-if", "az deployment group create", "Azure/functions-action@v1", "infra/scripts/smoke-test.sh", "infra/scripts/mint-first-credential.sh"];
    const at = order.map((s) => deploy.indexOf(s));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(deploy).toMatch(/sku: flexconsumption/);
  });

  test("reads only outputs the template declares", () => {
    const read = [...deploy.matchAll(/jq -r \.([A-Za-z_]+)\.value/g)].map((m) => m[1]);
    expect(read.length).toBeGreaterThan(0);
    for (const name of read) expect(outputs).toContain(name);
  });
});

describe("ci.yml", () => {
  test("runs the tests, and builds and lints every template and parameter file with the real Bicep CLI", () => {
    for (const s of ["npm ci", "npm test", "az bicep build --file", "az bicep lint --file", "az bicep build-params --file", "find infra -name '*.bicep'", "find infra -name '*.bicepparam'"])
      expect(ci).toContain(s);
  });
});

describe("azure.yaml", () => {
  test("deploys the repo root as a TypeScript function app from infra/main.bicep", () => {
    expect(azd).toMatch(/services:\n\s+api:\n\s+project: \.\n\s+language: ts\n\s+host: function/);
    expect(azd).toMatch(/infra:\n\s+provider: bicep\n\s+path: infra\n\s+module: main/);
  });

  test("its hooks use only environment values the template outputs (or azd sets)", () => {
    const azdOwn = ["AZURE_ENV_NAME", "AZURE_LOCATION", "AZURE_SUBSCRIPTION_ID", "AZURE_PRINCIPAL_ID", "AZURE_PRINCIPAL_TYPE", "AZURE_RESOURCE_GROUP"];
    for (const [, name] of azd.matchAll(/\$\{?([A-Z_]+)\}?/g)) expect([...outputs, ...azdOwn]).toContain(name);
  });
});

test("the workflows' Node.js matches the template's runtime and package.json engines", async () => {
  const pkg = JSON.parse(await read("package.json")) as { engines: { node: string }; main: string };
  expect(pkg.engines.node).toContain(String(nodeVersion));
  expect(pkg.main.startsWith("dist/")).toBe(true);
  for (const yaml of [deploy, ci]) for (const [, v] of yaml.matchAll(/node-version: (\S+)/g)) expect(v).toBe(String(nodeVersion));
});

test("the pipeline identity may assign exactly the roles the templates assign", async () => {
  const condition = await read("infra/pipeline-role-condition.txt");
  const guid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
  const { files } = await loadInfraSources();
  const assigned = new Set([...files].filter(([f]) => f.endsWith(".bicep")).flatMap(([, text]) => text.match(guid) ?? []));
  const blocks = condition.split(/\)\s*AND\s*\(/);
  expect(blocks).toHaveLength(2);
  for (const block of blocks) expect(new Set(block.match(guid))).toEqual(assigned);
});

test("the app features the pipeline relies on exist: the built credential CLI with --handover-secret, and the probed routes", async () => {
  // deploy.yml runs dist/scripts/credentials.js from the package, so scripts/ must be compiled into dist/.
  const tsconfig = JSON.parse(await read("tsconfig.json")) as { compilerOptions: { outDir: string; rootDir: string }; include: string[] };
  expect(tsconfig.compilerOptions).toMatchObject({ outDir: "dist", rootDir: "." });
  expect(tsconfig.include).toContain("scripts/**/*.ts");
  const cli = await read("scripts/credentials.ts");
  expect(cli).toMatch(/token create --tenant <t>.*--handover-secret/);
  // smoke-test.sh probes these routes.
  const routes = await read("shared/http/routes.ts");
  for (const route of ["`${SCIM}/ServiceProviderConfig`", "`${SCIM}/Users`", '"health"']) expect(routes).toContain(`route: ${route}`);
});
