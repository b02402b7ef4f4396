// /Users end to end through the local host: POST, GET by id, GET list, PUT, PATCH, DELETE, POST /.search,
// with every core and enterprise attribute, meta, Location, ETag, round trips and userName uniqueness.
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import {
  CORE_USER,
  ENTERPRISE_USER,
  LIST_URN,
  createUser,
  enterprise,
  entraUser,
  expectScimError,
  expectStatus,
  filterQuery,
  fullUser,
  patchOp,
  roundTrips,
  unique,
} from "../support/builders";

let t: TestHost;
let scim: ScimClient;
beforeAll(async () => {
  t = await startTestHost();
  scim = await t.newTenant();
});
afterAll(() => t.close());

const { schemas: _schemas, ...withoutSchemas } = fullUser();
/** Everything a client sent, minus what the server owns. */
const sentAttributes = (body: Record<string, unknown>) => {
  const { schemas: _s, meta: _m, password: _p, ...rest } = body;
  return rest;
};

describe("POST /Users", () => {
  test("creates a user with every standard attribute and the enterprise extension, echoed exactly", async () => {
    const body = fullUser({ password: "Not stored 1!" });
    const created = await scim.post("/Users", body);
    expectStatus(created, 201);
    expect(created.headers.get("content-type")).toMatch(/^application\/scim\+json/);
    expect(created.body).toMatchObject(sentAttributes(body));
    expect(created.body.schemas).toEqual([CORE_USER, ENTERPRISE_USER]);
    expect(created.body).not.toHaveProperty("password");
    expect(typeof created.body.id).toBe("string");
    expect(created.body.id.length).toBeGreaterThan(0);
  });

  test("answers meta with resourceType, created, lastModified, location and version; Location and ETag headers agree", async () => {
    const before = Date.now();
    const created = await scim.post("/Users", entraUser());
    expectStatus(created, 201);
    const { meta, id } = created.body;
    expect(meta.resourceType).toBe("User");
    expect(Date.parse(meta.created)).toBeGreaterThanOrEqual(before - 1000);
    expect(meta.lastModified).toBe(meta.created);
    expect(meta.location).toBe(`${t.scimUrl}/Users/${id}`);
    expect(typeof meta.version).toBe("string");
    expect(created.headers.get("location")).toBe(meta.location);
    expect(created.headers.get("etag")).toBe(meta.version);
  });

  test("is one storage round trip", async () => {
    const created = await scim.post("/Users", fullUser());
    expectStatus(created, 201);
    expect(roundTrips(created)).toBe(1);
  });

  test("accepts application/json as well as application/scim+json", async () => {
    const created = await scim.post("/Users", entraUser(), { "Content-Type": "application/json" });
    expectStatus(created, 201);
    expect(created.headers.get("content-type")).toMatch(/^application\/scim\+json/);
  });

  test("ignores a client-supplied id and meta", async () => {
    const mine = "11111111-1111-1111-1111-111111111111";
    const created = await scim.post("/Users", entraUser({ id: mine, meta: { resourceType: "User", version: 'W/"client"', created: "2000-01-01T00:00:00Z" } }));
    expectStatus(created, 201);
    expect(created.body.id).not.toBe(mine);
    expect(created.body.meta.created).not.toBe("2000-01-01T00:00:00Z");
  });

  test("honours attributes and excludedAttributes on the response", async () => {
    const only = await scim.post("/Users?attributes=userName", entraUser());
    expectStatus(only, 201);
    expect(Object.keys(only.body).sort()).toEqual(["id", "schemas", "userName"]);
    const without = await scim.post("/Users?excludedAttributes=emails,name", entraUser());
    expectStatus(without, 201);
    expect(without.body).not.toHaveProperty("emails");
    expect(without.body).not.toHaveProperty("name");
    expect(without.body).toHaveProperty("userName");
  });
});

