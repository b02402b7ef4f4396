// The activity log under Entra's own traffic (every replay fixture), what it must never hold (seeded
// values searched for in every activity row, every request log line and the status page), and the CLI
// (npm run activity, npm run admin -- link) run in-process against the test host's service.
import { randomUUID } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { startTestHost, TestHost, ScimClient, entraUser, patchOp } from "../support/scim-client";
import { fixtureFiles, readFixture, replay } from "../support/entra-replay";
import { main } from "../../scripts/operator-commands";
import { periodOf, tenantPartition } from "../../shared/store";

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.close());

interface Entry {
  kind: string;
  status?: number;
  route?: string;
  reason?: string;
  event?: string;
  userHash?: string;
}

async function activityOf(scim: ScimClient): Promise<Entry[]> {
  await t.service.dispatcher.schedule(scim.tenant);
  const admin = await t.apiClient(scim.tenant, "admin");
  const r = await admin.get("/operator/activity?limit=1000");
  expect(r.status).toBe(200);
  return r.body.data as Entry[];
}

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

describe("every Entra replay fixture leaves its trace", () => {
  test.each(fixtureFiles())("%s", async (file) => {
    const fixture = readFixture(file);
    const scim = await t.newTenant();
    await replay(scim, t.scimUrl, fixture); // asserts every step's expected status
    const statuses = fixture.steps.map((s) => s.expect.status);
    const entries = await activityOf(scim);
    const refused = fixture.steps.flatMap((_, i) => ((statuses[i] ?? 0) >= 400 ? [statuses[i]] : []));
    const requests = entries.filter((e) => e.kind === "request" && (e.status ?? 0) >= 400);
    expect(requests.map((e) => e.status).sort()).toEqual(refused.sort());
    for (const e of entries) expect(e.reason ?? e.event).toBeTruthy();
    const wrote = fixture.steps.some((s, i) => WRITES.has(s.request.method.toUpperCase()) && !s.request.path.includes(".search") && (statuses[i] ?? 0) < 300);
    const writes = entries.filter((e) => e.kind === "write");
    if (wrote) expect(writes.length).toBeGreaterThan(0);
    else expect(writes).toEqual([]);
  });
});

describe("privacy", () => {
  test("no seeded value, token or e-mail appears in an activity row, a log line or the status page; userName only as its keyed hash", async () => {
    const n = randomUUID().slice(0, 8);
    const seeded = {
      userName: `ada.lovelace.${n}@privacy-seed.example`,
      email: `countess.${n}@privacy-seed.example`,
      givenName: `Augusta${n}`,
      familyName: `Byron${n}`,
      displayName: `Ada Seeded ${n}`,
      bogusToken: `sft_0123456789abcdef_${n}SECRETSECRET`,
      oddValue: `maybe-${n}`,
    };
    const scim = await t.newTenant({ policy: { required: { User: ["name.familyName"] } } });
    const capture = t.captureRequestLog();
    const user = entraUser({
      userName: seeded.userName,
      displayName: seeded.displayName,
      emails: [{ primary: true, type: "work", value: seeded.email }],
      name: { givenName: seeded.givenName, familyName: seeded.familyName },
    });
    const created = await scim.post("/Users", user);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    // Refusals whose details would echo input: a conflict, an invalid filter, a wrong-typed value, a missing required attribute.
    expect((await scim.post("/Users", user)).status).toBe(409);
    expect((await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${seeded.userName}" and (`)}`)).status).toBe(400);
    expect((await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "active", value: seeded.oddValue }))).status).toBe(400);
    expect((await scim.post("/Users", entraUser({ userName: `x${seeded.userName}`, name: { givenName: seeded.givenName } }))).status).toBe(400);
    expect((await scim.post("/Users", entraUser({ [seeded.email]: "x" }))).status).toBe(201); // an unknown "attribute" named like an address
    expect((await scim.withToken(seeded.bogusToken).get("/Users")).status).toBe(401);
    expect((await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "displayName", value: `${seeded.displayName}!` }))).status).toBe(200);
    await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${seeded.userName}"`)}`);
    const entries = await activityOf(scim);
    capture.stop();

    // Every row of the tenant's activity partition, read raw from today's day table.
    const table = TableClient.fromConnectionString(process.env.SCIM_STORAGE_CONNECTION_STRING ?? "", t.service.store.activity.tableOf(periodOf(Date.now())), {
      allowInsecureConnection: true,
    });
    const rows: unknown[] = [];
    for await (const row of table.listEntities({ queryOptions: { filter: `PartitionKey eq '${tenantPartition(scim.tenant)}'` } })) rows.push(row);
    expect(rows.length).toBeGreaterThan(5);
    const admin = await t.apiClient(scim.tenant, "admin");
    const page = await admin.get("/operator");
    expect(page.status).toBe(200);
    const json = await admin.get("/operator/status.json");

    const haystacks = {
      rows: JSON.stringify(rows),
      api: JSON.stringify(entries),
      log: capture.raw.join("\n"),
      page: String(page.body),
      json: JSON.stringify(json.body),
    };
    const secrets = [...Object.values(seeded), scim.token, seeded.userName.toLowerCase(), `privacy-seed.example`, n];
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of secrets) expect({ where, found: text.includes(secret) ? secret : undefined }).toEqual({ where, found: undefined });
    }
    const hash = await t.service.userHasher.hash(seeded.userName);
    expect(entries.filter((e) => e.userHash === hash).map((e) => e.event ?? e.status)).toEqual(expect.arrayContaining(["user.created", "user.updated", 409]));
  });
});

