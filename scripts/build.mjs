// npm run build: esbuild bundles each Node entry point into one CommonJS file (platform node, target
// node20, source map beside it). Deployed: dist/functions/ (package.json "main" and the SDK bundles it
// loads on first use) and dist/scripts/credentials.js (the pipeline mints the first credential with it).
// Local only: dist/scripts/tenant.js (npm run tenant: an operator sets a tenant's schema policy with the
// stamp's settings), dist/scripts/webhooks.js (npm run webhooks: a tenant's webhook endpoints),
// dist/scripts/events.js (npm run events: tail a running host's Events API), dist/scripts/operator.js (npm
// run activity, npm run admin), dist/examples/mirror/main.js (npm run mirror: the reference consumer),
// dist/scripts/start.js (npm start) and dist/bench/ (npm run bench). Plain ESM JavaScript, run by node as
// it is, so the build needs no build of its own; type-checking is `tsc --noEmit`'s job.
//   node scripts/build.mjs [--outdir <dir>] [--only functions/index,scripts/credentials]
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Output name (under the outdir, without .js) → source. */
export const ENTRIES = {
  "functions/index": "functions/index.ts",
  "scripts/credentials": "scripts/credentials.ts",
  "scripts/tenant": "scripts/tenant.ts",
  "scripts/webhooks": "scripts/webhooks.ts",
  "scripts/operator": "scripts/operator.ts",
  "scripts/start": "scripts/start.ts",
  "scripts/events": "scripts/events.ts",
  "examples/mirror/main": "examples/mirror/main.ts",
  "bench/run": "bench/run.ts",
};

// Every dependency is bundled (jose ships ES modules only; bundled, nothing depends on require(esm)),
// except:
// - @azure/functions: the Functions worker hands the library its runtime by answering
//   require("@azure/functions-core") (azure-functions-nodejs-worker, src/setupCoreModule.ts), which a
//   bundled copy would get too; but the library is one webpack file already, so bundling gains nothing
//   and the app keeps the real package in node_modules, as Microsoft's samples do.
// - azurite: a dev dependency that scripts/azurite.ts spawns by file path.
const EXTERNAL = ["@azure/functions", "azurite"];
// Outside the Functions entry, the Azure Monitor distro stays in node_modules too: the CLIs, npm start and
// the bench never start telemetry in practice, and bundled it would add ~6 MB to each of them.
const EXTERNAL_ELSEWHERE = ["@azure/monitor-opentelemetry"];

// For the Functions entry only: SDKs the code require()s where it first needs them (managed identity,
// Key Vault) get a bundle of their own beside index.js, and require("<package>") becomes
// require("./<file>"). Inside index.js they would be compiled on every cold start, needed or not
// (measured: +13 ms on every start, ~40% more than the rest of the bundle); loaded from node_modules, the
// first use took ~80-130 ms after the bundle had loaded, against ~50 ms from their own bundles.
// Telemetry (Application Insights configured) likewise: the Azure Monitor distro and OpenTelemetry's API,
// which the distro's bundle shares instead of holding a copy of its own (one API, one set of globals). The
// distro bundles cleanly (its only unresolved require, @azure/functions-core, sits in a try and is the
// worker's to answer); from its own bundle it loads in ~150 ms, from node_modules in ~450 ms.
// The queue SDK (the nudge after a write, SCIM_EVENT_DISPATCH=queue) likewise: the first write needs it;
// and the Event Grid SDK, which only a stamp with a topic (SCIM_EVENT_GRID_ENDPOINT) loads.
// And the libraries the first request needs but the module's load does not (the Table SDK, ajv, jose):
// measured, compiling the entry bundle was most of its load (V8 compiles every byte of a script it
// loads, needed or not), so each in its own bundle keeps the entry small (~1.3× the bare app, against
// ~1.8× with them inside) and moves their compile to the first request that uses them.
export const LAZY = {
  "@azure/data-tables": "azure-data-tables",
  ajv: "ajv",
  jose: "jose",
  "@azure/identity": "azure-identity",
  "@azure/keyvault-secrets": "azure-keyvault-secrets",
  "@azure/storage-queue": "azure-storage-queue",
  "@azure/eventgrid": "azure-eventgrid",
  "@azure/monitor-opentelemetry": "azure-monitor-opentelemetry",
  "@opentelemetry/api": "opentelemetry-api",
};

