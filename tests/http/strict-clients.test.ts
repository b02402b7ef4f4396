// What a strict SCIM client sees: every kind of answer — discovery, Users, Groups, lists, root searches,
// errors — run through tests/support/strict-client.ts, which checks each attribute against the schemas
// the body lists (as /Schemas defines them), the types, `meta`, and that nothing unassigned is sent as
// [] or null. The checker is tested first on answers made wrong, so a clean result means something.
import { startTestHost, TestHost, ScimClient, CORE_GROUP } from "../support/scim-client";
import { CORE_USER, ENTERPRISE_USER, createUser, entraUser, expectScimError, expectStatus, fullUser, patchOp, unique } from "../support/builders";
import { addMembers, createGroup, entraGroup, removeMembersByValue } from "../support/groups";
import { ERROR_URN, LIST_URN, SchemaDoc, StrictClient } from "../support/strict-client";
import { resourceWithStreamedArray } from "../../shared/scim/stream";

const LIMITS_URN = "urn:scim-functions:limits";

let t: TestHost;
let scim: ScimClient;
let strict: StrictClient;
beforeAll(async () => {
  t = await startTestHost();
  scim = await t.newTenant();
  strict = await StrictClient.discover(t.scimUrl);
});
afterAll(() => t.close());

/** The answer is conformant: the checker finds nothing (the problems are the failure message). */
function expectConformant(reply: { body: unknown }, options?: Parameters<StrictClient["problems"]>[1]): void {
  expect(strict.problems(reply.body, options)).toEqual([]);
}

const clone = (v: any) => structuredClone(v);

