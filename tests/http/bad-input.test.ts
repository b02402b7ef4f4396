// Every error answer is an RFC 7644 §3.12 SCIM error with the right status and scimType, in
// application/scim+json; Table Storage's key and size limits surface as 4xx, never 500, and a rejected
// write leaves nothing behind.
import { startTestHost, TestHost, ScimClient, Reply } from "../support/scim-client";
import { ENTERPRISE_USER, createUser, entraUser, expectScimError, expectStatus, filterQuery, patchOp, roundTrips, unique } from "../support/builders";

let t: TestHost;
let scim: ScimClient;
let user: any;
/** A tenant whose policy refuses attributes outside its schemas (the default ignores them: tests/http/policy.test.ts). */
let strict: ScimClient;
let strictUser: any;
beforeAll(async () => {
  t = await startTestHost();
  scim = await t.newTenant();
  user = await createUser(scim);
  strict = await t.newTenant({ policy: { unknownAttributes: "reject" } });
  strictUser = await createUser(strict);
});
afterAll(() => t.close());

const UNKNOWN = "7a7c3a1e-5a6b-4c1d-9e0f-000000000000";
const raw = (method: string, path: string, body: string, contentType = "application/scim+json") =>
  scim.request(method, path, body, { "Content-Type": contentType });

describe("request bodies", () => {
  test.each([
    ["POST", "/Users"],
    ["PUT", "/Users/{id}"],
    ["PATCH", "/Users/{id}"],
    ["POST", "/Users/.search"],
  ])("malformed JSON on %s %s is 400 invalidSyntax", async (method, path) => {
    expectScimError(await raw(method, path.replace("{id}", user.id), '{"userName": "a",'), 400, "invalidSyntax");
  });

  test.each([
    ["an empty body", ""],
    ["a JSON array", '["userName"]'],
    ["a JSON string", '"userName"'],
    ["JSON null", "null"],
  ])("POST /Users with %s is 400 invalidSyntax", async (_, body) => {
    expectScimError(await raw("POST", "/Users", body), 400, "invalidSyntax");
  });

  test.each(["text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])(
    "Content-Type %s is 415",
    async (type) => {
      expectScimError(await raw("POST", "/Users", JSON.stringify(entraUser()), type), 415);
      expectScimError(await raw("PATCH", `/Users/${user.id}`, JSON.stringify(patchOp({ op: "replace", path: "title", value: "x" })), type), 415);
    },
  );

  test.each(["application/json", "application/json; charset=utf-8", "application/scim+json; charset=utf-8", "Application/SCIM+JSON"])(
    "Content-Type %s is accepted",
    async (type) => {
      expectStatus(await raw("POST", "/Users", JSON.stringify(entraUser()), type), 201);
    },
  );

  test("a body over the limit (1 MiB by default) is 413", async () => {
    const big = JSON.stringify(entraUser({ displayName: "x".repeat(1024 * 1024 + 10) }));
    expectScimError(await raw("POST", "/Users", big), 413);
    expectScimError(await raw("PATCH", `/Users/${user.id}`, big), 413);
    expect((await scim.get(`/Users/${user.id}`)).body).toEqual(user);
  });

  test.each([
    ["no Operations", { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"] }],
    ["Operations not an array", patchOp().constructor({ Operations: "replace" })],
    ["an operation without op", patchOp({ path: "title", value: "x" })],
    ["an operation that is not an object", patchOp("replace title")],
  ])("a PatchOp with %s is 400 invalidSyntax", async (_, body) => {
    expectScimError(await scim.patch(`/Users/${user.id}`, body), 400, "invalidSyntax");
  });

  test("an unknown op is 400", async () => {
    const reply = await scim.patch(`/Users/${user.id}`, patchOp({ op: "merge", path: "title", value: "x" }));
    expectScimError(reply, 400, reply.body.scimType);
  });
});

describe("routes and methods", () => {
  test.each(["/Foo", "/Users/a/b", "/Userz", "/Groupz/x", "/Users/x/y/z"])("%s is 404", async (path) => {
    expectScimError(await scim.get(path), 404);
  });

  test("a path outside the SCIM base is 404", async () => {
    const reply = await fetch(`${t.host.url}/not-scim`);
    expect(reply.status).toBe(404);
  });

  test.each([
    ["DELETE", "/Users"],
    ["PUT", "/Users"],
    ["PATCH", "/Users"],
    ["POST", `/Users/${UNKNOWN}`],
    ["PATCH", "/ServiceProviderConfig"],
    ["DELETE", "/Schemas"],
    ["POST", "/ResourceTypes"],
  ])("%s %s is 405 with Allow", async (method, path) => {
    const reply = await scim.request(method, path, method === "DELETE" ? undefined : {});
    expectScimError(reply, 405);
    expect(reply.headers.get("allow")).toBeTruthy();
  });

  test("/Bulk is not supported: 501", async () => {
    expectScimError(await scim.post("/Bulk", { schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], Operations: [] }), 501);
  });
});

describe("unknown ids are 404", () => {
  const ids: Array<[string, string]> = [
    ["a random UUID", UNKNOWN],
    ["a short word", "abc"],
    ["an encoded /", encodeURIComponent("a/b")],
    ["an encoded #", encodeURIComponent("a#b")],
    ["an encoded ?", encodeURIComponent("a?b")],
    ["an encoded %", encodeURIComponent("a%b")],
    ["a bare %", "a%zz"],
    ["double quotes", encodeURIComponent('a"b')],
    ["single quotes", encodeURIComponent("a'b")],
    ["a backslash", encodeURIComponent("a\\b")],
    ["a control character", encodeURIComponent("a\u0001b")],
    ["non-BMP characters", encodeURIComponent("a😀b")],
    ["1,000 characters", "a".repeat(1000)],
    ["a row prefix", encodeURIComponent("N:x")],
  ];

  test.each(ids)("GET, PUT, PATCH and DELETE of %s", async (_, id) => {
    expectScimError(await scim.get(`/Users/${id}`), 404);
    expectScimError(await scim.put(`/Users/${id}`, { userName: unique() }), 404);
    expectScimError(await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "title", value: "x" })), 404);
    expectScimError(await scim.delete(`/Users/${id}`), 404);
  });
});

