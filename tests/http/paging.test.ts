// Pagination (RFC 7644 §3.4.2.4) as Microsoft's gallery validation walks it: ≥ 11 users, count=5,
// startIndex 1, 6, 11 echoed; pages never overlap or skip; totalResults exact; count=0 gives only the
// total; startIndex below 1 means 1.
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import { LIST_URN, createUsers, entraUser, expectScimError, expectStatus, filterQuery, unique } from "../support/builders";

let t: TestHost;
let scim: ScimClient;
let ids: string[];
const TOTAL = 12;
const tag = unique("pg");

beforeAll(async () => {
  t = await startTestHost();
  scim = await t.newTenant();
  const users = await createUsers(scim, TOTAL, (i) =>
    entraUser({ userName: `${tag}-${String(i).padStart(2, "0")}@example.com`, title: i % 2 ? "odd" : "even" }),
  );
  ids = users.map((u) => u.id);
});
afterAll(() => t.close());

const idsOf = (body: any): string[] => (body.Resources ?? []).map((r: any) => r.id);

test("the gallery walk: count=5 from startIndex 1 while startIndex ≤ totalResults visits every user once", async () => {
  const visited: string[] = [];
  const starts: number[] = [];
  let startIndex = 1;
  for (;;) {
    const page = await scim.get(`/Users?startIndex=${startIndex}&count=5`);
    expectStatus(page, 200);
    expect(page.body.schemas).toEqual([LIST_URN]);
    expect(page.body.totalResults).toBe(TOTAL);
    expect(page.body.startIndex).toBe(startIndex);
    expect(page.body.itemsPerPage).toBe(page.body.Resources.length);
    starts.push(startIndex);
    visited.push(...idsOf(page.body));
    startIndex += page.body.Resources.length;
    if (page.body.Resources.length === 0 || startIndex > page.body.totalResults) break;
  }
  expect(starts).toEqual([1, 6, 11]);
  expect(visited).toHaveLength(TOTAL);
  expect(new Set(visited)).toEqual(new Set(ids));
});

test("the same page asked twice is the same page (deterministic order)", async () => {
  const a = await scim.get("/Users?startIndex=4&count=3");
  const b = await scim.get("/Users?startIndex=4&count=3");
  expect(idsOf(a.body)).toHaveLength(3);
  expect(idsOf(a.body)).toEqual(idsOf(b.body));
});

test.each([1, 2, 3, 4, 7, 12])("pages of %i neither overlap nor skip", async (count) => {
  const visited: string[] = [];
  for (let start = 1; start <= TOTAL; start += count) visited.push(...idsOf((await scim.get(`/Users?startIndex=${start}&count=${count}`)).body));
  expect(visited).toHaveLength(TOTAL);
  expect(new Set(visited)).toEqual(new Set(ids));
});

test("startIndex=1&count=1 (the gallery's credential check) returns one user and the exact total", async () => {
  const page = await scim.get("/Users?startIndex=1&count=1");
  expectStatus(page, 200);
  expect(page.body).toMatchObject({ totalResults: TOTAL, startIndex: 1, itemsPerPage: 1 });
  expect(page.body.Resources).toHaveLength(1);
});

test("count=0 returns only totalResults", async () => {
  const page = await scim.get("/Users?count=0");
  expectStatus(page, 200);
  expect(page.body.totalResults).toBe(TOTAL);
  expect(page.body.Resources ?? []).toEqual([]);
  expect(page.body.itemsPerPage ?? 0).toBe(0);
});

test.each(["0", "-1", "-100"])("startIndex=%s is treated as 1", async (startIndex) => {
  const page = await scim.get(`/Users?startIndex=${startIndex}&count=3`);
  expectStatus(page, 200);
  expect(page.body.startIndex).toBe(1);
  expect(idsOf(page.body)).toEqual(idsOf((await scim.get("/Users?startIndex=1&count=3")).body));
});

test("a negative count is treated as 0", async () => {
  const page = await scim.get("/Users?count=-5");
  expectStatus(page, 200);
  expect(page.body.totalResults).toBe(TOTAL);
  expect(page.body.Resources ?? []).toEqual([]);
});

test("startIndex past the end is an empty page with the exact total", async () => {
  const page = await scim.get(`/Users?startIndex=${TOTAL + 1}&count=5`);
  expectStatus(page, 200);
  expect(page.body).toMatchObject({ totalResults: TOTAL, startIndex: TOTAL + 1 });
  expect(page.body.Resources ?? []).toEqual([]);
});

test("without count every user fits the default page", async () => {
  const page = await scim.get("/Users");
  expect(page.body.totalResults).toBe(TOTAL);
  expect(new Set(idsOf(page.body))).toEqual(new Set(ids));
});

test("filtered results page the same way, with totalResults counting all matches", async () => {
  const filter = `title eq "odd" and userName sw "${tag}"`;
  const visited: string[] = [];
  for (const start of [1, 3, 5]) {
    const page = await scim.get(`/Users${filterQuery(filter, `&startIndex=${start}&count=2`)}`);
    expectStatus(page, 200);
    expect(page.body.totalResults).toBe(TOTAL / 2);
    expect(page.body.startIndex).toBe(start);
    visited.push(...idsOf(page.body));
  }
  expect(new Set(visited).size).toBe(TOTAL / 2);
});

test("an index lookup past its only match is an empty page with totalResults 1", async () => {
  const page = await scim.get(`/Users${filterQuery(`userName eq "${tag}-00@example.com"`, "&startIndex=2")}`);
  expect(page.body.totalResults).toBe(1);
  expect(page.body.Resources ?? []).toEqual([]);
  const counted = await scim.get(`/Users${filterQuery(`userName eq "${tag}-00@example.com"`, "&count=0")}`);
  expect(counted.body.totalResults).toBe(1);
  expect(counted.body.Resources ?? []).toEqual([]);
});

test("POST /.search pages like GET", async () => {
  const page = await scim.post("/Users/.search", { startIndex: 6, count: 5 });
  expectStatus(page, 200);
  expect(page.body).toMatchObject({ totalResults: TOTAL, startIndex: 6, itemsPerPage: 5 });
  expect(idsOf(page.body)).toEqual(idsOf((await scim.get("/Users?startIndex=6&count=5")).body));
});

test.each(["startIndex=abc", "count=ten", "count=1.5"])("a non-integer %s is 400", async (query) => {
  const reply = await scim.get(`/Users?${query}`);
  expectScimError(reply, 400, reply.body?.scimType);
  expect(reply.body.scimType === undefined || reply.body.scimType === "invalidValue").toBe(true);
});
