// The activity log through the admin API: an entry for each kind of refusal (with a reason of ours, never
// the error's detail), an entry for each write from its event, search by status and by userName (its
// keyed hash), and day tables past retention dropped whole.
import { startTestHost, TestHost, ScimClient, entraUser, patchOp, CORE_GROUP } from "../support/scim-client";
import { createStaticToken } from "../../shared/auth/lifecycle";
import { periodOf } from "../../shared/store";
import { startFaultyProxy } from "../support/faulty-proxy";

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost({
    SCIM_MAX_BODY_BYTES: "20000",
    SCIM_CREDENTIAL_REQUESTS_PER_SECOND: "1",
    SCIM_CREDENTIAL_BURST: "60",
    SCIM_LIMIT_QUEUE_SECONDS: "0",
  });
});
afterAll(() => t.close());

interface Entry {
  kind: string;
  status?: number;
  scimType?: string;
  route?: string;
  reason?: string;
  resourceId?: string;
  event?: string;
  attributes?: string[];
  requestId?: string;
  userHash?: string;
}

async function activity(admin: ScimClient, query = ""): Promise<Entry[]> {
  await t.service.dispatcher.schedule(admin.tenant);
  const r = await admin.get(`/operator/activity?limit=1000${query}`);
  expect(r.status).toBe(200);
  return r.body.data as Entry[];
}