describe("the checker", () => {
  let user: any;
  let spc: any;
  beforeAll(async () => {
    user = (await scim.get(`/Users/${(await createUser(scim, fullUser())).id}`)).body;
    spc = (await scim.get("/ServiceProviderConfig")).body;
  });

  test("accepts the server's full user as it is", () => {
    expect(strict.problems(user)).toEqual([]);
  });

  test.each<[string, (u: any) => void, RegExp]>([
    ["a vendor attribute no listed schema defines", (u) => (u.vendorFlag = true), /\$\.vendorFlag: not defined/],
    ["an attribute in another spelling", (u) => ((u.nickname = u.nickName), delete u.nickName), /spelled "nickname"/],
    ["an empty multi-valued attribute", (u) => (u.roles = []), /\$\.roles: \[\]/],
    ["a null", (u) => (u.title = null), /\$\.title: null/],
    ["a boolean as a string", (u) => (u.active = "true"), /\$\.active: expected a JSON boolean/],
    ["an object where a string belongs", (u) => (u.title = { v: 1 }), /\$\.title: expected a JSON string/],
    ["a single value where an array belongs", (u) => (u.emails = u.emails[0]), /\$\.emails: multi-valued/],
    ["an unknown sub-attribute", (u) => (u.name.nick = "x"), /\$\.name\.nick: not a sub-attribute/],
    ["an extension block its schemas do not list", (u) => (u.schemas = [CORE_USER]), new RegExp(`not defined by any schema`)],
    ["an unknown schema URN", (u) => u.schemas.push("urn:example:nope"), /urn:example:nope is not defined by \/Schemas/],
    ["a returned-never attribute", (u) => (u.password = "x"), /\$\.password: returned "never"/],
    ["a returned-request attribute nobody asked for", (u) => (u.groups = [{ value: "g" }]), /\$\.groups: returned "request"/],
    ["a missing required attribute", (u) => delete u.userName, /\$\.userName: required/],
    ["meta without version", (u) => delete u.meta.version, /\$\.meta\.version: missing/],
    ["meta with a foreign key", (u) => (u.meta.etag = "x"), /\$\.meta\.etag: not a sub-attribute of meta/],
    ["meta with another location", (u) => (u.meta.location = `${t.scimUrl}/Users/other`), /\$\.meta\.location:/],
    ["meta with another resourceType", (u) => (u.meta.resourceType = "Users"), /\$\.meta\.resourceType:/],
    ["meta.created that is no dateTime", (u) => (u.meta.created = "yesterday"), /\$\.meta\.created: expected an xsd:dateTime/],
    ["meta.version that is no entity tag", (u) => (u.meta.version = "3"), /\$\.meta\.version: not an entity tag/],
  ])("flags %s", (_case, spoil, expected) => {
    const bad = clone(user);
    spoil(bad);
    expect(strict.problems(bad).join("\n")).toMatch(expected);
  });

  test("accepts groups when they were asked for", () => {
    expect(strict.problems({ ...clone(user), groups: [{ value: "g", type: "direct" }] }, { requested: ["groups"] })).toEqual([]);
  });

  test("flags the ServiceProviderConfig shape a strict client stopped at: a top-level attribute its schemas do not list", () => {
    expect(strict.problems(spc)).toEqual([]);
    const old = { ...clone(spc), schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"] };
    expect(strict.problems(old)).toEqual([expect.stringMatching(new RegExp(`^\\$\\.${LIMITS_URN}: not defined by any schema`))]);
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ["status as a number", { schemas: [ERROR_URN], status: 404, detail: "x" }, /\$\.status: expected a JSON string/],
    ["a foreign attribute", { schemas: [ERROR_URN], status: "404", detail: "x", message: "x" }, /\$\.message: not an attribute/],
    ["a scimType RFC 7644 does not define", { schemas: [ERROR_URN], status: "400", scimType: "badRequest" }, /\$\.scimType: "badRequest"/],
    ["no status", { schemas: [ERROR_URN], detail: "x" }, /\$\.status: required/],
    ["itemsPerPage that is not the page", { schemas: [LIST_URN], totalResults: 0, startIndex: 1, itemsPerPage: 20, Resources: [] }, /\$\.itemsPerPage/],
  ])("flags a message with %s", (_case, body, expected) => {
    expect(strict.problems(body).join("\n")).toMatch(expected);
  });

  test("flags an attribute a server declares under an RFC schema beyond RFC 7643", async () => {
    const served = (await scim.get("/Schemas")).body.Resources as SchemaDoc[];
    const types = (await scim.get("/ResourceTypes")).body.Resources;
    const padded = clone(served);
    padded.find((s: SchemaDoc) => s.id === CORE_USER).attributes.push({ name: "vendorFlag", type: "boolean", multiValued: false });
    expect(new StrictClient(t.scimUrl, padded, types).schemaProblems()).toEqual([
      `${CORE_USER}:vendorFlag: declared under an RFC schema that does not define it`,
    ]);
  });
});

describe("discovery documents", () => {
  test("/Schemas declares nothing under an RFC URN that RFC 7643 does not define, and serves every schema /ResourceTypes names", () => {
    expect(strict.schemaProblems()).toEqual([]);
  });

  test.each(["/ServiceProviderConfig", "/ResourceTypes", "/ResourceTypes/User", "/ResourceTypes/Group", "/Schemas"])("%s is conformant", async (path) => {
    const reply = await scim.get(path);
    expectStatus(reply, 200);
    expectConformant(reply);
  });

  test("every /Schemas/{id} is conformant, with meta.resourceType and meta.location", async () => {
    const ids = ((await scim.get("/Schemas")).body.Resources as SchemaDoc[]).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining([CORE_USER, ENTERPRISE_USER, CORE_GROUP, LIMITS_URN]));
    for (const id of ids) {
      const reply = await scim.get(`/Schemas/${id}`);
      expectStatus(reply, 200);
      expectConformant(reply);
      expect(reply.body.meta).toEqual({ resourceType: "Schema", location: `${t.scimUrl}/Schemas/${id}` });
    }
  });

  test("ResourceType documents carry meta.resourceType and meta.location", async () => {
    const reply = await scim.get("/ResourceTypes/User");
    expect(reply.body.meta).toEqual({ resourceType: "ResourceType", location: `${t.scimUrl}/ResourceTypes/User` });
  });
});

