// Replays what Microsoft Entra sends (tests/entra/fixtures/<what-entra-does>.json) through the local
// host, step by step, each fixture in a fresh tenant. The fixture format and runner: tests/support/entra-replay.ts.
import { startTestHost, TestHost } from "../support/scim-client";
import { fixtureFiles, readFixture, replay } from "../support/entra-replay";

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.close());

test.each(fixtureFiles())("%s", async (file) => {
  const fixture = readFixture(file);
  expect(fixture.steps.length).toBeGreaterThan(0);
  await replay(await t.newTenant(), t.scimUrl, fixture);
});
