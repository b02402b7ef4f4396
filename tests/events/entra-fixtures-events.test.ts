// Every Entra replay fixture (tests/entra/fixtures, run by tests/support/entra-replay.ts) records exactly
// the events listed for it in entra-fixture-events.json, in order, and nothing else: reads and no-op
// PATCHes record none. Each event is written as one line, "<type> <resource id>[ <changed names>]" or
// "<type> <group id> +|- <member id>[ <member type>]", with ids replaced by the fixture's captured names
// ({{userId}}, {{groupId}}, …), so a reviewer reads the expectations beside the fixture. Member changes
// of one request are net: updates-group-with-several-operations adds u1 and u2 and removes u1, and
// records u2's addition only.
import fs from "node:fs";
import path from "node:path";
import { startTestHost, TestHost } from "../support/scim-client";
import { type Step, type Vars, fill, fixtureFiles, readFixture, replay } from "../support/entra-replay";

const EXPECTED_FILE = path.join(__dirname, "entra-fixture-events.json");
const expected = JSON.parse(fs.readFileSync(EXPECTED_FILE, "utf8")) as Record<string, string[]>;

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.close());

/** An event as one reviewable line, ids named by what the fixture captured. */
function line(e: any, vars: Vars): string {
  const names = new Map(Object.entries(vars).flatMap(([name, v]) => (typeof v === "string" && name !== "tenantUrl" ? [[v, `{{${name}}}`]] : [])));
  const id = (v: string) => names.get(v) ?? "{{uncaptured}}";
  const d = e.data;
  if (d.member) return `${e.type} ${id(d.id)} ${e.type === "group.member_added" ? "+" : "-"} ${id(d.member.value)}${d.member.type ? ` ${d.member.type}` : ""}`;
  return `${e.type} ${id(d.id)}${d.changed ? ` ${d.changed.join(",")}` : ""}`;
}

test("the expectations cover every fixture and no other", () => {
  expect(Object.keys(expected).sort()).toEqual(fixtureFiles());
});

test.each(fixtureFiles())("%s", async (file) => {
  const scim = await t.newTenant();
  const api = await t.apiClient(scim.tenant, "events");
  const vars = await replay(scim, t.scimUrl, readFixture(file));
  const r = await api.get("/events?limit=1000");
  expect(r.status).toBe(200);
  expect(r.body.hasMore).toBe(false);
  const events = r.body.data as any[];
  expect(events.map((e) => line(e, vars))).toEqual(expected[file]);
  // Numbered 1…n with no gap, each id once, all of this tenant, each carrying its resource's version.
  expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  expect(events.every((e) => e.tenant === scim.tenant && typeof e.timestamp === "string")).toBe(true);
  for (const e of events.filter((x) => !x.data.member)) {
    expect(e.data.version).toBe(e.data.resource.meta.version);
    expect(e.data.resource.id).toBe(e.data.id);
  }
});

/** Fixtures whose last write is a successful PATCH: sending it again changes nothing. */
const endingInPatch = fixtureFiles().filter((file) => {
  const isRead = (s: Step) => s.request.method === "GET" || (s.request.method === "POST" && s.request.path.endsWith("/.search"));
  const writes = readFixture(file).steps.filter((s) => !isRead(s));
  const last = writes[writes.length - 1];
  return last?.request.method === "PATCH" && last.expect.status < 300;
});

test("some fixtures end in a PATCH", () => expect(endingInPatch.length).toBeGreaterThan(30));

test.each(endingInPatch)("%s: its last PATCH sent again is a no-op and records no event", async (file) => {
  const scim = await t.newTenant();
  const api = await t.apiClient(scim.tenant, "events");
  const fixture = readFixture(file);
  const vars = await replay(scim, t.scimUrl, fixture);
  const before = (await api.get("/events?limit=1000")).body.cursor as string;
  const last = fill([...fixture.steps].reverse().find((s) => s.request.method === "PATCH")?.request, vars) as Step["request"];
  const again = await scim.request(last.method, last.path, last.body, last.headers);
  expect(again.status).toBeLessThan(300);
  const after = await api.get(`/events?after=${before}`);
  expect(after.body.data).toEqual([]);
});