describe("users", () => {
  test("every answer about a fully populated user is conformant, with meta complete and exact", async () => {
    const created = await scim.post("/Users", fullUser());
    expectStatus(created, 201);
    expectConformant(created);
    const id = created.body.id;
    expect(created.body.meta).toEqual({
      resourceType: "User",
      created: expect.any(String),
      lastModified: expect.any(String),
      location: `${t.scimUrl}/Users/${id}`,
      version: created.headers.get("etag"),
    });
    expect(created.headers.get("location")).toBe(created.body.meta.location);
    const replaced = await scim.put(`/Users/${id}`, fullUser({ userName: created.body.userName, title: "Lead" }));
    expectStatus(replaced, 200);
    expectConformant(replaced);
    const patched = await scim.patch(`/Users/${id}`, patchOp({ op: "Replace", path: "active", value: "False" }));
    expectStatus(patched, 200);
    expectConformant(patched);
    expect(patched.body.meta.version).toBe(patched.headers.get("etag"));
    expect(patched.body.meta.lastModified >= patched.body.meta.created).toBe(true);
    for (const path of [`/Users/${id}`, "/Users", `/Users?filter=${encodeURIComponent(`userName eq "${created.body.userName}"`)}`]) {
      const reply = await scim.get(path);
      expectStatus(reply, 200);
      expectConformant(reply);
    }
    const searched = await scim.post("/Users/.search", { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: `id eq "${id}"` });
    expectStatus(searched, 200);
    expectConformant(searched);
    expect(searched.body.Resources).toHaveLength(1);
  });

  test("Entra's create with roles [] answers without roles, and emails removed by PATCH are omitted, not []", async () => {
    const created = await scim.post("/Users", entraUser({ roles: [] }));
    expectStatus(created, 201);
    expectConformant(created);
    expect(created.body).not.toHaveProperty("roles");
    const patched = await scim.patch(`/Users/${created.body.id}`, patchOp({ op: "remove", path: 'emails[type eq "work"]' }));
    expectStatus(patched, 200);
    expectConformant(patched);
    expect(patched.body).not.toHaveProperty("emails");
    const read = await scim.get(`/Users/${created.body.id}`);
    expectConformant(read);
    expect(read.body).not.toHaveProperty("emails");
  });

  test("groups appear when asked for, and a user in no group has none rather than []", async () => {
    const user = await createUser(scim);
    const asked = await scim.get(`/Users/${user.id}?attributes=groups`);
    expectConformant(asked, { projected: true, requested: ["groups"] });
    expect(asked.body).not.toHaveProperty("groups");
    const group = await createGroup(scim);
    expectStatus(await scim.patch(`/Groups/${group}`, addMembers(user.id)), 204);
    const member = await scim.get(`/Users/${user.id}?attributes=groups`);
    expectConformant(member, { projected: true, requested: ["groups"] });
    expect(member.body.groups).toEqual([{ value: group, $ref: `${t.scimUrl}/Groups/${group}`, type: "direct" }]);
  });

  test("a projected answer still carries only schema attributes", async () => {
    const user = await createUser(scim, fullUser());
    for (const query of ["?attributes=userName,emails.value", "?excludedAttributes=meta,name", `?attributes=${ENTERPRISE_USER}:department`]) {
      const reply = await scim.get(`/Users/${user.id}${query}`);
      expectStatus(reply, 200);
      expectConformant(reply, { projected: true });
    }
  });
});

describe("groups", () => {
  test("the 201 of POST /Groups answers members [] as Entra's documented exchange has it; nothing else is outside the schema", async () => {
    const created = await scim.post("/Groups", entraGroup());
    expectStatus(created, 201);
    expectConformant(created, { allowEmpty: ["members"] });
    expect(created.body.members).toEqual([]);
    expect(created.body.meta).toEqual({
      resourceType: "Group",
      created: expect.any(String),
      lastModified: expect.any(String),
      location: `${t.scimUrl}/Groups/${created.body.id}`,
      version: created.headers.get("etag"),
    });
  });

  test("a group without members is read, listed, replaced and searched without a members attribute", async () => {
    const body = entraGroup();
    const id = await createGroup(scim, body);
    const filter = encodeURIComponent(`displayName eq "${String(body.displayName)}"`);
    for (const path of [`/Groups/${id}`, `/Groups?filter=${filter}`]) {
      const reply = await scim.get(path);
      expectStatus(reply, 200);
      expectConformant(reply);
      const resource = path.includes("filter") ? reply.body.Resources[0] : reply.body;
      expect(resource.id).toBe(id);
      expect(resource).not.toHaveProperty("members");
    }
    const replaced = await scim.put(`/Groups/${id}`, { schemas: [CORE_GROUP], displayName: body.displayName, members: [] });
    expectStatus(replaced, 200);
    expectConformant(replaced);
    expect(replaced.body).not.toHaveProperty("members");
  });

  test("members are streamed when there are some, and their removal leaves no members attribute", async () => {
    const [a, b] = [await createUser(scim), await createUser(scim)];
    const id = await createGroup(scim);
    expectStatus(await scim.patch(`/Groups/${id}`, addMembers(a.id, b.id)), 204);
    const full = await scim.get(`/Groups/${id}`);
    expectConformant(full);
    expect(full.body.members.map((m: any) => m.value).sort()).toEqual([a.id, b.id].sort());
    expect(full.body.meta.version).toBe(full.headers.get("etag"));
    const list = await scim.get(`/Groups?filter=${encodeURIComponent(`members eq "${a.id}"`)}`);
    expectConformant(list);
    expectStatus(await scim.patch(`/Groups/${id}`, removeMembersByValue(a.id, b.id)), 204);
    const emptied = await scim.get(`/Groups/${id}`);
    expectConformant(emptied);
    expect(emptied.body).not.toHaveProperty("members");
    const projected = await scim.patch(`/Groups/${id}?attributes=displayName`, patchOp({ op: "Replace", path: "displayName", value: unique("g") }));
    expectStatus(projected, 200);
    expectConformant(projected, { projected: true });
  });

  test("a page of groups, some with members and some without, is conformant", async () => {
    const tenant = await t.newTenant();
    const user = await createUser(tenant);
    await createGroup(tenant, { members: [{ value: user.id }] });
    await createGroup(tenant);
    const reply = await tenant.get("/Groups");
    expectStatus(reply, 200);
    expect(strict.problems(reply.body)).toEqual([]);
    expect(reply.body.Resources.map((g: any) => g.members?.length ?? "absent").sort()).toEqual([1, "absent"]);
  });
});