describe("GET /Users/{id}", () => {
  test("returns the stored user in one round trip", async () => {
    const created = await createUser(scim, fullUser());
    const got = await scim.get(`/Users/${created.id}`);
    expectStatus(got, 200);
    expect(got.body).toEqual(created);
    expect(got.headers.get("etag")).toBe(created.meta.version);
    expect(roundTrips(got)).toBe(1);
  });

  test("honours attributes (incl. sub-attributes and URN paths) and excludedAttributes", async () => {
    const created = await createUser(scim, fullUser());
    const some = await scim.get(`/Users/${created.id}?attributes=userName,name.givenName,${ENTERPRISE_USER}:department`);
    expect(some.body).toEqual({
      schemas: [CORE_USER, ENTERPRISE_USER],
      id: created.id,
      userName: created.userName,
      name: { givenName: created.name.givenName },
      [ENTERPRISE_USER]: { department: enterprise(created)!.department },
    });
    const fewer = await scim.get(`/Users/${created.id}?excludedAttributes=emails,phoneNumbers,${ENTERPRISE_USER}:employeeNumber`);
    expect(fewer.body).not.toHaveProperty("emails");
    expect(fewer.body).not.toHaveProperty("phoneNumbers");
    expect(enterprise(fewer.body)).not.toHaveProperty("employeeNumber");
    expect(enterprise(fewer.body)).toHaveProperty("department");
  });

  test("groups are returned only when requested", async () => {
    const created = await createUser(scim);
    expect((await scim.get(`/Users/${created.id}`)).body).not.toHaveProperty("groups");
    const asked = await scim.get(`/Users/${created.id}?attributes=groups`);
    expectStatus(asked, 200);
    expect(asked.body.id).toBe(created.id);
  });

  test("a disabled user is still returned, with active false", async () => {
    const created = await createUser(scim, entraUser({ active: false }));
    const got = await scim.get(`/Users/${created.id}`);
    expectStatus(got, 200);
    expect(got.body.active).toBe(false);
  });

  test("an unknown id is 404 with a SCIM error", async () => {
    expectScimError(await scim.get("/Users/7a7c3a1e-5a6b-4c1d-9e0f-000000000000"), 404);
  });
});

describe("GET /Users", () => {
  test("lists the tenant's users as a ListResponse", async () => {
    const created = await createUser(scim);
    const list = await scim.get("/Users?count=200");
    expectStatus(list, 200);
    expect(list.body.schemas).toEqual([LIST_URN]);
    expect(list.body.totalResults).toBeGreaterThanOrEqual(1);
    expect(list.body.startIndex).toBe(1);
    expect(list.body.itemsPerPage).toBe(list.body.Resources.length);
    expect(list.body.Resources.map((r: any) => r.id)).toContain(created.id);
    for (const r of list.body.Resources) expect(typeof r.id).toBe("string");
  });

  test("applies attributes to every listed resource", async () => {
    await createUser(scim);
    const list = await scim.get("/Users?attributes=userName&count=3");
    for (const r of list.body.Resources) expect(Object.keys(r).sort()).toEqual(["id", "schemas", "userName"]);
  });
});

describe("PUT /Users/{id}", () => {
  test("replaces the whole user: attributes left out are removed; id and created stay; version moves", async () => {
    const created = await createUser(scim, fullUser());
    const replacement = { schemas: [CORE_USER], userName: created.userName, displayName: "Only This", active: false };
    const put = await scim.put(`/Users/${created.id}`, replacement);
    expectStatus(put, 200);
    expect(put.body).toMatchObject({ id: created.id, userName: created.userName, displayName: "Only This", active: false });
    for (const gone of ["emails", "name", "phoneNumbers", "addresses", "externalId", ENTERPRISE_USER]) expect(put.body).not.toHaveProperty([gone]);
    expect(put.body.meta.created).toBe(created.meta.created);
    expect(put.body.meta.version).not.toBe(created.meta.version);
    expect(put.headers.get("etag")).toBe(put.body.meta.version);
    expect((await scim.get(`/Users/${created.id}`)).body).toEqual(put.body);
  });

  test("renaming through PUT moves the userName and externalId lookups", async () => {
    const created = await createUser(scim);
    const newName = `${unique("renamed")}@example.com`;
    const newExternalId = unique("ext");
    expectStatus(await scim.put(`/Users/${created.id}`, { userName: newName, externalId: newExternalId }), 200);
    expect((await scim.get(`/Users${filterQuery(`userName eq "${created.userName}"`)}`)).body.totalResults).toBe(0);
    expect((await scim.get(`/Users${filterQuery(`externalId eq "${created.externalId}"`)}`)).body.totalResults).toBe(0);
    const byName = await scim.get(`/Users${filterQuery(`userName eq "${newName}"`)}`);
    expect(byName.body.Resources.map((r: any) => r.id)).toEqual([created.id]);
    const byExternalId = await scim.get(`/Users${filterQuery(`externalId eq "${newExternalId}"`)}`);
    expect(byExternalId.body.Resources.map((r: any) => r.id)).toEqual([created.id]);
  });

  test("an id in the body does not change the user's id", async () => {
    const created = await createUser(scim);
    const put = await scim.put(`/Users/${created.id}`, { id: "22222222-2222-2222-2222-222222222222", userName: created.userName });
    expectStatus(put, 200);
    expect(put.body.id).toBe(created.id);
  });

  test("an unknown id is 404", async () => {
    expectScimError(await scim.put("/Users/7a7c3a1e-5a6b-4c1d-9e0f-000000000000", { userName: unique() }), 404);
  });

  test("without userName is 400 invalidValue and changes nothing", async () => {
    const created = await createUser(scim);
    expectScimError(await scim.put(`/Users/${created.id}`, { displayName: "x" }), 400, "invalidValue");
    expect((await scim.get(`/Users/${created.id}`)).body).toEqual(created);
  });
});

