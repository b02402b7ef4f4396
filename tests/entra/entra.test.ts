// Replays what Microsoft Entra sends (tests/entra/fixtures/<what-entra-does>.json) through the local
// host, step by step, each fixture in a fresh tenant.
//
// Fixture: { "description"?, "steps": [{ "request": {method, path, body?, headers?},
//                                        "expect": {status, body?, headers?}, "capture"?: {name: "dot.path"} }] }
// Placeholders `{{name}}` in paths, bodies and expectations are replaced by captured values, by
// `{{tenantUrl}}` (the SCIM base URL) and by `{{guid}}` (a fresh random GUID per fixture); a string that
// is exactly one placeholder keeps the captured value's type. Expected bodies are subsets: objects may
// have more keys, arrays must have the same length with each element a subset. Two markers:
// "{{any}}" = present with any value, "{{absent}}" = the key must be absent. Expected headers match
// when the actual value starts with the expected one.
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";

interface Step {
  request: { method: string; path: string; body?: unknown; headers?: Record<string, string> };
  expect: { status: number; body?: unknown; headers?: Record<string, string> };
  capture?: Record<string, string>;
}
interface Fixture {
  description?: string;
  steps: Step[];
}

const FIXTURES = path.join(__dirname, "fixtures");
const fixtures = fs
  .readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".json"))
  .sort();

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.close());

type Vars = Record<string, unknown>;
const PLACEHOLDER = /\{\{(\w+)\}\}/g;
const MARKERS = new Set(["any", "absent"]);

function fill(value: unknown, vars: Vars): unknown {
  if (typeof value === "string") {
    const wholeName = /^\{\{(\w+)\}\}$/.exec(value)?.[1];
    if (wholeName !== undefined && !MARKERS.has(wholeName)) return lookup(vars, wholeName);
    return value.replace(PLACEHOLDER, (m, name) => (MARKERS.has(name) ? m : String(lookup(vars, name))));
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, vars));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [fill(k, vars) as string, fill(v, vars)]));
  }
  return value;
}

function lookup(vars: Vars, name: string): unknown {
  if (vars[name] === undefined) throw new Error(`placeholder {{${name}}} has no value yet`);
  return vars[name];
}

/** Differences between an expected subset and the actual value, as "path: reason" lines. */
function mismatches(expected: unknown, actual: unknown, where = "body"): string[] {
  if (expected === "{{any}}") return actual === undefined ? [`${where}: missing`] : [];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${where}: expected an array, got ${JSON.stringify(actual)}`];
    if (actual.length !== expected.length) return [`${where}: expected ${expected.length} elements, got ${JSON.stringify(actual)}`];
    return expected.flatMap((e, i) => mismatches(e, actual[i], `${where}[${i}]`));
  }
  if (expected && typeof expected === "object") {
    if (!actual || typeof actual !== "object" || Array.isArray(actual)) return [`${where}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([k, e]) => {
      const a = (actual as Record<string, unknown>)[k];
      if (e === "{{absent}}") return a === undefined ? [] : [`${where}.${k}: expected absent, got ${JSON.stringify(a)}`];
      return mismatches(e, a, `${where}.${k}`);
    });
  }
  return expected === actual ? [] : [`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

function capture(body: unknown, dotPath: string): unknown {
  return dotPath.split(".").reduce<unknown>((v, key) => (v === null || v === undefined ? undefined : (v as Record<string, unknown>)[key]), body);
}

async function replay(scim: ScimClient, fixture: Fixture): Promise<void> {
  const vars: Vars = { tenantUrl: t.scimUrl, guid: randomUUID() };
  for (const [i, step] of fixture.steps.entries()) {
    const req = fill(step.request, vars) as Step["request"];
    const reply = await scim.request(req.method, req.path, req.body, req.headers);
    const label = `step ${i + 1} (${req.method} ${req.path})`;
    // Captures first, so a step's expectations may name what it creates (meta.location holds {{userId}}).
    for (const [name, dotPath] of Object.entries(step.capture ?? {})) vars[name] = capture(reply.body, dotPath);
    const problems = reply.status === step.expect.status ? [] : [`status: expected ${step.expect.status}, got ${reply.status} ${JSON.stringify(reply.body)}`];
    if (step.expect.body !== undefined) problems.push(...mismatches(fill(step.expect.body, vars), reply.body));
    for (const [name, value] of Object.entries(fill(step.expect.headers ?? {}, vars) as Record<string, string>)) {
      const actual = reply.headers.get(name);
      if (actual === null || !actual.startsWith(value)) problems.push(`header ${name}: expected ${value}…, got ${String(actual)}`);
    }
    expect({ step: label, problems }).toEqual({ step: label, problems: [] });
    for (const [name, dotPath] of Object.entries(step.capture ?? {})) {
      if (vars[name] === undefined) throw new Error(`${label}: nothing at ${dotPath} to capture as {{${name}}}`);
    }
  }
}

test.each(fixtures)("%s", async (file) => {
  const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), "utf8")) as Fixture;
  expect(fixture.steps.length).toBeGreaterThan(0);
  await replay(await t.newTenant(), fixture);
});