describe("errors carry schemas, status as a string, scimType and detail only", () => {
  let user: any;
  beforeAll(async () => {
    user = await createUser(scim);
  });

  test.each<[string, () => Promise<any>, number, string | undefined]>([
    ["an unknown id", () => scim.get("/Users/2819c223-7f76-453a-919d-413861904646"), 404, undefined],
    ["an unknown path", () => scim.get("/Printers"), 404, undefined],
    ["a wrong method", () => scim.get("/.search"), 405, undefined],
    ["an unknown filter attribute", () => scim.get(`/Users?filter=${encodeURIComponent('nope eq "x"')}`), 400, "invalidFilter"],
    ["malformed JSON", () => scim.post("/Users", "{not json"), 400, "invalidSyntax"],
    ["a taken userName", () => scim.post("/Users", entraUser({ userName: user.userName })), 409, "uniqueness"],
    ["a stale If-Match", () => scim.put(`/Users/${user.id}`, entraUser({ userName: user.userName }), { "If-Match": 'W/"stale"' }), 412, undefined],
    ["no credentials", () => scim.withToken("").get("/Users"), 401, undefined],
    [
      "too many PATCH operations",
      () => scim.patch(`/Users/${user.id}`, patchOp(...Array.from({ length: 1001 }, () => ({ op: "replace", path: "title", value: "t" })))),
      413,
      undefined,
    ],
    ["Bulk", () => scim.post("/Bulk", { schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], Operations: [] }), 501, undefined],
  ])("%s", async (_case, send, status, scimType) => {
    const reply = await send();
    expectScimError(reply, status, scimType);
    expectConformant(reply);
  });
});

