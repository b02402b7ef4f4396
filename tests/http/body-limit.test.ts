// SCIM_MAX_BODY_BYTES: a smaller configured limit is enforced (413) and advertised.
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import { createUser, entraUser, expectScimError, expectStatus, patchOp } from "../support/builders";

const LIMIT = 4096;
let t: TestHost;
let scim: ScimClient;
beforeAll(async () => {
  t = await startTestHost({ SCIM_MAX_BODY_BYTES: String(LIMIT) });
  scim = await t.newTenant();
});
afterAll(() => t.close());

test("a body just under the limit is accepted; one byte over is 413", async () => {
  const base = JSON.stringify(entraUser({ displayName: "" }));
  const fits = entraUser({ displayName: "d".repeat(LIMIT - base.length) });
  expect(Buffer.byteLength(JSON.stringify(fits))).toBe(LIMIT);
  expectStatus(await scim.post("/Users", fits), 201);
  const over = entraUser({ displayName: "d".repeat(LIMIT - base.length + 1) });
  expectScimError(await scim.post("/Users", over), 413);
});

test("multi-byte characters count as bytes, not characters", async () => {
  expectScimError(await scim.post("/Users", entraUser({ displayName: "é".repeat(LIMIT / 2) })), 413);
});

test("PATCH and POST /.search bodies are limited too", async () => {
  const user = await createUser(scim);
  expectScimError(await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", path: "displayName", value: "x".repeat(LIMIT) })), 413);
  expectScimError(await scim.post("/Users/.search", { filter: `displayName eq "${"x".repeat(LIMIT)}"` }), 413);
});

test("ServiceProviderConfig advertises the configured limit", async () => {
  const spc = (await scim.get("/ServiceProviderConfig")).body;
  expect(JSON.stringify(spc)).toContain(String(LIMIT));
});
