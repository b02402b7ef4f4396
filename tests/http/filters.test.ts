// GET /Users?filter= through the local host: the RFC 7644 grammar over every kind of attribute, case
// rules, Entra's shapes (form-encoded, unquoted, manager reference check, work e-mail), no match = 200
// with an empty list, malformed = 400 invalidFilter, and one round trip for eq on userName/externalId/id.
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import {
  ENTERPRISE_USER,
  LIST_URN,
  createUser,
  entraUser,
  expectScimError,
  expectStatus,
  filterQuery,
  formFilterQuery,
  fullUser,
  patchOp,
  roundTrips,
  unique,
} from "../support/builders";

let t: TestHost;
let scim: ScimClient;
const tag = unique("flt");
let ann: any, bob: any, cy: any, boss: any;

beforeAll(async () => {
  t = await startTestHost();
  scim = await t.newTenant();
  boss = await createUser(scim, fullUser({ userName: `${tag}-boss@example.com`, externalId: `${tag}-Boss`, displayName: "The Boss" }));
  ann = await createUser(
    scim,
    fullUser({
      userName: `${tag}-Ann.Lee@Contoso.com`,
      externalId: `${tag}-AnnExt`,
      displayName: "Ann Lee",
      title: "Engineer",
      emails: [
        { value: `ann@${tag}.work`, type: "work", primary: true },
        { value: `ann@${tag}.home`, type: "home" },
      ],
      phoneNumbers: [{ value: "+1 555 0101", type: "mobile" }],
      [ENTERPRISE_USER]: { employeeNumber: "1001", department: "R&D", costCenter: "CC-1", manager: { value: boss.id } },
    }),
  );
  bob = await createUser(
    scim,
    entraUser({
      userName: `${tag}-bob@contoso.com`,
      externalId: `${tag}-bobext`,
      displayName: "Bob Stone",
      title: "Manager",
      active: false,
      emails: [{ value: `bob@${tag}.work`, type: "work" }],
    }),
  );
  cy = await createUser(scim, entraUser({ userName: `${tag}-cy@fabrikam.com`, externalId: `${tag}-cyext`, displayName: "Cy Twombly", nickName: "Cy" }));
  // Move cy's lastModified after bob's creation.
  expectStatus(await scim.patch(`/Users/${cy.id}`, patchOp({ op: "Replace", path: "title", value: "Artist" })), 200);
});
afterAll(() => t.close());

async function ids(filter: string, extra = ""): Promise<string[]> {
  const reply = await scim.get(`/Users${filterQuery(filter, extra)}`);
  expectStatus(reply, 200);
  expect(reply.body.schemas).toEqual([LIST_URN]);
  expect(reply.body.totalResults).toBe(reply.body.Resources?.length ?? 0);
  return (reply.body.Resources ?? []).map((r: any) => r.id).sort();
}
const idsOf = (...users: any[]) => users.map((u) => u.id).sort();
/** Restricts a filter to this file's users. */
const mine = (filter: string) => `userName sw "${tag}" and (${filter})`;

describe("operators over string attributes", () => {
  test.each([
    ['displayName eq "Ann Lee"', () => [ann]],
    ['displayName ne "Ann Lee"', () => [boss, bob, cy]],
    ['displayName co "on"', () => [bob]],
    ['displayName sw "c"', () => [cy]],
    ['displayName ew "LEE"', () => [ann]],
    ['displayName gt "C"', () => [cy, boss]],
    ['displayName ge "Cy Twombly"', () => [cy, boss]],
    ['displayName lt "B"', () => [ann]],
    ['displayName le "Bob Stone"', () => [ann, bob]],
    ["nickName pr", () => [boss, ann, cy]], // fullUser sets nickName
    ["not (nickName pr)", () => [bob]],
    ['title eq "Engineer" or title eq "Manager"', () => [ann, bob]],
    ['(title eq "Engineer" or title eq "Manager") and active eq true', () => [ann]],
    ['title eq "Artist" or displayName eq "Ann Lee" and title eq "Nope"', () => [cy]],
  ])("%s", async (filter, expected) => {
    expect(await ids(mine(filter))).toEqual(idsOf(...expected()));
  });
});