describe("PATCH /Users/{id}", () => {
  test("answers 200 with the updated user in two round trips", async () => {
    const created = await createUser(scim);
    const patched = await scim.patch(`/Users/${created.id}`, patchOp({ op: "Replace", path: "displayName", value: "Pvlo" }));
    expectStatus(patched, 200);
    expect(patched.body).toMatchObject({ id: created.id, displayName: "Pvlo", userName: created.userName });
    expect(patched.body.meta.version).not.toBe(created.meta.version);
    expect(patched.headers.get("etag")).toBe(patched.body.meta.version);
    expect(Date.parse(patched.body.meta.lastModified)).toBeGreaterThanOrEqual(Date.parse(created.meta.lastModified));
    expect(patched.body.meta.created).toBe(created.meta.created);
    expect(roundTrips(patched)).toBe(2);
  });

  test("honours attributes on the response", async () => {
    const created = await createUser(scim);
    const patched = await scim.patch(`/Users/${created.id}?attributes=displayName`, patchOp({ op: "replace", path: "displayName", value: "x" }));
    expectStatus(patched, 200);
    expect(Object.keys(patched.body).sort()).toEqual(["displayName", "id", "schemas"]);
  });

  test("an unknown id is 404", async () => {
    expectScimError(await scim.patch("/Users/7a7c3a1e-5a6b-4c1d-9e0f-000000000000", patchOp({ op: "replace", path: "displayName", value: "x" })), 404);
  });

  test("a failing operation leaves the user untouched (PATCH is atomic)", async () => {
    const created = await createUser(scim);
    const failed = await scim.patch(
      `/Users/${created.id}`,
      patchOp({ op: "replace", path: "displayName", value: "changed" }, { op: "replace", path: "name.givenName.more", value: "x" }),
    );
    expectScimError(failed, 400, "invalidPath");
    expect((await scim.get(`/Users/${created.id}`)).body).toEqual(created);
  });
});