describe("refused requests", () => {
  let scim: ScimClient;
  let admin: ScimClient;
  let userId: string;
  const ids: Record<string, string> = {};
  const send = async (name: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const id = `req-${name}`;
    const r = await scim.request(method, path, body, { ...headers, "x-request-id": id });
    ids[name] = id;
    return r;
  };

  beforeAll(async () => {
    scim = await t.newTenant({ policy: { required: { User: ["name.familyName"] } } });
    admin = await t.apiClient(scim.tenant, "admin");
    const created = await scim.post("/Users", entraUser());
    userId = created.body.id;
    const group = await scim.post("/Groups", { schemas: [CORE_GROUP], displayName: "Ops" });
    expect(group.status).toBe(201);

    expect((await send("invalidValue", "POST", "/Users", entraUser({ name: { givenName: "x" } }))).status).toBe(400);
    expect((await send("invalidSyntax", "POST", "/Users", "{not json")).status).toBe(400);
    expect((await send("invalidFilter", "GET", `/Users?filter=${encodeURIComponent('userName eq "secret-filter-text" and (')}`)).status).toBe(400);
    expect((await send("invalidPath", "PATCH", `/Users/${userId}`, patchOp({ op: "replace", path: 'emails[type eq "work"]x', value: "v" }))).status).toBe(400);
    expect((await send("noTarget", "PATCH", `/Users/${userId}`, patchOp({ op: "remove" }))).status).toBe(400);
    expect((await send("mutability", "PATCH", `/Users/${userId}`, patchOp({ op: "replace", path: "id", value: "x" }))).status).toBe(400);
    expect((await send("notFound", "GET", "/Users/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await send("conflict", "POST", "/Users", { ...entraUser(), userName: created.body.userName })).status).toBe(409);
    expect((await send("precondition", "PUT", `/Users/${userId}`, entraUser({ userName: created.body.userName }), { "If-Match": 'W/"old"' })).status).toBe(412);
    expect((await send("tooLarge", "POST", "/Users", entraUser({ displayName: "x".repeat(30_000) }))).status).toBe(413);
    expect((await send("ignored", "POST", "/Users", entraUser({ adreses: "x" }))).status).toBe(201);
    // 401: an expired credential of this tenant (its id names the tenant); 403: a token of another scope.
    const expiring = await createStaticToken(t.service.credentials, { tenant: scim.tenant, label: "old", expiresInDays: 1 });
    const record = await t.service.credentials.get(expiring.record.id);
    if (record) await t.service.credentials.put({ ...record, expiresAt: new Date(Date.now() - 1000).toISOString() });
    await new Promise((r) => setTimeout(r, 1100)); // the credential cache (1 s in tests)
    const r401 = await scim.withToken(expiring.token).request("GET", "/Users", undefined, { "x-request-id": "req-unauthorized" });
    expect(r401.status).toBe(401);
    ids.unauthorized = "req-unauthorized";
    const events = await t.apiClient(scim.tenant, "events");
    const r403 = await new ScimClient(t.scimUrl, events.token, scim.tenant).request("GET", "/Users", undefined, { "x-request-id": "req-forbidden" });
    expect(r403.status).toBe(403);
    ids.forbidden = "req-forbidden";
  });

  const cases: Array<[string, number, string | undefined, RegExp]> = [
    ["invalidValue", 400, "invalidValue", /^required attribute name\.familyName missing$/],
    ["invalidSyntax", 400, "invalidSyntax", /^request body is not valid JSON$/],
    ["invalidFilter", 400, "invalidFilter", /^filter could not be parsed$/],
    ["invalidPath", 400, "invalidPath", /^PATCH path is not valid$/],
    ["noTarget", 400, "noTarget", /^PATCH remove without a path$/],
    ["mutability", 400, "mutability", /^attribute id is read-only$/],
    ["notFound", 404, undefined, /^resource not found$/],
    ["conflict", 409, "uniqueness", /^userName is already in use$/],
    ["precondition", 412, undefined, /^If-Match/],
    ["tooLarge", 413, undefined, /^request body too large$/],
    ["ignored", 201, undefined, /^unknown attribute 'adreses' ignored$/],
    ["unauthorized", 401, undefined, /^credential expired$/],
    ["forbidden", 403, undefined, /^credential is not for this endpoint$/],
  ];
  test.each(cases)("%s: an entry with status, scimType, route and our reason", async (name, status, scimType, reason) => {
    const entries = await activity(admin);
    const entry = entries.find((e) => e.requestId === ids[name]);
    expect(entry).toMatchObject({ kind: "request", status, ...(scimType ? { scimType } : {}) });
    expect(entry?.reason).toMatch(reason);
    expect(entry?.route).toBeTruthy();
  });

  test("a refused PATCH names its resource id", async () => {
    const entries = await activity(admin);
    expect(entries.find((e) => e.requestId === ids.noTarget)?.resourceId).toBe(userId);
  });

  test("no entry keeps an error's detail text", async () => {
    const text = JSON.stringify(await activity(admin));
    expect(text).not.toContain("secret-filter-text");
    expect(text).not.toContain("is missing: this application");
  });

  test("status filter: 4xx, a code, 2xx (writes)", async () => {
    const fours = await activity(admin, "&status=4xx");
    expect(fours.length).toBeGreaterThanOrEqual(11);
    expect(fours.every((e) => String(e.status).startsWith("4"))).toBe(true);
    expect((await activity(admin, "&status=409")).map((e) => e.requestId)).toEqual([ids.conflict]);
    const writes = await activity(admin, "&status=2xx");
    expect(writes.some((e) => e.kind === "write" && e.event === "user.created" && e.resourceId === userId)).toBe(true);
  });

  test("bad query parameters are 400 in the API's format", async () => {
    for (const q of ["status=6xx", "limit=0", "since=yesterday", "after=nope"]) {
      const r = await admin.get(`/operator/activity?${q}`);
      expect(r.status).toBe(400);
      expect(r.body.error.status).toBe(400);
    }
  });

  test("Entra's SCIM token is refused by the admin API", async () => {
    const r = await new ScimClient(admin.baseUrl, scim.token, scim.tenant).get("/operator/activity");
    expect(r.status).toBe(403);
  });
});

describe("limits and outages", () => {
  test("429: a credential past its budget gets an entry 'request limit reached'", async () => {
    const scim = await t.newTenant();
    const admin = await t.apiClient(scim.tenant, "admin");
    const replies = await Promise.all(Array.from({ length: 80 }, () => scim.get("/Users?count=1")));
    const limited = replies.filter((r) => r.status === 429).length;
    expect(limited).toBeGreaterThan(0);
    const entries = (await activity(admin, "&status=429")).filter((e) => e.reason === "request limit reached");
    expect(entries.length).toBe(limited);
  });

  test("503: storage unavailable gets an entry once storage is back", async () => {
    const proxy = await startFaultyProxy(process.env.SCIM_STORAGE_CONNECTION_STRING ?? "");
    const host = await startTestHost({ SCIM_STORAGE_CONNECTION_STRING: proxy.connectionString, SCIM_EVENT_DISPATCH: "off" });
    try {
      const scim = await host.newTenant();
      const admin = await host.apiClient(scim.tenant, "admin");
      expect((await scim.post("/Users", entraUser())).status).toBe(201);
      // Only the main table fails: the activity log's day tables (…ac<yyyymmdd>) still answer.
      proxy.fail("server-busy", ({ url }) => !/ac\d{8}/.test(url));
      const refused = await scim.request("GET", "/Users?filter=userName%20eq%20%22x%22", undefined, { "x-request-id": "req-unavailable" });
      expect(refused.status).toBe(503);
      proxy.heal();
      const r = await admin.get("/operator/activity?status=503");
      expect(r.body.data).toEqual([expect.objectContaining({ requestId: "req-unavailable", status: 503, reason: "storage unavailable" })]);
    } finally {
      proxy.heal();
      await host.close();
      await proxy.close();
    }
  });
});

describe("writes and search by userName", () => {
  test("every write has an entry from its event; --user finds the user's writes and refusals by its hash", async () => {
    const scim = await t.newTenant();
    const admin = await t.apiClient(scim.tenant, "admin");
    const user = entraUser();
    const created = await scim.post("/Users", user);
    const id = created.body.id as string;
    await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "displayName", value: "New" }));
    await scim.patch(`/Users/${id}`, patchOp({ op: "Replace", path: "active", value: "False" }));
    await scim.patch(`/Users/${id}`, patchOp({ op: "remove" })); // refused, no userName in it
    const group = await scim.post("/Groups", { schemas: [CORE_GROUP], displayName: "G", members: [{ value: id }] });
    await scim.delete(`/Users/${id}`);
    const other = await scim.post("/Users", entraUser());
    expect(other.status).toBe(201);

    const all = await activity(admin);
    const events = all.filter((e) => e.kind === "write").map((e) => `${e.event ?? ""}:${e.resourceId ?? ""}`);
    expect(events).toEqual(
      expect.arrayContaining([
        `user.created:${id}`,
        `user.updated:${id}`,
        `user.deactivated:${id}`,
        `group.created:${group.body.id}`,
        `group.member_added:${group.body.id}`,
        `user.deleted:${id}`,
      ]),
    );
    expect(all.find((e) => e.event === "user.updated")?.attributes).toEqual(["displayName"]);

    const mine = await activity(admin, `&user=${encodeURIComponent(user.userName as string)}`);
    expect(mine.filter((e) => e.kind === "write").map((e) => e.event)).toEqual(["user.deleted", "user.deactivated", "user.updated", "user.created"]);
    expect(mine.some((e) => e.kind === "request" && e.status === 400 && e.resourceId === id)).toBe(true);
    expect(mine.some((e) => e.resourceId === other.body.id)).toBe(false);
    // The same userName in another case finds the same entries (userName is unique case-insensitively).
    expect((await activity(admin, `&user=${encodeURIComponent((user.userName as string).toUpperCase())}`)).length).toBe(mine.length);
  });
});

