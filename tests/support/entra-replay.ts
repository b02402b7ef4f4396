// Replaying Entra's documented requests (tests/entra/fixtures/<what-entra-does>.json) step by step
// through a SCIM client: the runner tests/entra/entra.test.ts uses, and the activity-log tests reuse.
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import type { ScimClient } from "./scim-client";

export const FIXTURES = path.join(__dirname, "../entra/fixtures");
export const fixtureFiles = () =>
  fs
    .readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".json"))
    .sort();
export const readFixture = (file: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, file), "utf8")) as Fixture;

export interface Step {
  request: { method: string; path: string; body?: unknown; headers?: Record<string, string> };
  expect: { status: number; body?: unknown; headers?: Record<string, string> };
  capture?: Record<string, string>;
}
export interface Fixture {
  description?: string;
  steps: Step[];
}

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

/** Replays each step, asserting status, body subset and headers; returns the status of each step. */
export async function replay(scim: ScimClient, fixture: Fixture, scimUrl: string): Promise<number[]> {
  const statuses: number[] = [];
  const vars: Vars = { tenantUrl: scimUrl, guid: randomUUID() };
  for (const [i, step] of fixture.steps.entries()) {
    const req = fill(step.request, vars) as Step["request"];
    const reply = await scim.request(req.method, req.path, req.body, req.headers);
    statuses.push(reply.status);
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
  return statuses;
}