describe("case rules", () => {
  test("userName is case-insensitive (and an eq on it is one round trip)", async () => {
    const reply = await scim.get(`/Users${filterQuery(`userName eq "${String(ann.userName).toUpperCase()}"`)}`);
    expect(reply.body.Resources.map((r: any) => r.id)).toEqual([ann.id]);
    expect(roundTrips(reply)).toBe(1);
    expect(await ids(`userName eq "${String(ann.userName).toLowerCase()}"`)).toEqual([ann.id]);
  });

  test("externalId is case-exact", async () => {
    expect(await ids(`externalId eq "${ann.externalId}"`)).toEqual([ann.id]);
    expect(await ids(`externalId eq "${String(ann.externalId).toLowerCase()}"`)).toEqual([]);
    expect(await ids(`externalId eq "${String(ann.externalId).toUpperCase()}"`)).toEqual([]);
  });

  test("displayName and title are case-insensitive", async () => {
    expect(await ids(mine('displayName eq "ANN LEE"'))).toEqual([ann.id]);
    expect(await ids(mine('title co "ENGIN"'))).toEqual([ann.id]);
  });

  test("attribute names and operators are case-insensitive (UserName EQ)", async () => {
    expect(await ids(`UserName EQ "${ann.userName}"`)).toEqual([ann.id]);
    expect(await ids(mine('DISPLAYNAME Sw "ann"'))).toEqual([ann.id]);
  });
});

describe("one storage round trip for eq on userName, externalId and id", () => {
  test.each([
    ["userName", () => `userName eq "${bob.userName}"`],
    ["externalId", () => `externalId eq "${bob.externalId}"`],
    ["id", () => `id eq "${bob.id}"`],
    ["userName and another clause", () => `userName eq "${bob.userName}" and active eq false`],
  ])("%s", async (_, filter) => {
    const reply = await scim.get(`/Users${filterQuery(filter())}`);
    expect(reply.body.Resources.map((r: any) => r.id)).toEqual([bob.id]);
    expect(roundTrips(reply)).toBe(1);
  });

  test.each([
    ["userName", `userName eq "${unique()}"`],
    ["externalId", `externalId eq "${unique()}"`],
    ["id", 'id eq "7a7c3a1e-5a6b-4c1d-9e0f-000000000000"'],
    ["id that is no id", 'id eq "not-an-id"'],
  ])("no match on %s is 200 with totalResults 0 in at most one round trip", async (_, filter) => {
    const reply = await scim.get(`/Users${filterQuery(filter)}`);
    expectStatus(reply, 200);
    expect(reply.body).toMatchObject({ schemas: [LIST_URN], totalResults: 0, startIndex: 1 });
    expect(reply.body.Resources ?? []).toEqual([]);
    expect(roundTrips(reply)).toBeLessThanOrEqual(1);
  });
});

describe("multi-valued and complex attributes", () => {
  test.each([
    [() => `emails[type eq "work"].value eq "ann@${tag}.work"`, () => [ann]],
    [() => `emails[type eq "work"].value eq "ann@${tag}.home"`, () => []], // same element, not any element
    [() => `emails[type eq "work" and value co "${tag}.work"]`, () => [ann, bob]],
    [() => `emails[type eq "home"] and emails.value ew "${tag}.home"`, () => [ann]],
    [() => `emails.value eq "bob@${tag}.work"`, () => [bob]],
    [() => `emails co "@${tag}.home"`, () => [ann]],
    [() => 'phoneNumbers[type eq "mobile"].value eq "+1 555 0101"', () => [ann]],
    [() => 'name.familyName eq "jensen"', () => [boss, ann]],
    [() => 'addresses[type eq "work"].locality eq "Hollywood"', () => [boss, ann]],
  ])("%s", async (filter, expected) => {
    expect(await ids(mine(filter()))).toEqual(idsOf(...expected()));
  });
});

describe("enterprise extension", () => {
  test.each([
    [`${ENTERPRISE_USER}:employeeNumber eq "1001"`, () => [ann]],
    [`${ENTERPRISE_USER}:department eq "r&d"`, () => [ann]],
    [`${ENTERPRISE_USER}:costCenter pr`, () => [boss, ann]],
    [`${ENTERPRISE_USER}:manager.value eq "__BOSS__"`, () => [ann]],
    ['manager eq "__BOSS__"', () => [ann]],
  ])("%s", async (filter, expected) => {
    expect(await ids(mine(filter.replace("__BOSS__", boss.id)))).toEqual(idsOf(...expected()));
  });
});

