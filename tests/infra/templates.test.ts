// The committed templates and parameter files pass every offline check.
import { checkInfra } from "./bicep-check";
import { loadInfraSources } from "./infra-sources";
import { formatFinding } from "./finding";

test("the committed infra passes every check", async () => {
  const findings = await checkInfra(await loadInfraSources());
  expect(findings.map(formatFinding)).toEqual([]);
});