describe("npm run activity and npm run admin -- link", () => {
  async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, t.service);
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  test("activity lists a tenant's refusals and writes, filters by status and user, prints JSON", async () => {
    const scim = await t.newTenant();
    const user = entraUser();
    const created = await scim.post("/Users", user);
    await scim.post("/Users", user); // 409
    await scim.post("/Users", entraUser()); // someone else
    await t.service.dispatcher.schedule(scim.tenant);
    await t.service.activity.flush();
    const all = await cli("activity", "--tenant", scim.tenant);
    expect(all.code).toBe(0);
    expect(all.out).toContain(`user.created User/${created.body.id as string}`);
    expect(all.out).toContain("409 createUser — userName is already in use");
    const fours = await cli("activity", "--tenant", scim.tenant, "--status", "4xx", "--json");
    expect((JSON.parse(fours.out) as Entry[]).map((e) => e.status)).toEqual([409]);
    const mine = JSON.parse((await cli("activity", "--tenant", scim.tenant, "--user", user.userName as string, "--json")).out) as Entry[];
    expect(mine.map((e) => e.event ?? e.status)).toEqual([409, "user.created"]);
    expect(all.out).not.toContain(user.userName as string);
  });

  test("bad arguments are usage errors (exit 2)", async () => {
    expect((await cli("activity", "--tenant", "Bad Tenant")).code).toBe(2);
    expect((await cli("activity", "--tenant", "t", "--status", "6xx")).code).toBe(2);
    expect((await cli("activity", "--tenant", "t", "--since", "last week")).code).toBe(2);
    expect((await cli("activity", "--tennant", "t")).err).toContain("did you mean --tenant?");
    expect((await cli("link", "--tenant", "t", "--minutes", "2000")).code).toBe(2);
  });

  test("link prints a status-page URL that opens the tenant's page, and only that tenant's", async () => {
    const scim = await t.newTenant();
    const r = await cli("link", "--tenant", scim.tenant, "--minutes", "15", "--base-url", t.host.url);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^${t.host.url}/operator\\?ticket=st1\\.${scim.tenant}\\.\\d{10}\\.[A-Za-z0-9_-]{43}$`));
    const page = await fetch(r.out);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`tenant ${scim.tenant}`);
    expect(page.headers.get("set-cookie")).toMatch(/^scim_status=st1\..*; Max-Age=(8\d\d|900); Path=\/operator; HttpOnly; SameSite=Strict$/);
  });
});
