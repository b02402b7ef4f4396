import { startTestHost, TestHost, ScimClient, entraUser } from "../support/scim-client";

let t: TestHost;
let scim: ScimClient;
beforeAll(async () => {
  t = await startTestHost();
  scim = await t.newTenant();
});
afterAll(() => t.close());

test("creates a user and finds it by userName in one storage round trip", async () => {
  const user = entraUser();
  const created = await scim.post("/Users", user);
  expect(created.status).toBe(201);
  const found = await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${String(user.userName).toUpperCase()}"`)}`);
  expect(found.status).toBe(200);
  expect(found.body.totalResults).toBe(1);
  expect(found.body.Resources[0].id).toBe(created.body.id);
  expect(found.headers.get("x-storage-round-trips")).toBe("1");
});