describe("PATCH errors", () => {
  test("a PATCH of more than 1,000 operations is 413, as ServiceProviderConfig advertises, and changes nothing", async () => {
    const ops = Array.from({ length: 1001 }, (_, i) => ({ op: "replace", path: "title", value: `t${i}` }));
    const reply = await scim.patch(`/Users/${user.id}`, patchOp(...ops));
    expect(reply.status).toBe(413);
    expect(reply.body.status).toBe("413");
    expect((await scim.get(`/Users/${user.id}`)).body.title).toBe(user.title);
    const limits = (await scim.get("/ServiceProviderConfig")).body["urn:scim-functions:limits"];
    expect(limits.maxPatchOperations).toBe(1000);
  });

  test.each([
    ["an unknown attribute", "noSuchAttribute"],
    ["an unknown sub-attribute", "name.noSuch"],
    ["an unknown extension attribute", `${ENTERPRISE_USER}:noSuch`],
    ["an unknown schema URN", "urn:example:params:scim:schemas:extension:x:2.0:User:thing"],
    ["an unclosed value filter", 'emails[type eq "work".value'],
    ["junk after a value filter", 'emails[type eq "work"]x'],
    ["a value filter on a single-valued attribute", 'name[givenName eq "x"].familyName'],
    ["a three-level path", "name.givenName.more"],
  ])("%s is 400 invalidPath (unknown attributes: with the reject policy)", async (_, path) => {
    expectScimError(await strict.patch(`/Users/${strictUser.id}`, patchOp({ op: "replace", path, value: "x" })), 400, "invalidPath");
  });

  test.each(["Remove", "remove"])("%s without a path is 400 noTarget", async (op) => {
    expectScimError(await scim.patch(`/Users/${user.id}`, patchOp({ op })), 400, "noTarget");
  });

  test("a value filter that matches nothing and cannot create an element is 400 noTarget", async () => {
    expectScimError(await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", path: 'emails[value co "nothing"].type', value: "home" })), 400, "noTarget");
  });

  test.each([
    ["id", "11111111-1111-1111-1111-111111111111"],
    ["meta", { version: "x" }],
    ["meta.created", "2000-01-01T00:00:00Z"],
    ["meta.version", 'W/"x"'],
    ["groups", [{ value: UNKNOWN }]],
    ["manager.displayName", "Boss"],
  ])("changing read-only %s is 400 mutability", async (path, value) => {
    expectScimError(await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", path, value })), 400, "mutability");
    expectScimError(await scim.patch(`/Users/${user.id}`, patchOp({ op: "add", path, value })), 400, "mutability");
  });

  test("a path-less value with id is 400 mutability", async () => {
    expectScimError(await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", value: { id: UNKNOWN } })), 400, "mutability");
  });

  test.each([
    ["active", "maybe"],
    ["active", 0],
    ["name", "Joy Young"],
    ["displayName", { text: "x" }],
    ["emails", [{ value: "a@b", primary: "yes" }]],
    [`${ENTERPRISE_USER}:manager`, [{ value: "a" }, { value: "b" }]],
  ])("replace %s with %j is 400 invalidValue", async (path, value) => {
    expectScimError(await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", path, value })), 400, "invalidValue");
  });

  test("removing userName is 400 invalidValue (required)", async () => {
    expectScimError(await scim.patch(`/Users/${user.id}`, patchOp({ op: "remove", path: "userName" })), 400, "invalidValue");
  });

  test("an add without a path needs an object value: 400 invalidValue", async () => {
    expectScimError(await scim.patch(`/Users/${user.id}`, patchOp({ op: "add", value: "x" })), 400, "invalidValue");
  });

  afterAll(async () => {
    expect((await scim.get(`/Users/${user.id}`)).body).toEqual(user);
  });
});

describe("POST and PUT errors", () => {
  test.each([
    ["no userName", { displayName: "x" }, "invalidValue"],
    ["an empty userName", { userName: "" }, "invalidValue"],
    ["userName null", { userName: null }, "invalidValue"],
    ["userName as an object", { userName: { value: "x" } }, "invalidValue"],
    ["active not a boolean", { userName: "u", active: "maybe" }, "invalidValue"],
    ["name as a string", { userName: "u", name: "Joy" }, "invalidValue"],
    ["an unknown attribute (reject policy)", { userName: "u", favouriteColour: "blue" }, "invalidSyntax"],
    ["an unknown sub-attribute (reject policy)", { userName: "u", name: { nickname: "x" } }, "invalidSyntax"],
  ])("POST with %s is 400 %s", async (what, body, scimType) => {
    const b = { ...body, ...(typeof (body as any).userName === "string" && (body as any).userName ? { userName: unique() } : {}) };
    expectScimError(await (what.includes("reject policy") ? strict : scim).post("/Users", b), 400, scimType);
  });

  test("PUT with a wrong type is 400 invalidValue and changes nothing", async () => {
    expectScimError(await scim.put(`/Users/${user.id}`, { userName: user.userName, active: "maybe" }), 400, "invalidValue");
    expect((await scim.get(`/Users/${user.id}`)).body).toEqual(user);
  });
});

/** Table Storage limits: a write is either stored whole (and reads back) or rejected with a 4xx. */
function expectStoredOrRejected(reply: Reply): "stored" | "rejected" {
  expect(reply.status).toBeLessThan(500);
  if (reply.status === 201 || reply.status === 200) return "stored";
  expectScimError(reply, reply.status, reply.body?.scimType);
  expect([400, 413]).toContain(reply.status);
  return "rejected";
}

describe("Table Storage key and size limits", () => {
  test.each([
    ["a 600-character userName", () => `${unique()}${"n".repeat(600)}@example.com`],
    ["a userName with key-forbidden characters", () => `${unique()}/#?%@example.com`],
    ["a userName with non-BMP characters", () => `${unique()}😀@example.com`],
  ])("%s is stored and found by userName eq, or rejected with 4xx", async (_, make) => {
    await expectFoundOrRejected(make());
  });

  // Filter values are JSON strings (\u0001, \t, \\), so a userName with control characters or a
  // backslash is found again by userName eq; otherwise Entra would re-POST and get 409 forever.
  test.each([
    ["a userName with control characters", () => `${unique()}\u0001\t\n\u007f\u009f@example.com`],
    ["a userName with a backslash", () => `CONTOSO\\${unique()}`],
  ])("%s is stored and found by userName eq, or rejected with 4xx", async (_, make) => {
    await expectFoundOrRejected(make());
  });

  async function expectFoundOrRejected(userName: string): Promise<void> {
    const reply = await scim.post("/Users", entraUser({ userName }));
    if (expectStoredOrRejected(reply) === "rejected") return;
    expect(reply.body.userName).toBe(userName);
    const found = await scim.get(`/Users${filterQuery(`userName eq ${JSON.stringify(userName.toUpperCase())}`)}`);
    expect(found.body.Resources.map((r: any) => r.id)).toEqual([reply.body.id]);
    expect(roundTrips(found)).toBe(1);
    expectScimError(await scim.post("/Users", entraUser({ userName: userName.toLowerCase() })), 409, "uniqueness");
  }

  test("a 600-character externalId is stored and found by externalId eq, or rejected with 4xx", async () => {
    const externalId = `${unique()}${"e".repeat(600)}`;
    const reply = await scim.post("/Users", entraUser({ externalId }));
    if (expectStoredOrRejected(reply) === "rejected") return;
    const found = await scim.get(`/Users${filterQuery(`externalId eq "${externalId}"`)}`);
    expect(found.body.Resources.map((r: any) => r.id)).toEqual([reply.body.id]);
    expect((await scim.get(`/Users${filterQuery(`externalId eq "${externalId.slice(0, -1)}"`)}`)).body.totalResults).toBe(0);
  });

  test("a 70,000-character displayName is stored whole, or rejected with 4xx", async () => {
    const displayName = "d".repeat(70_000);
    const reply = await scim.post("/Users", entraUser({ displayName }));
    if (expectStoredOrRejected(reply) === "rejected") return;
    const got = await scim.get(`/Users/${reply.body.id}`);
    expect(got.body.displayName).toBe(displayName);
    const patched = await scim.patch(`/Users/${reply.body.id}`, patchOp({ op: "replace", path: "title", value: "t".repeat(70_000) }));
    expectStoredOrRejected(patched);
  });

  test("a huge roles array is rejected with 4xx and leaves no userName behind", async () => {
    const body = entraUser({ roles: Array.from({ length: 8000 }, (_, i) => ({ value: `role-${i}-${"r".repeat(40)}`, display: `Role ${i}` })) });
    const reply = await scim.post("/Users", body);
    expect(expectStoredOrRejected(reply)).toBe("rejected");
    expect((await scim.get(`/Users${filterQuery(`userName eq "${String(body.userName)}"`)}`)).body.totalResults).toBe(0);
    expect((await scim.get(`/Users${filterQuery(`externalId eq "${String(body.externalId)}"`)}`)).body.totalResults).toBe(0);
    expectStatus(await scim.post("/Users", { ...body, roles: [] }), 201);
  });

  test("a PATCH that would make the user too large is rejected with 4xx and changes nothing", async () => {
    const target = await createUser(scim);
    const roles = Array.from({ length: 8000 }, (_, i) => ({ value: `role-${i}-${"r".repeat(40)}` }));
    const reply = await scim.patch(`/Users/${target.id}`, patchOp({ op: "Add", path: "roles", value: roles }));
    expect(expectStoredOrRejected(reply)).toBe("rejected");
    expect((await scim.get(`/Users/${target.id}`)).body).toEqual(target);
  });
});

describe("no request yields a 500", () => {
  const odd: Array<[string, string, unknown]> = [
    ["GET", "/Users?filter=%", undefined],
    ["GET", "/Users?filter=%22", undefined],
    ["GET", `/Users?filter=${encodeURIComponent('userName eq "\u0000"')}`, undefined],
    ["GET", `/Users?filter=${encodeURIComponent(`userName eq "${"x".repeat(5000)}"`)}`, undefined],
    ["GET", `/Users?filter=${encodeURIComponent("(".repeat(500) + 'userName eq "a"' + ")".repeat(500))}`, undefined],
    ["GET", `/Users?filter=${encodeURIComponent(Array.from({ length: 200 }, (_, i) => `title eq "${i}"`).join(" or "))}`, undefined],
    ["GET", "/Users?attributes=,,,&excludedAttributes=%00", undefined],
    ["GET", "/Users?startIndex=99999999999999999999&count=99999999999999999999", undefined],
    ["GET", "/Users?sortBy=userName&sortOrder=descending", undefined],
    ["POST", "/Users", { userName: "x".repeat(2000), [ENTERPRISE_USER]: { manager: { value: "m".repeat(2000) } } }],
    ["POST", "/Users", { userName: unique(), emails: "not-a-list@example.com" }],
    ["POST", "/Users", { userName: unique(), emails: [null, 1, "x"] }],
    ["POST", "/Users", { userName: unique(), [ENTERPRISE_USER]: { manager: 12 } }],
    ["POST", "/Users/.search", { filter: 'userName eq "a"', attributes: 7 }],
    ["PATCH", "/Users/{id}", patchOp({ op: "replace", path: "", value: { "": "x" } })],
    ["PATCH", "/Users/{id}", patchOp({ op: "replace", path: null, value: { "name.": "x" } })],
    ["PATCH", "/Users/{id}", patchOp({ op: "add", path: "emails[", value: "x" })],
    ["PATCH", "/Users/{id}", patchOp({ op: "add", path: 'emails[type eq "work"].value', value: { nested: true } })],
    ["PATCH", "/Users/{id}", patchOp(...Array.from({ length: 2000 }, () => ({ op: "add", path: "title", value: "x" })))],
  ];

  test.each(odd)("%s %s", async (method, path, body) => {
    const reply = await scim.request(method, path.replace("{id}", user.id), body);
    expect(reply.status).toBeLessThan(500);
    if (reply.status >= 400) expectScimError(reply, reply.status, reply.body?.scimType);
  });
});