const common = { bundle: true, platform: "node", target: "node20", format: "cjs", sourcemap: true, logLevel: "warning", absWorkingDir: ROOT };

/**
 * Sends the LAZY packages (but `self`, the package a LAZY bundle is built from) to their own bundles; in the
 * entry module, says so when one is imported (and so loaded) at import time.
 */
const lazyPackages = (notices, self) => ({
  name: "lazy-packages",
  setup(build) {
    const filter = new RegExp(
      `^(${Object.keys(LAZY)
        .filter((p) => p !== self)
        .map((p) => p.replace(/[/.]/g, "\\$&"))
        .join("|")})$`,
    );
    build.onResolve({ filter }, (args) => {
      if (notices && args.kind !== "require-call")
        notices.add(
          `${path.relative(ROOT, args.importer)} imports ${args.path} at the top, so it loads with the entry module; import it with \`import type\` and require() it where it is used.`,
        );
      return { path: `./${LAZY[args.path]}.js`, external: true };
    });
  },
});

export async function build({ outdir = path.join(ROOT, "dist"), only } = {}) {
  const names = only ?? Object.keys(ENTRIES);
  const unknown = names.filter((n) => !(n in ENTRIES));
  if (unknown.length > 0) throw new Error(`unknown entry ${unknown.join(", ")}; entries: ${Object.keys(ENTRIES).join(", ")}`);
  // A stale tree (an earlier tsc emit: dist/tests, dist/shared) must not reach the package.
  rmSync(outdir, { recursive: true, force: true });

  const notices = new Set();
  const builds = names.map((name) =>
    esbuild.build({
      ...common,
      entryPoints: { [name]: ENTRIES[name] },
      outdir,
      external: name === "functions/index" ? EXTERNAL : [...EXTERNAL, ...EXTERNAL_ELSEWHERE],
      plugins: name === "functions/index" ? [lazyPackages(notices)] : [],
      metafile: true,
    }),
  );
  if (names.includes("functions/index")) {
    for (const [pkg, file] of Object.entries(LAZY)) {
      builds.push(
        esbuild.build({
          ...common,
          stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});`, resolveDir: ROOT, sourcefile: `${file}.js`, loader: "js" },
          outfile: path.join(outdir, "functions", `${file}.js`),
          external: EXTERNAL,
          plugins: [lazyPackages(undefined, pkg)],
          metafile: true,
        }),
      );
    }
  }
  const results = await Promise.all(builds);
  const outputs = results.flatMap((r) => Object.entries(r.metafile.outputs)).filter(([file]) => file.endsWith(".js"));
  return { outdir, notices: [...notices], outputs: outputs.map(([file, o]) => ({ file: path.resolve(ROOT, file), bytes: o.bytes })) };
}

function argValue(argv, name) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const outdir = argValue(argv, "outdir");
  const only = argValue(argv, "only")
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  build({ outdir: outdir && path.resolve(outdir), only }).then(
    (result) => {
      // stderr: `npm run credentials -- … --json` builds first, and its stdout must stay the CLI's.
      for (const notice of result.notices) console.error(`build: note: ${notice}`);
      const kib = (n) => `${Math.round(n / 1024).toLocaleString("en")} KiB`;
      console.error(`build: ${result.outputs.map((o) => `${path.relative(process.cwd(), o.file)} ${kib(o.bytes)}`).join(", ")}`);
    },
    (e) => {
      if (!e.errors) console.error(e); // esbuild has printed its own errors already
      process.exit(1);
    },
  );
}
