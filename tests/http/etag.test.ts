// Versioning (RFC 7644 §3.14): the ETag header equals meta.version and changes on every write;
// If-Match is honoured on PUT, PATCH and DELETE (412 on mismatch); If-None-Match on GET gives 304.
// The version's format is the server's business: only equality and change are asserted.
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import { createUser, expectScimError, expectStatus, patchOp } from "../support/builders";

let t: TestHost;
let scim: ScimClient;
beforeAll(async () => {
  t = await startTestHost();
  scim = await t.newTenant();
});
afterAll(() => t.close());

const rename = (value: string) => patchOp({ op: "replace", path: "displayName", value });

test("every change answers a new version, and the ETag header always equals meta.version", async () => {
  const created = await createUser(scim);
  const seen = [created.meta.version];
  const patched = await scim.patch(`/Users/${created.id}`, rename("one"));
  const put = await scim.put(`/Users/${created.id}`, { userName: created.userName, displayName: "two" });
  for (const reply of [patched, put]) {
    expectStatus(reply, 200);
    expect(reply.headers.get("etag")).toBe(reply.body.meta.version);
    seen.push(reply.body.meta.version);
  }
  expect(new Set(seen).size).toBe(seen.length);
  const got = await scim.get(`/Users/${created.id}`);
  expect(got.headers.get("etag")).toBe(got.body.meta.version);
  expect(got.body.meta.version).toBe(put.body.meta.version);
});

test("a PATCH that changes nothing writes nothing: the same version and lastModified, one round trip (the read)", async () => {
  const created = await createUser(scim);
  const patched = await scim.patch(`/Users/${created.id}`, rename("same"));
  expectStatus(patched, 200);
  const again = await scim.patch(`/Users/${created.id}`, rename("same"));
  expectStatus(again, 200);
  expect(again.headers.get("etag")).toBe(patched.headers.get("etag"));
  expect(again.body.meta).toEqual(patched.body.meta);
  expect(again.headers.get("x-storage-round-trips")).toBe("1");
  expect(again.headers.get("x-storage-transactions")).toBe("0");
});

test("a listed resource carries the same version as GET by id", async () => {
  const created = await createUser(scim);
  const listed = await scim.get(`/Users?filter=${encodeURIComponent(`id eq "${created.id}"`)}`);
  expect(listed.body.Resources[0].meta.version).toBe(created.meta.version);
});

describe("If-Match", () => {
  test.each(["PATCH", "PUT", "DELETE"])("%s with the current version succeeds", async (method) => {
    const created = await createUser(scim);
    const headers = { "If-Match": created.meta.version };
    const reply =
      method === "PATCH"
        ? await scim.patch(`/Users/${created.id}`, rename("x"), headers)
        : method === "PUT"
          ? await scim.put(`/Users/${created.id}`, { userName: created.userName }, headers)
          : await scim.delete(`/Users/${created.id}`, headers);
    expect(reply.status).toBe(method === "DELETE" ? 204 : 200);
  });

  test.each(["PATCH", "PUT", "DELETE"])("%s with a stale version is 412 and changes nothing", async (method) => {
    const created = await createUser(scim);
    const stale = created.meta.version;
    const current = (await scim.patch(`/Users/${created.id}`, rename("moved on"))).body;
    const headers = { "If-Match": stale };
    const reply =
      method === "PATCH"
        ? await scim.patch(`/Users/${created.id}`, rename("lost"), headers)
        : method === "PUT"
          ? await scim.put(`/Users/${created.id}`, { userName: created.userName }, headers)
          : await scim.delete(`/Users/${created.id}`, headers);
    expectScimError(reply, 412);
    expect((await scim.get(`/Users/${created.id}`)).body).toEqual(current);
  });

  test("If-Match: * matches any version", async () => {
    const created = await createUser(scim);
    expectStatus(await scim.patch(`/Users/${created.id}`, rename("x"), { "If-Match": "*" }), 200);
  });

  test("a list of tags matches when one of them is current", async () => {
    const created = await createUser(scim);
    expectStatus(await scim.patch(`/Users/${created.id}`, rename("x"), { "If-Match": `W/"nope", ${created.meta.version}` }), 200);
  });

  test("If-Match on an unknown id is 404, not 412", async () => {
    expectScimError(await scim.patch("/Users/7a7c3a1e-5a6b-4c1d-9e0f-000000000000", rename("x"), { "If-Match": 'W/"1"' }), 404);
  });
});

describe("If-None-Match", () => {
  test("GET with the current version is 304 without a body, carrying the ETag", async () => {
    const created = await createUser(scim);
    const reply = await scim.get(`/Users/${created.id}`, { "If-None-Match": created.meta.version });
    expect(reply.status).toBe(304);
    expect(reply.body).toBeUndefined();
    expect(reply.headers.get("etag")).toBe(created.meta.version);
  });

  test("GET with an old version is 200 with the current user", async () => {
    const created = await createUser(scim);
    const patched = await scim.patch(`/Users/${created.id}`, rename("new"));
    const reply = await scim.get(`/Users/${created.id}`, { "If-None-Match": created.meta.version });
    expectStatus(reply, 200);
    expect(reply.body).toEqual(patched.body);
  });

  test("If-None-Match: * on an existing user is 304", async () => {
    const created = await createUser(scim);
    expect((await scim.get(`/Users/${created.id}`, { "If-None-Match": "*" })).status).toBe(304);
  });
});
