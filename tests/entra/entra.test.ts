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
import { startTestHost, TestHost } from "../support/scim-client";
import { fixtureFiles, readFixture, replay } from "../support/entra-replay";

const fixtures = fixtureFiles();

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.close());

test.each(fixtures)("%s", async (file) => {
  const fixture = readFixture(file);
  expect(fixture.steps.length).toBeGreaterThan(0);
  await replay(await t.newTenant(), fixture, t.scimUrl);
});