describe("DELETE /Users/{id}", () => {
  test("answers 204; afterwards the user is 404 by id and absent from filters", async () => {
    const created = await createUser(scim);
    const deleted = await scim.delete(`/Users/${created.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expectScimError(await scim.get(`/Users/${created.id}`), 404);
    for (const filter of [`userName eq "${created.userName}"`, `externalId eq "${created.externalId}"`, `id eq "${created.id}"`]) {
      const found = await scim.get(`/Users${filterQuery(filter)}`);
      expect(found.status).toBe(200);
      expect(found.body.totalResults).toBe(0);
    }
    expect((await scim.get("/Users?count=200")).body.Resources.map((r: any) => r.id)).not.toContain(created.id);
  });

  test("frees the userName and externalId for a new user", async () => {
    const body = entraUser();
    const created = await createUser(scim, body);
    expect((await scim.delete(`/Users/${created.id}`)).status).toBe(204);
    const again = await scim.post("/Users", body);
    expectStatus(again, 201);
    expect(again.body.id).not.toBe(created.id);
  });

  test("a second DELETE, and PATCH or PUT of a deleted user, are 404", async () => {
    const created = await createUser(scim);
    expect((await scim.delete(`/Users/${created.id}`)).status).toBe(204);
    expectScimError(await scim.delete(`/Users/${created.id}`), 404);
    expectScimError(await scim.patch(`/Users/${created.id}`, patchOp({ op: "replace", path: "displayName", value: "x" })), 404);
    expectScimError(await scim.put(`/Users/${created.id}`, { userName: created.userName }), 404);
  });
});

describe("POST /Users/.search", () => {
  test("filters, projects and pages like GET", async () => {
    const created = await createUser(scim);
    const found = await scim.post("/Users/.search", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
      filter: `userName eq "${created.userName}"`,
      attributes: ["userName"],
      startIndex: 1,
      count: 10,
    });
    expectStatus(found, 200);
    expect(found.body).toMatchObject({ schemas: [LIST_URN], totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(found.body.Resources).toEqual([{ schemas: [CORE_USER], id: created.id, userName: created.userName }]);
    expect(roundTrips(found)).toBe(1);
  });

  test("excludedAttributes as a comma-separated string", async () => {
    const created = await createUser(scim);
    const found = await scim.post("/Users/.search", { filter: `id eq "${created.id}"`, excludedAttributes: "emails,name" });
    expect(found.body.Resources[0]).not.toHaveProperty("emails");
    expect(found.body.Resources[0].userName).toBe(created.userName);
  });

  test("a malformed filter is 400 invalidFilter and a malformed body 400 invalidSyntax", async () => {
    expectScimError(await scim.post("/Users/.search", { filter: "userName eq" }), 400, "invalidFilter");
    expectScimError(await scim.post("/Users/.search", { filter: 42 }), 400, "invalidSyntax");
  });
});

describe("userName is unique case-insensitively (409 uniqueness)", () => {
  test("a duplicate POST is 409", async () => {
    const body = entraUser();
    await createUser(scim, body);
    expectScimError(await scim.post("/Users", { ...body, externalId: unique() }), 409, "uniqueness");
  });

  test("a POST whose userName differs only in case is 409", async () => {
    const body = entraUser();
    await createUser(scim, body);
    expectScimError(await scim.post("/Users", { ...body, externalId: unique(), userName: String(body.userName).toUpperCase() }), 409, "uniqueness");
  });

  test("renaming onto another user's name by PATCH or PUT is 409 and leaves both users intact", async () => {
    const a = await createUser(scim);
    const b = await createUser(scim);
    const taken = String(a.userName).toLowerCase();
    expectScimError(await scim.patch(`/Users/${b.id}`, patchOp({ op: "Replace", path: "userName", value: taken })), 409, "uniqueness");
    expectScimError(await scim.patch(`/Users/${b.id}`, patchOp({ op: "replace", value: { userName: taken } })), 409, "uniqueness");
    expectScimError(await scim.put(`/Users/${b.id}`, { userName: taken }), 409, "uniqueness");
    expect((await scim.get(`/Users/${a.id}`)).body).toEqual(a);
    expect((await scim.get(`/Users/${b.id}`)).body).toEqual(b);
    const byA = await scim.get(`/Users${filterQuery(`userName eq "${a.userName}"`)}`);
    expect(byA.body.Resources.map((r: any) => r.id)).toEqual([a.id]);
    const byB = await scim.get(`/Users${filterQuery(`userName eq "${b.userName}"`)}`);
    expect(byB.body.Resources.map((r: any) => r.id)).toEqual([b.id]);
  });

  test("a user may change the case of its own userName", async () => {
    const created = await createUser(scim);
    const upper = String(created.userName).toUpperCase();
    const patched = await scim.patch(`/Users/${created.id}`, patchOp({ op: "Replace", path: "userName", value: upper }));
    expectStatus(patched, 200);
    expect(patched.body.userName).toBe(upper);
    const found = await scim.get(`/Users${filterQuery(`userName eq "${created.userName}"`)}`);
    expect(found.body.Resources.map((r: any) => [r.id, r.userName])).toEqual([[created.id, upper]]);
  });

  test("PATCH and PUT that keep the same userName are not conflicts", async () => {
    const created = await createUser(scim);
    expectStatus(await scim.patch(`/Users/${created.id}`, patchOp({ op: "Replace", path: "userName", value: created.userName })), 200);
    expectStatus(await scim.put(`/Users/${created.id}`, { userName: created.userName, externalId: created.externalId }), 200);
  });
});

// externalId is not unique (RFC 7643 §3.1; Entra's default externalId ← mailNickname can repeat): a
// second user with the same externalId is created, and `externalId eq` answers both.
test("externalId uniqueness as enforced agrees with /Schemas", async () => {
  const shared = unique("shared-ext");
  await createUser(scim, entraUser({ externalId: shared }));
  const second = await scim.post("/Users", entraUser({ externalId: shared }));
  const advertised = (await scim.get(`/Schemas/${CORE_USER}`)).body.attributes.find((a: any) => a.name === "externalId").uniqueness;
  if (second.status === 409) {
    expect(advertised).toBe("server");
  } else {
    expectStatus(second, 201);
    expect((await scim.get(`/Users${filterQuery(`externalId eq "${shared}"`)}`)).body.totalResults).toBe(2);
  }
});

test("the full user round-trips through GET unchanged after create", async () => {
  const created = await createUser(scim, { ...withoutSchemas, schemas: [CORE_USER, ENTERPRISE_USER], userName: `${unique()}@x.example`, externalId: unique() });
  expect((await scim.get(`/Users/${created.id}`)).body).toEqual(created);
});
