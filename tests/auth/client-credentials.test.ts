import { decodeJwt, decodeProtectedHeader } from "jose";
import { loadConfig } from "../../shared/config";
import { addClientSecret, createClient, SECRET_DAYS } from "../../shared/auth/lifecycle";
import { ClientSecretRecord } from "../../shared/auth/records";
import { startTestHost, TestHost, ScimClient, entraUser } from "../support/scim-client";
import { basicAuth, fakeClock, jwsParts, newOAuthTenant, tokenRequest } from "../support/oauth";

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost({ SCIM_CREDENTIAL_CACHE_SECONDS: "2", SCIM_ACCESS_TOKEN_MINUTES: "90", SCIM_AUTH_FAILURE_LIMIT: "1000" });
});
afterAll(async () => {
  await t.close();
});

const grant = (client_id: string, client_secret: string) => ({ grant_type: "client_credentials", client_id, client_secret });

describe("token endpoint, client secret", () => {
  test("issues a Bearer JWT for the client's tenant with no-store caching (form body)", async () => {
    const { client, secret } = await createClient(t.service.credentials, { tenant: "t-form" });
    const reply = await tokenRequest(t, grant(client.id, secret));
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toMatch(/^application\/json/);
    expect(reply.headers.get("cache-control")).toBe("no-store");
    expect(reply.headers.get("pragma")).toBe("no-cache");
    expect(reply.body).toEqual({ access_token: expect.any(String), token_type: "Bearer", expires_in: 90 * 60, scope: "scim" });
    const claims = decodeJwt(reply.body.access_token);
    expect(claims).toMatchObject({ iss: t.host.url, aud: t.scimUrl, sub: client.id, client_id: client.id, tenant: "t-form" });
    expect(claims.exp! - claims.iat!).toBe(90 * 60);
    expect(decodeProtectedHeader(reply.body.access_token)).toMatchObject({ alg: "ES256", typ: "at+jwt", kid: expect.any(String) });
  });

  test("accepts HTTP Basic client authentication and echoes a requested known scope", async () => {
    const { client, secret } = await createClient(t.service.credentials, { tenant: "t-basic" });
    const reply = await tokenRequest(t, { grant_type: "client_credentials", scope: "scim.readwrite" }, { Authorization: basicAuth(client.id, secret) });
    expect(reply.status).toBe(200);
    expect(reply.body.scope).toBe("scim.readwrite");
  });

  test("the access token reads the SCIM API of its tenant only (Entra's validation probe)", async () => {
    const a = await newOAuthTenant(t);
    const b = await newOAuthTenant(t);
    const created = await a.scim.post("/Users", entraUser());
    expect(created.status).toBe(201);
    const probe = await a.scim.get("/Users?startIndex=1&count=1");
    expect(probe.status).toBe(200);
    expect(probe.body.totalResults).toBe(1);
    expect((await b.scim.get("/Users?startIndex=1&count=1")).body.totalResults).toBe(0);
    expect((await b.scim.get(`/Users/${created.body.id}`)).status).toBe(404);
  });

  test("a tampered or foreign token gets 401 with a Bearer challenge", async () => {
    const { accessToken, scim } = await newOAuthTenant(t);
    const [h, p, s] = jwsParts(accessToken);
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    const tampered = [h, Buffer.from(JSON.stringify({ ...claims, tenant: "someone-else" })).toString("base64url"), s].join(".");
    for (const token of [tampered, `${h}.${p}.${s.slice(0, -4)}AAAA`, `${h}.${p}`, "eyJhbGciOiJub25lIn0.e30."]) {
      const reply = await scim.withToken(token).get("/Users?startIndex=1&count=1");
      expect(reply.status).toBe(401);
      expect(reply.headers.get("www-authenticate")).toMatch(/^Bearer /);
      expect(reply.body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
    }
  });

  test("an expired access token gets 401", async () => {
    const { scim } = await newOAuthTenant(t);
    const clock = fakeClock();
    try {
      clock.advance(90 * 60_000 + 31_000);
      const reply = await scim.get("/Users?startIndex=1&count=1");
      expect(reply.status).toBe(401);
      expect(reply.headers.get("www-authenticate")).toContain('error="invalid_token"');
    } finally {
      clock.restore();
    }
  });
});

describe("token endpoint errors (RFC 6749 §5.2)", () => {
  let clientId: string;
  let secret: string;
  beforeAll(async () => {
    ({ clientId, secret } = await newOAuthTenant(t));
  });

  test.each([
    { what: "no grant_type", params: { client_id: "x" }, status: 400, error: "invalid_request" },
    { what: "another grant type", params: { grant_type: "password", username: "a", password: "b" }, status: 400, error: "unsupported_grant_type" },
    { what: "an unknown scope", params: { grant_type: "client_credentials", scope: "scim admin" }, status: 400, error: "invalid_scope" },
    {
      what: "a wrong assertion type",
      params: { grant_type: "client_credentials", client_id: "0123456789abcdef", client_assertion_type: "saml", client_assertion: "x" },
      status: 400,
      error: "invalid_request",
    },
  ])("$what → $status $error", async ({ params, status, error }) => {
    const reply = await tokenRequest(t, params);
    expect(reply.status).toBe(status);
    expect(reply.body).toEqual({ error, error_description: expect.any(String) });
    expect(reply.headers.get("cache-control")).toBe("no-store");
  });

  test("a JSON body is invalid_request", async () => {
    const res = await fetch(`${t.host.url}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(grant(clientId, secret)),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_request");
  });

  test("repeated parameters and two authentication methods are invalid_request", async () => {
    const repeated = await fetch(`${t.host.url}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `grant_type=client_credentials&client_id=${clientId}&client_secret=${secret}&client_secret=${secret}`,
    });
    expect(repeated.status).toBe(400);
    expect(((await repeated.json()) as { error: string }).error).toBe("invalid_request");
    const both = await tokenRequest(t, grant(clientId, secret), { Authorization: basicAuth(clientId, secret) });
    expect(both.body.error).toBe("invalid_request");
  });

  test.each([
    ["an unknown client", () => grant("0123456789abcdef", secret)],
    ["a malformed client id", () => grant("not a client", secret)],
    ["a wrong secret", () => grant(clientId, secret.slice(0, -3) + "AAA")],
    ["a secret without the client", () => ({ grant_type: "client_credentials", client_id: clientId })],
  ])("%s → 401 invalid_client with a Basic challenge", async (_what, params) => {
    const reply = await tokenRequest(t, params());
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe("invalid_client");
    expect(reply.headers.get("www-authenticate")).toMatch(/^Basic /);
  });

  test("another client's secret does not authenticate this client", async () => {
    const other = await newOAuthTenant(t);
    const reply = await tokenRequest(t, grant(clientId, other.secret));
    expect(reply.body.error).toBe("invalid_client");
  });

  test("a GET on the token endpoint is 405", async () => {
    expect((await fetch(`${t.host.url}/oauth2/token`)).status).toBe(405);
  });
});

