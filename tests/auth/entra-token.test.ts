import { disableEntraToken, enableEntraToken } from "../../shared/auth/lifecycle";
import { TestHost, ScimClient, entraUser } from "../support/scim-client";
import { startEntraStandIn, startHostWithEntra, EntraStandIn } from "../support/jwks";
import { fakeClock } from "../support/oauth";

let t: TestHost;
let entra: EntraStandIn;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ host: t, entra, close } = await startHostWithEntra());
});
afterAll(() => close());

const probe = (token: string) => new ScimClient(t.scimUrl, token, "").get("/Users?startIndex=1&count=1");

test("Entra's own token is refused from an Entra tenant no tenant has enabled", async () => {
  const stranger = await startEntraStandIn();
  try {
    const reply = await probe(await stranger.provisioningToken());
    expect(reply.status).toBe(401);
    expect(reply.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect(stranger.fetches()).toBe(0); // refused before any JWKS request
  } finally {
    await stranger.close();
  }
});

describe("once a tenant enables it", () => {
  const tenant = `t-entra-${Math.random().toString(36).slice(2, 8)}`;
  beforeAll(async () => {
    await enableEntraToken(t.service.credentials, { tenant, entraTenantId: entra.tenantId, jwksUri: entra.jwksUri });
  });

  test("the token is accepted and works on that tenant's data", async () => {
    const token = await entra.provisioningToken();
    expect((await probe(token)).status).toBe(200);
    const created = await new ScimClient(t.scimUrl, token, tenant).post("/Users", entraUser());
    expect(created.status).toBe(201);
  });

  test.each([
    { what: "another audience", claims: { aud: "00000000-0000-0000-0000-000000000001" } },
    { what: "another tenant's issuer", claims: { iss: `https://sts.windows.net/${crypto.randomUUID()}/` } },
    { what: "an expired token", claims: { exp: Math.floor(Date.now() / 1000) - 400 } },
    { what: "a mismatched tid", claims: { tid: crypto.randomUUID() } },
  ])("$what is refused", async ({ claims }) => {
    expect((await probe(await entra.provisioningToken(claims))).status).toBe(401);
  });

  test("a token signed by an unpublished key is refused", async () => {
    const kid = await entra.addKey(false);
    expect((await probe(await entra.provisioningToken({}, { kid }))).status).toBe(401);
  });

  test("an Entra tenant provisions into one tenant only", async () => {
    await expect(enableEntraToken(t.service.credentials, { tenant: "another", entraTenantId: entra.tenantId })).rejects.toThrow(/already/);
  });

  test("disabling it takes effect within the cache TTL", async () => {
    const token = await entra.provisioningToken();
    expect((await probe(token)).status).toBe(200);
    await disableEntraToken(t.service.credentials, entra.tenantId);
    const clock = fakeClock();
    try {
      clock.advance(2_001);
      expect((await probe(token)).status).toBe(401);
    } finally {
      clock.restore();
    }
  });
});
