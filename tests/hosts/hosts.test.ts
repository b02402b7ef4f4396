// One case list, two hosts: the Azure Functions adapter (HttpRequest objects built in the library's
// test mode, dispatched the way the Functions host routes: same templates, same precedence) and the
// node:http local host. Both come from the one route table, so they must answer alike.
import { Readable } from "node:stream";
import { HttpRequest, InvocationContext } from "@azure/functions";
import { azureHandler } from "../../functions/azure-adapter";
import { routeMatcher, routes } from "../../shared/http/routes";
import { startTestHost, TestHost, ScimClient, entraUser, patchOp, CORE_GROUP } from "../support/scim-client";

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: any;
}
type Send = (method: string, path: string, init?: { body?: string; token?: string | null; contentType?: string }) => Promise<Answer>;

let t: TestHost;
let scim: ScimClient;
beforeAll(async () => {
  t = await startTestHost();
  scim = await t.newTenant();
});
afterAll(() => t.close());

const lower = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
const parse = (text: string) => (text ? JSON.parse(text) : undefined);

function headersFor(token: string | null | undefined, body?: string, contentType = "application/scim+json"): Record<string, string> {
  return {
    ...(token === null ? {} : { authorization: `Bearer ${token ?? scim.token}` }),
    ...(body === undefined ? {} : { "content-type": contentType }),
  };
}

const viaLocalHost: Send = async (method, path, init = {}) => {
  const res = await fetch(`${t.host.url}${path}`, { method, headers: headersFor(init.token, init.body, init.contentType), body: init.body });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: parse(await res.text()) };
};

const viaFunctions: Send = async (method, path, init = {}) => {
  const url = new URL(`${t.host.url}${path}`);
  const match = routeMatcher.match(method, url.pathname);
  if (!match || "allowed" in match) throw new Error(`the Functions host would not route ${method} ${path}`);
  const request = new HttpRequest({
    method,
    url: url.toString(),
    params: match.params,
    headers: headersFor(init.token, init.body, init.contentType),
    body: init.body === undefined ? undefined : { string: init.body },
  });
  const response = await azureHandler(t.service.pipeline, match.item)(
    request,
    new InvocationContext({ functionName: match.item.name, logHandler: () => undefined }),
  );
  let text = "";
  if (typeof response.body === "string") text = response.body;
  else if (response.body instanceof Readable) for await (const chunk of response.body) text += chunk.toString();
  return { status: response.status ?? 200, headers: lower((response.headers ?? {}) as Record<string, string>), body: parse(text) };
};

describe.each([
  ["the Azure Functions adapter", viaFunctions],
  ["the local host", viaLocalHost],
] as const)("%s", (_host, send) => {
  test("serves discovery without a token", async () => {
    const reply = await send("GET", "/scim/v2/ServiceProviderConfig", { token: null });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^application\/scim\+json/);
    expect(reply.body.patch).toEqual({ supported: true });
  });

  test("answers Test Connection with 200 and an empty list", async () => {
    const reply = await send("GET", "/scim/v2/Users?filter=userName+eq+%2200aa00aa-bb11-cc22-dd33-44ee44ee44ee%22");
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  test("creates, patches and reads a user with ETag and Location", async () => {
    const created = await send("POST", "/scim/v2/Users", { body: JSON.stringify(entraUser()) });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(created.body.meta.location);
    const patched = await send("PATCH", `/scim/v2/Users/${created.body.id}`, {
      body: JSON.stringify(patchOp({ op: "Replace", path: "active", value: "False" })),
    });
    expect(patched.status).toBe(200);
    expect(patched.body.active).toBe(false);
    expect(patched.headers.etag).toBe(patched.body.meta.version);
  });

  test("streams a group's members", async () => {
    const member = await scim.post("/Users", entraUser());
    const group = await scim.post("/Groups", { schemas: [CORE_GROUP], displayName: `hosts ${Math.random()}`, members: [{ value: member.body.id }] });
    const reply = await send("GET", `/scim/v2/Groups/${group.body.id}`);
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^application\/scim\+json/);
    expect(reply.body.members.map((m: { value: string }) => m.value)).toEqual([member.body.id]);
  });

  test("searches every resource type with POST /.search at the root, ahead of the catch-all", async () => {
    const user = await scim.post("/Users", entraUser());
    const group = await scim.post("/Groups", { schemas: [CORE_GROUP], displayName: `hosts ${Math.random()}`, members: [{ value: user.body.id }] });
    const filter = `id eq "${user.body.id}" or id eq "${group.body.id}"`;
    const reply = await send("POST", "/scim/v2/.search", {
      body: JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter }),
    });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^application\/scim\+json/);
    expect(reply.body.Resources.map((r: { id: string; meta: { resourceType: string } }) => [r.id, r.meta.resourceType])).toEqual([
      [user.body.id, "User"],
      [group.body.id, "Group"],
    ]);
  });

  test.each([
    ["an unknown route", "GET", "/scim/v2/Nope", undefined, 404],
    ["GET on the root search", "GET", "/scim/v2/.search", undefined, 405],
    ["malformed JSON", "POST", "/scim/v2/Users", "{not json", 400],
    ["an unknown id", "GET", "/scim/v2/Users/not-an-id", undefined, 404],
  ])("answers %s with a SCIM error", async (_case, method, path, body, status) => {
    const reply = await send(method, path, { body });
    expect(reply.status).toBe(status);
    expect(reply.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: String(status) });
  });

  test("rejects a bad token with 401 and a challenge", async () => {
    const reply = await send("GET", "/scim/v2/Users", { token: "sft_0000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
    expect(reply.status).toBe(401);
    expect(reply.headers["www-authenticate"]).toMatch(/^Bearer/);
  });

  test("answers the token endpoint with an OAuth error, not a SCIM one", async () => {
    const reply = await send("POST", "/oauth2/token", { token: null, body: "grant_type=password", contentType: "application/x-www-form-urlencoded" });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe("unsupported_grant_type");
    expect(reply.headers["cache-control"]).toBe("no-store");
  });
});

test("every route has a unique Functions name and a template the Functions host accepts", () => {
  const names = routes.map((r) => r.name);
  expect(new Set(names).size).toBe(names.length);
  for (const r of routes) {
    expect(r.name).toMatch(/^[A-Za-z][A-Za-z0-9_-]*$/);
    expect(r.route).not.toMatch(/^(admin|\/)/i); // the host reserves admin/…; routePrefix is "" so no leading slash
  }
});