describe("secret expiry and lifetime bounds", () => {
  test("access-token lifetime must be 60–360 minutes; out-of-range settings are refused at startup", () => {
    expect(loadConfig({}).accessTokenMinutes).toBe(60);
    expect(loadConfig({ SCIM_ACCESS_TOKEN_MINUTES: "360" }).accessTokenMinutes).toBe(360);
    expect(() => loadConfig({ SCIM_ACCESS_TOKEN_MINUTES: "59" })).toThrow(/SCIM_ACCESS_TOKEN_MINUTES/);
    expect(() => loadConfig({ SCIM_ACCESS_TOKEN_MINUTES: "361" })).toThrow(/SCIM_ACCESS_TOKEN_MINUTES/);
    expect(() => loadConfig({ SCIM_CREDENTIAL_CACHE_SECONDS: "31" })).toThrow(/SCIM_CREDENTIAL_CACHE_SECONDS/);
  });

  test("client secrets expire in 1–3 years, 2 by default", async () => {
    const store = t.service.credentials;
    const { client, secretRecord } = await createClient(store, { tenant: "t-expiry" });
    const days = (r: ClientSecretRecord) => Math.round((Date.parse(r.expiresAt) - Date.parse(r.createdAt)) / 86_400_000);
    expect(days(secretRecord)).toBe(SECRET_DAYS.default);
    await expect(addClientSecret(store, client.id, 364)).rejects.toThrow(/365/);
    await expect(addClientSecret(store, client.id, 1096)).rejects.toThrow(/1095/);
    expect(days((await addClientSecret(store, client.id, 1095)).record)).toBe(1095);
  });

  test("an expired client secret is refused, and says so once the secret is proven", async () => {
    const { clientId, secret } = await newOAuthTenant(t);
    const clock = fakeClock();
    try {
      clock.advance((SECRET_DAYS.default + 1) * 86_400_000);
      const reply = await tokenRequest(t, grant(clientId, secret));
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ error: "invalid_client", error_description: "The client secret has expired." });
    } finally {
      clock.restore();
    }
  });
});

describe("rotation and revocation", () => {
  test("two secrets work side by side; revoking the old one stops it and its tokens within the cache TTL", async () => {
    const store = t.service.credentials;
    const a = await newOAuthTenant(t);
    const { secret: newSecret } = await addClientSecret(store, a.clientId);
    const fresh = await tokenRequest(t, grant(a.clientId, newSecret));
    expect(fresh.status).toBe(200);
    expect((await tokenRequest(t, grant(a.clientId, a.secret))).status).toBe(200);

    await store.revoke(a.secretId);
    const clock = fakeClock();
    try {
      expect((await a.scim.get("/Users?startIndex=1&count=1")).status).toBe(200); // still cached
      clock.advance(2_001); // SCIM_CREDENTIAL_CACHE_SECONDS=2 in this file; 30 s at most in production
      expect((await tokenRequest(t, grant(a.clientId, a.secret))).status).toBe(401);
      const old = await a.scim.get("/Users?startIndex=1&count=1");
      expect(old.status).toBe(401);
      const viaNew = new ScimClient(t.scimUrl, fresh.body.access_token, a.tenant);
      expect((await viaNew.get("/Users?startIndex=1&count=1")).status).toBe(200);
    } finally {
      clock.restore();
    }
  });

  test("revoking the client stops every token it holds within the cache TTL", async () => {
    const a = await newOAuthTenant(t);
    await t.service.credentials.revoke(a.clientId);
    const clock = fakeClock();
    try {
      clock.advance(2_001);
      expect((await a.scim.get("/Users?startIndex=1&count=1")).status).toBe(401);
      expect((await tokenRequest(t, grant(a.clientId, a.secret))).body.error).toBe("invalid_client");
    } finally {
      clock.restore();
    }
  });
});
