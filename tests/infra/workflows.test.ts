// The pipeline files agree with the templates and with the deployment rules: OIDC only, one package
// built once, what-if before create, per-tenant isolation, every output the pipeline reads exists.
// Text-level checks (no YAML parser in the dev dependencies); Actions itself validates the syntax.
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";
import { REPO_ROOT, loadInfraSources } from "./infra-sources";
import { parseAll } from "./bicep-check";
import { literal } from "./bicep-syntax";

const read = (file: string) => fs.readFile(path.join(REPO_ROOT, file), "utf8");
/** YAML without comment lines or trailing comments, so prose cannot satisfy or break a check. */
const code = (yaml: string) =>
  yaml
    .split("\n")
    .map((l) => l.replace(/(^|\s)#.*$/, ""))
    .join("\n");

let deploy: string;
let ci: string;
let azd: string;
let outputs: string[];
let nodeVersion: unknown;
beforeAll(async () => {
  [deploy, ci, azd] = (await Promise.all([read(".github/workflows/deploy.yml"), read(".github/workflows/ci.yml"), read("azure.yaml")])).map(code) as [
    string,
    string,
    string,
  ];
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
    for (const step of [
      "npm ci",
      "npm test",
      "npm run build",
      "npm prune --omit=dev",
      "zip -qr app.zip host.json package.json node_modules dist/functions",
      "actions/upload-artifact@v4",
    ])
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
    const order = [
      "az deployment group what-if",
      "az deployment group create",
      "Azure/functions-action@v1",
      "infra/scripts/smoke-test.sh",
      "infra/scripts/mint-first-credential.sh",
    ];
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
    for (const s of [
      "npm ci",
      "npm test",
      "az bicep build --file",
      "az bicep lint --file",
      "az bicep build-params --file",
      "find infra -name '*.bicep'",
      "find infra -name '*.bicepparam'",
    ])
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
  // deploy.yml runs dist/scripts/credentials.js from the package: npm run build must bundle it there.
  const pkg = JSON.parse(await read("package.json")) as { main: string; scripts: Record<string, string> };
  expect(pkg.scripts.build).toBe("node scripts/build.mjs");
  const entries = JSON.parse(
    execFileSync(
      process.execPath,
      ["--input-type=module", "-e", "const { ENTRIES } = await import('./scripts/build.mjs'); console.log(JSON.stringify(ENTRIES));"],
      { cwd: REPO_ROOT, encoding: "utf8" },
    ),
  ) as Record<string, string>;
  expect(entries).toMatchObject({ "scripts/credentials": "scripts/credentials.ts", "functions/index": "functions/index.ts" });
  expect(pkg.main).toBe("dist/functions/index.js");
  expect(deploy).toContain("node $PWD/package/dist/scripts/credentials.js");
  const cli = await read("scripts/credentials.ts");
  expect(cli).toMatch(/token create --tenant <t>.*--handover-secret/);
  // smoke-test.sh probes these routes.
  const routes = await read("shared/http/routes.ts");
  for (const route of ["`${SCIM}/ServiceProviderConfig`", "`${SCIM}/Users`", '"health"']) expect(routes).toContain(`route: ${route}`);
});

/** Whether a gitignore-syntax file (.funcignore) keeps a path: the last matching rule wins, and nothing inside an ignored directory comes back. */
function keptBy(ignoreFile: string): (file: string) => boolean {
  const rules = ignoreFile
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((line) => {
      const negated = line.startsWith("!");
      let glob = negated ? line.slice(1) : line;
      const dirOnly = glob.endsWith("/");
      if (dirOnly) glob = glob.slice(0, -1);
      const anchored = glob.includes("/");
      if (glob.startsWith("/")) glob = glob.slice(1);
      const body = glob
        .split("")
        .map((c) => (c === "*" ? "[^/]*" : c === "?" ? "[^/]" : /[\\^$.|+()[\]{}]/.test(c) ? `\\${c}` : c))
        .join("");
      return { negated, dirOnly, re: new RegExp(`${anchored ? "^" : "(^|/)"}${body}$`) };
    });
  const ignored = (p: string, isDir: boolean) => rules.reduce((state, r) => (r.re.test(p) && (isDir || !r.dirOnly) ? !r.negated : state), false);
  return (file) => {
    const parts = file.split("/");
    for (let i = 1; i < parts.length; i++) if (ignored(parts.slice(0, i).join("/"), true)) return false;
    return !ignored(file, false);
  };
}

describe("the deployment package", () => {
  const shipped = [
    "host.json",
    "package.json",
    "dist/functions/index.js",
    "dist/functions/index.js.map",
    "dist/functions/azure-identity.js",
    "dist/functions/azure-keyvault-secrets.js",
    "dist/functions/azure-storage-queue.js",
    "dist/scripts/credentials.js",
    "node_modules/@azure/functions/dist/azure-functions.js",
    "node_modules/@azure/functions/package.json",
  ];
  const local = [
    "dist/bench/run.js",
    "dist/bench/cold-start/runner.js",
    "dist/scripts/start.js",
    "dist/scripts/start.js.map",
    "dist/tests/http/smoke.test.js",
    "dist/shared/config.js",
    "tests/hosts/bundle.test.ts",
    "bench/run.ts",
    "shared/config.ts",
    "functions/index.ts",
    "scripts/build.mjs",
    "scripts/credentials.ts",
    "infra/main.bicep",
    "docs/performance.md",
    "local.settings.json",
    ".github/workflows/deploy.yml",
    "README.md",
    "tsconfig.json",
  ];

  test("as func and azd build it (.funcignore): the Functions bundles, the credential CLI and production node_modules only", async () => {
    const kept = keptBy(await read(".funcignore"));
    const pkg = JSON.parse(await read("package.json")) as { main: string };
    for (const file of [...shipped, pkg.main]) expect([file, kept(file)]).toEqual([file, true]);
    for (const file of local) expect([file, kept(file)]).toEqual([file, false]);
  });

  test("as deploy.yml zips it: the same files", async () => {
    const zip = /zip -qr app\.zip (.+)/.exec(deploy)![1]!.trim().split(/\s+/);
    const zipped = (file: string) => zip.some((p) => file === p || file.startsWith(`${p}/`));
    const pkg = JSON.parse(await read("package.json")) as { main: string };
    for (const file of [...shipped, pkg.main]) expect([file, zipped(file)]).toEqual([file, true]);
    for (const file of local) expect([file, zipped(file)]).toEqual([file, false]);
  });
});
