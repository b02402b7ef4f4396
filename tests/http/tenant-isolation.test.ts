// Tenant isolation: tenant A's token never reads or writes tenant B's data — by id, by filter (crafted
// quotes included), by crafted ids, by PATCH/PUT/DELETE — and listings show only the caller's users.
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import { createUser, entraUser, expectScimError, expectStatus, filterQuery, fullUser, patchOp } from "../support/builders";

let t: TestHost;
let a: ScimClient;
let b: ScimClient;
let aUser: any;
let bUser: any;

beforeAll(async () => {
  t = await startTestHost();
  a = await t.newTenant();
  b = await t.newTenant();
  aUser = await createUser(a, fullUser());
  bUser = await createUser(b, fullUser());
});
afterAll(() => t.close());

/** B's user must be exactly as created, whatever A tried. */
async function expectBUntouched(): Promise<void> {
  const got = await b.get(`/Users/${bUser.id}`);
  expectStatus(got, 200);
  expect(got.body).toEqual(bUser);
}

afterEach(expectBUntouched);

describe("by id", () => {
  test("GET of B's id with A's token is 404", async () => {
    expectScimError(await a.get(`/Users/${bUser.id}`), 404);
  });

  test("PATCH of B's id with A's token is 404", async () => {
    expectScimError(await a.patch(`/Users/${bUser.id}`, patchOp({ op: "Replace", path: "displayName", value: "pwned" })), 404);
    expectScimError(await a.patch(`/Users/${bUser.id}`, patchOp({ op: "Replace", path: "active", value: "False" }), { "If-Match": "*" }), 404);
  });

  test("PUT of B's id with A's token is 404 and creates nothing in A", async () => {
    expectScimError(await a.put(`/Users/${bUser.id}`, { userName: "pwned@example.com" }), 404);
    expect((await a.get(`/Users${filterQuery('userName eq "pwned@example.com"')}`)).body.totalResults).toBe(0);
  });

  test("DELETE of B's id with A's token is 404", async () => {
    expectScimError(await a.delete(`/Users/${bUser.id}`), 404);
  });

  test("GET of B's id with If-None-Match is still 404 for A", async () => {
    expectScimError(await a.get(`/Users/${bUser.id}`, { "If-None-Match": "*" }), 404);
  });
});

describe("by filter", () => {
  test.each([
    ["userName", () => `userName eq "${bUser.userName}"`],
    ["externalId", () => `externalId eq "${bUser.externalId}"`],
    ["id", () => `id eq "${bUser.id}"`],
    ["id, unquoted, with manager (§1.6)", () => `id eq ${bUser.id} and manager eq ${bUser.id}`],
    ["work e-mail", () => `emails[type eq "work"].value eq "${bUser.emails[0].value}"`],
    ["userName prefix", () => `userName sw "${String(bUser.userName).slice(0, 8)}"`],
    ["a match-all", () => "userName pr"],
    ["a negated miss", () => 'not (userName eq "nobody")'],
  ])("A filtering on B's %s sees nothing of B", async (_, filter) => {
    const reply = await a.get(`/Users${filterQuery(filter())}`);
    expectStatus(reply, 200);
    expect((reply.body.Resources ?? []).map((r: any) => r.id)).not.toContain(bUser.id);
  });

  test.each(["x' or PartitionKey ne '", "x' or RowKey ne '", "' or '1' eq '1", "x%27%20or%20PartitionKey%20ne%20%27", "t:other", "N:x"])(
    "a crafted userName %j finds nothing and lists nothing of B",
    async (crafted) => {
      for (const filter of [`userName eq "${crafted}"`, `externalId eq "${crafted}"`, `id eq "${crafted}"`, `userName co "${crafted}"`]) {
        const reply = await a.get(`/Users${filterQuery(filter)}`);
        expectStatus(reply, 200);
        expect(reply.body.totalResults).toBe(0);
      }
    },
  );

  test("POST /.search with A's token sees nothing of B", async () => {
    const reply = await a.post("/Users/.search", { filter: `userName eq "${bUser.userName}"` });
    expectStatus(reply, 200);
    expect(reply.body.totalResults).toBe(0);
  });
});

describe("by crafted ids", () => {
  test.each([
    ["upper-cased", (id: string) => id.toUpperCase()],
    ["with a leading space", (id: string) => ` ${id}`],
    ["with a trailing %20", (id: string) => `${id}%20`],
    ["with the row prefix", (id: string) => `U:${id}`],
    ["behind an encoded ../", (id: string) => `..%2F${id}`],
    ["with an OData injection", (id: string) => encodeURIComponent(`${id}' or PartitionKey ne '`)],
    ["with an encoded path", (id: string) => encodeURIComponent(`${id}/../${id}`)],
    ["with an encoded #", (id: string) => encodeURIComponent(`${id}#`)],
    ["with an encoded ?", (id: string) => encodeURIComponent(`${id}?`)],
  ])("B's id %s is 404 for A", async (_, craft) => {
    const path = `/Users/${craft(bUser.id)}`;
    expect((await a.get(path)).status).toBe(404);
    expect((await a.patch(path, patchOp({ op: "Replace", path: "displayName", value: "pwned" }))).status).toBe(404);
    expect((await a.delete(path)).status).toBe(404);
  });
});

describe("listings and uniqueness", () => {
  test("each tenant lists only its own users", async () => {
    const listA = await a.get("/Users?count=200");
    const listB = await b.get("/Users?count=200");
    const idsA = listA.body.Resources.map((r: any) => r.id);
    const idsB = listB.body.Resources.map((r: any) => r.id);
    expect(idsA).toContain(aUser.id);
    expect(idsA).not.toContain(bUser.id);
    expect(idsB).toContain(bUser.id);
    expect(idsB).not.toContain(aUser.id);
    expect(listA.body.totalResults).toBe(idsA.length);
  });

  test("a userName taken in B is free in A, and the two users stay separate", async () => {
    const twin = await a.post("/Users", entraUser({ userName: bUser.userName, externalId: bUser.externalId }));
    expectStatus(twin, 201);
    expect(twin.body.id).not.toBe(bUser.id);
    const fromA = await a.get(`/Users${filterQuery(`userName eq "${bUser.userName}"`)}`);
    expect(fromA.body.Resources.map((r: any) => r.id)).toEqual([twin.body.id]);
    const fromB = await b.get(`/Users${filterQuery(`userName eq "${bUser.userName}"`)}`);
    expect(fromB.body.Resources.map((r: any) => r.id)).toEqual([bUser.id]);
    expect((await a.delete(`/Users/${twin.body.id}`)).status).toBe(204);
  });

  test("A deleting its own twin of B's userName leaves B's lookup working", async () => {
    const twin = await createUser(a, entraUser({ userName: bUser.userName }));
    expect((await a.delete(`/Users/${twin.id}`)).status).toBe(204);
    const fromB = await b.get(`/Users${filterQuery(`userName eq "${bUser.userName}"`)}`);
    expect(fromB.body.Resources.map((r: any) => r.id)).toEqual([bUser.id]);
  });
});
