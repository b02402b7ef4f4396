// npm run events -- tail, run in-process (the same code the CLI runs) against a test host over HTTP:
// what it prints for each event, its filters, --follow until stopped, and its refusals.
import { main } from "../../scripts/events-commands";
import { type ScimClient, type TestHost, CORE_GROUP, entraUser, patchOp, startTestHost } from "../support/scim-client";

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.close());

interface Run {
  code: number;
  out: string[];
  err: string[];
}

function tail(argv: string[], cx: { defaultToken?: string; signal?: AbortSignal; onLine?: (line: string) => void } = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    out: (l: string) => {
      out.push(l);
      cx.onLine?.(l);
    },
    err: (l: string) => err.push(l),
  };
  const options = { defaultUrl: t.host.url, ...(cx.defaultToken ? { defaultToken: cx.defaultToken } : {}), ...(cx.signal ? { signal: cx.signal } : {}) };
  return main(["tail", ...argv], io, options).then((code) => ({ code, out, err }));
}

async function tenantWithHistory(): Promise<{ scim: ScimClient; api: ScimClient; user: string; group: string }> {
  const scim = await t.newTenant();
  const api = await t.apiClient(scim.tenant, "events");
  const user = (await scim.post("/Users", entraUser())).body.id as string;
  await scim.patch(`/Users/${user}`, patchOp({ op: "replace", path: "displayName", value: "Ada" }));
  const group = (await scim.post("/Groups", { schemas: [CORE_GROUP], displayName: "Eng", members: [{ value: user }] })).body.id as string;
  return { scim, api, user, group };
}

test("prints one line per event: sequence, time, type, resource id, changed names or member", async () => {
  const { api, user, group } = await tenantWithHistory();
  const r = await tail(["--token", api.token]);
  expect(r.code).toBe(0);
  expect(r.out).toHaveLength(4);
  expect(r.out[0]).toMatch(new RegExp(`^#1  \\d{4}-\\d\\d-\\d\\dT\\S+  user\\.created +  ${user}$`));
  expect(r.out[1]).toMatch(new RegExp(`^#2  \\S+  user\\.updated +  ${user}  displayName$`));
  expect(r.out[2]).toMatch(new RegExp(`^#3  \\S+  group\\.created +  ${group}$`));
  expect(r.out[3]).toMatch(new RegExp(`^#4  \\S+  group\\.member_added +  ${group}  \\+ ${user} \\(User\\)$`));
  expect(r.err.join("\n")).toMatch(/Cursor: \d{8}-4/);
});

test("--json prints the API's event objects, one per line; --types and --after select as the API does", async () => {
  const { api, user } = await tenantWithHistory();
  const json = await tail(["--token", api.token, "--json"]);
  expect(json.code).toBe(0);
  const printed = json.out.map((l) => JSON.parse(l));
  expect(printed).toEqual((await api.get("/events")).body.data);
  const typed = await tail(["--token", api.token, "--json", "--types", "user.updated,group.member_added"]);
  expect(typed.out.map((l) => JSON.parse(l).type)).toEqual(["user.updated", "group.member_added"]);
  const first = (await api.get("/events?limit=2")).body.cursor as string;
  const after = await tail(["--token", api.token, "--json", "--after", first]);
  expect(after.out.map((l) => JSON.parse(l).sequence)).toEqual([3, 4]);
  expect(printed[0].data.id).toBe(user);
});

test("--follow prints events committed while it waits, until it is stopped", async () => {
  const { scim, api } = await tenantWithHistory();
  const stop = new AbortController();
  const seen: string[] = [];
  let arrived: () => void = () => undefined;
  const running = tail(["--follow", "--after", (await api.get("/events")).body.cursor], {
    defaultToken: api.token,
    signal: stop.signal,
    onLine: (line) => {
      seen.push(line);
      arrived();
    },
  });
  // The follower polls at the head; the write arrives in (or just before) its long poll.
  const created = (await scim.post("/Users", entraUser())).body.id as string;
  if (seen.length === 0) await new Promise<void>((resolve) => (arrived = resolve));
  stop.abort();
  const r = await running;
  expect(r.code).toBe(0);
  expect(seen).toEqual([expect.stringMatching(new RegExp(`^#5  \\S+  user\\.created +  ${created}$`))]);
});

test("refusals: no token is a usage error, a SCIM token is 403, an unknown type is a usage error, a closed port is unreachable", async () => {
  const { scim, api } = await tenantWithHistory();
  const none = await tail([]);
  expect(none.code).toBe(2);
  expect(none.err.join("\n")).toMatch(/--token/);
  const wrong = await tail(["--token", scim.token]);
  expect(wrong.code).toBe(1);
  expect(wrong.err.join("\n")).toMatch(/403 forbidden/);
  const type = await tail(["--token", api.token, "--types", "user.exploded"]);
  expect(type.code).toBe(2);
  expect(type.err.join("\n")).toMatch(/unknown event type 'user\.exploded'/);
  const unknownOption = await tail(["--token", api.token, "--folow"]);
  expect(unknownOption.code).toBe(2);
  expect(unknownOption.err.join("\n")).toMatch(/did you mean --follow/);
  const closed = await tail(["--token", api.token, "--url", "http://127.0.0.1:9"]);
  expect(closed.code).toBe(1);
  expect(closed.err.join("\n")).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);
  const otherTenant = await tail(["--token", api.token, "--tenant", "someone-else"]);
  expect(otherTenant.code).toBe(1);
  expect(otherTenant.err.join("\n")).toMatch(/tenant '.+''s, not 'someone-else''s/);
});