describe("retention", () => {
  test("day tables past retention are dropped whole; those within it stay", async () => {
    const log = t.service.store.activity;
    const scim = await t.newTenant();
    const old = Date.now() - 40 * 86_400_000;
    const recent = Date.now() - 2 * 86_400_000;
    const entry = (ms: number) => ({ at: new Date(ms).toISOString(), kind: "request" as const, requestId: `r${ms}`, status: 400, reason: "bad request" });
    // Written straight into an old day's table (the log itself refuses to write past retention).
    const { TableClient } = await import("@azure/data-tables");
    const table = TableClient.fromConnectionString(process.env.SCIM_STORAGE_CONNECTION_STRING ?? "", log.tableOf(periodOf(old)), {
      allowInsecureConnection: true,
    });
    await table.createTable();
    await table.createEntity({ partitionKey: "t:" + scim.tenant, rowKey: "A:x", at: new Date(old).toISOString() });
    await log.write(scim.tenant, [entry(recent)], [], "test");
    expect(await log.periods()).toEqual(expect.arrayContaining([periodOf(old), periodOf(recent)]));
    const dropped = await log.prune();
    expect(dropped).toContain(periodOf(old));
    const left = await log.periods();
    expect(left).not.toContain(periodOf(old));
    expect(left).toContain(periodOf(recent));
    const page = await log.read(scim.tenant, { since: 0, until: Date.now() + 1000, limit: 10 });
    expect(page.entries.map((e) => e.requestId)).toEqual([`r${recent}`]);
  });
});