describe("booleans and dates", () => {
  test("active eq false finds disabled users, which carry active false", async () => {
    const reply = await scim.get(`/Users${filterQuery(mine("active eq false"))}`);
    expect(reply.body.Resources.map((r: any) => [r.id, r.active])).toEqual([[bob.id, false]]);
  });

  test("active eq true and active ne false", async () => {
    expect(await ids(mine("active eq true"))).toEqual(idsOf(boss, ann, cy));
    expect(await ids(mine("active ne false"))).toEqual(idsOf(boss, ann, cy));
  });

  test("meta.lastModified and meta.created compare as dates", async () => {
    // Expectations come from the stored timestamps, so users written in the same millisecond cannot flake.
    const users = await Promise.all([boss, ann, bob, cy].map(async (u) => (await scim.get(`/Users/${u.id}`)).body));
    const boundary = bob.meta.created;
    const pick = (attr: "created" | "lastModified", keep: (diff: number) => boolean) =>
      idsOf(...users.filter((u) => keep(Date.parse(u.meta[attr]) - Date.parse(boundary))));
    expect(pick("lastModified", (d) => d > 0)).toContain(cy.id);
    expect(await ids(mine(`meta.lastModified gt "${boundary}"`))).toEqual(pick("lastModified", (d) => d > 0));
    expect(await ids(mine(`meta.lastModified lt "${boundary}"`))).toEqual(pick("lastModified", (d) => d < 0));
    expect(await ids(mine(`meta.created ge "${boundary}"`))).toEqual(pick("created", (d) => d >= 0));
    expect(await ids(mine(`meta.created le "${boundary}"`))).toEqual(pick("created", (d) => d <= 0));
  });
});

describe("Entra's request shapes", () => {
  test("form-encoded filter (filter=userName+eq+%22a%40b%22)", async () => {
    const query = formFilterQuery(`userName eq "${ann.userName}"`);
    expect(query).toContain("+eq+");
    const reply = await scim.get(`/Users${query}`);
    expect(reply.body.Resources.map((r: any) => r.id)).toEqual([ann.id]);
  });

  test("legacy unquoted value (externalId eq jyoung)", async () => {
    expect(await ids(`externalId eq ${ann.externalId}`)).toEqual([ann.id]);
  });

  test.each([true, false])("manager reference check, quoted=%s (§1.6)", async (quoted) => {
    const q = (v: string) => (quoted ? `"${v}"` : v);
    const hit = await scim.get(`/Users${filterQuery(`id eq ${q(ann.id)} and manager eq ${q(boss.id)}`, "&attributes=id")}`);
    expectStatus(hit, 200);
    expect(hit.body.totalResults).toBe(1);
    expect(hit.body.Resources).toEqual([{ schemas: expect.any(Array), id: ann.id }]);
    const miss = await scim.get(`/Users${filterQuery(`id eq ${q(ann.id)} and manager eq ${q(cy.id)}`, "&attributes=id")}`);
    expect(miss.body.totalResults).toBe(0);
  });

  test("the Test Connection probe: userName eq a random GUID is 200 with an empty list", async () => {
    const reply = await scim.get(`/Users${formFilterQuery('userName eq "3f1e2d4c-5b6a-4978-8695-a4b3c2d1e0f9"')}`);
    expectStatus(reply, 200);
    expect(reply.body).toMatchObject({ schemas: [LIST_URN], totalResults: 0 });
    expect(reply.body.Resources ?? []).toEqual([]);
  });

  test("an unknown query parameter next to the filter is ignored (Q23)", async () => {
    expect((await scim.get(`/Users${filterQuery(`userName eq "${ann.userName}"`, "&aadOptscim062020")}`)).body.totalResults).toBe(1);
  });

  test("the filter parameter name is case-insensitive", async () => {
    const reply = await scim.get(`/Users?Filter=${encodeURIComponent(`userName eq "${ann.userName}"`)}`);
    expect(reply.body.totalResults).toBe(1);
  });

  test("a filter value containing quotes and apostrophes", async () => {
    const odd = `${tag}-o'brien "the" x@example.com`;
    const created = await createUser(scim, entraUser({ userName: odd }));
    expect(await ids(`userName eq "${odd.replace(/"/g, '\\"')}"`)).toEqual([created.id]);
  });

  test("an empty filter parameter lists everything", async () => {
    const reply = await scim.get("/Users?filter=&count=0");
    expectStatus(reply, 200);
    expect(reply.body.totalResults).toBeGreaterThanOrEqual(4);
  });
});

describe("malformed or unsupported filters are 400 invalidFilter", () => {
  test.each([
    "userName",
    "userName eq",
    'userName eq "unterminated',
    'userName foo "a"',
    'noSuchAttribute eq "a"',
    'emails[type eq "work"',
    '(userName eq "a"',
    'userName eq "a" and',
    "active gt true",
    'meta.lastModified gt "yesterday"',
    "password pr",
    "userName eq @@",
  ])("%s", async (filter) => {
    expectScimError(await scim.get(`/Users${filterQuery(filter)}`), 400, "invalidFilter");
  });
});