describe("POST /.search at the server root", () => {
  let root: ScimClient;
  let users: any[];
  let groups: string[];
  let all: string[];
  const search = (body: Record<string, unknown>) => root.post("/.search", { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], ...body });
  const ids = (reply: any) => (reply.body.Resources as any[]).map((r) => r.id);

  beforeAll(async () => {
    root = await t.newTenant();
    users = [await createUser(root), await createUser(root), await createUser(root)].sort((a, b) => (a.id < b.id ? -1 : 1));
    groups = [await createGroup(root, { members: [{ value: users[0].id }] }), await createGroup(root)];
    all = [...users.map((u) => u.id).sort(), ...[...groups].sort()];
  });

  test("without a filter lists users, then groups, each in id order with its own schemas and meta.resourceType", async () => {
    const reply = await search({});
    expectStatus(reply, 200);
    expectConformant(reply);
    expect(reply.body).toMatchObject({ schemas: [LIST_URN], totalResults: 5, startIndex: 1, itemsPerPage: 5 });
    expect(ids(reply)).toEqual(all);
    expect(reply.body.Resources.map((r: any) => [r.schemas[0], r.meta.resourceType])).toEqual([
      [CORE_USER, "User"],
      [CORE_USER, "User"],
      [CORE_USER, "User"],
      [CORE_GROUP, "Group"],
      [CORE_GROUP, "Group"],
    ]);
    const withMembers = reply.body.Resources.find((r: any) => r.id === groups[0]);
    expect(withMembers.members.map((m: any) => m.value)).toEqual([users[0].id]);
    expect(reply.body.Resources.find((r: any) => r.id === groups[1])).not.toHaveProperty("members");
  });

  test("pages across the types without overlap or gap, totalResults counting both", async () => {
    const seen: string[] = [];
    for (const startIndex of [1, 3, 5]) {
      const page = await search({ startIndex, count: 2 });
      expectConformant(page);
      expect(page.body).toMatchObject({ totalResults: 5, startIndex, itemsPerPage: startIndex === 5 ? 1 : 2 });
      seen.push(...ids(page));
    }
    expect(seen).toEqual(all);
    const beyond = await search({ startIndex: 6, count: 2 });
    expect(beyond.body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
    const counted = await search({ count: 0 });
    expect(counted.body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
  });

  test.each<[string, () => string, () => string[]]>([
    ["an attribute only users have", () => `userName eq "${users[1].userName}"`, () => [users[1].id]],
    ["an attribute only groups have", () => `members eq "${users[0].id}"`, () => [groups[0]!]],
    ["one clause for each type", () => `userName eq "${users[2].userName}" or members.value eq "${users[0].id}"`, () => [users[2].id, groups[0]!]],
    ["a negated clause on a user attribute (groups have no userName)", () => "not (userName pr)", () => [...groups].sort()],
    ["meta.resourceType", () => 'meta.resourceType eq "Group"', () => [...groups].sort()],
    ["an attribute both have", () => `id eq "${groups[1]!}" or id eq "${users[0].id}"`, () => [users[0].id, groups[1]!]],
  ])("filters on %s", async (_case, filter, expected) => {
    const reply = await search({ filter: filter() });
    expectStatus(reply, 200);
    expectConformant(reply);
    expect(ids(reply)).toEqual(expected());
    expect(reply.body.totalResults).toBe(expected().length);
  });

  test("a filtered page crosses from users to groups", async () => {
    const reply = await search({ filter: 'meta.resourceType eq "User" or meta.resourceType eq "Group"', startIndex: 3, count: 2 });
    expect(reply.body).toMatchObject({ totalResults: 5, startIndex: 3, itemsPerPage: 2 });
    expect(ids(reply)).toEqual(all.slice(2, 4));
  });

  test("attributes and excludedAttributes apply to each type as its schema has them", async () => {
    const narrowed = await search({ attributes: ["userName", "displayName"] });
    expectConformant(narrowed, { projected: true });
    for (const r of narrowed.body.Resources) {
      const keys = Object.keys(r).sort();
      expect(keys).toEqual(r.schemas[0] === CORE_USER ? ["id", "schemas", "userName"] : ["displayName", "id", "schemas"]);
    }
    const excluded = await search({ excludedAttributes: "members" });
    expectConformant(excluded, { projected: true });
    expect(excluded.body.Resources.filter((r: any) => "members" in r)).toEqual([]);
  });

  test("an attribute no resource type has is 400 invalidFilter", async () => {
    const reply = await search({ filter: 'shoeSize eq "9"' });
    expectScimError(reply, 400, "invalidFilter");
    expectConformant(reply);
  });

  test("is POST only, authenticated, and sees the caller's tenant alone", async () => {
    const wrongMethod = await root.get("/.search");
    expectScimError(wrongMethod, 405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    expectScimError(await root.withToken("").post("/.search", {}), 401);
    const other = await (await t.newTenant()).post("/.search", {});
    expect(other.body).toMatchObject({ totalResults: 0, Resources: [] });
  });
});

describe("a streamed resource opens its array on the first element", () => {
  async function text(elements: number, whenEmpty?: "omit" | "empty"): Promise<string> {
    async function* source() {
      for (let i = 0; i < elements; i++) yield { value: String(i) };
    }
    let out = "";
    for await (const chunk of resourceWithStreamedArray({ id: "g" }, "members", source(), 2, whenEmpty)) out += chunk;
    return out;
  }

  test.each([0, 1, 2, 3, 5])("%i elements in batches of 2", async (n) => {
    const parsed = JSON.parse(await text(n));
    if (n === 0) expect(parsed).toEqual({ id: "g" });
    else expect(parsed).toEqual({ id: "g", members: Array.from({ length: n }, (_, i) => ({ value: String(i) })) });
  });

  test('no elements with whenEmpty "empty" is "members":[]', async () => {
    expect(await text(0, "empty")).toBe('{"id":"g","members":[]}');
  });
});
