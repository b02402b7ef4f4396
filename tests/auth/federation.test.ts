import { createClient, removeFederation, setFederation } from "../../shared/auth/lifecycle";
import { JWT_BEARER_ASSERTION } from "../../shared/auth/assertions";
import { TestHost, ScimClient } from "../support/scim-client";
import { startHostWithEntra, EntraStandIn } from "../support/jwks";
import { fakeClock, jwsParts, tokenRequest } from "../support/oauth";

let t: TestHost;
let entra: EntraStandIn;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ host: t, entra, close } = await startHostWithEntra());
});
afterAll(() => close());

/** A client trusting the stand-in's workload identity; each gets its own JWKS URL, so rate limits don't mix. */
async function federatedClient(jwksUri = `${entra.jwksUri}?c=${Math.random()}`) {
  const tenant = `t-${Math.random().toString(36).slice(2, 10)}`;
  const client = await setFederation(t.service.credentials, {
    tenant,
    entraTenantId: entra.tenantId,
    subject: entra.subject,
    audience: entra.audience,
    jwksUri,
  });
  return { tenant, clientId: client.id };
}

const exchange = (clientId: string, assertion: string, extra: Record<string, string> = {}, host: TestHost = t) =>
  tokenRequest(host, {
    grant_type: "client_credentials",
    client_id: clientId,
    client_assertion_type: JWT_BEARER_ASSERTION,
    client_assertion: assertion,
    ...extra,
  });

const now = () => Math.floor(Date.now() / 1000);

test("exchanges a valid Entra assertion for an access token that reads the tenant's SCIM API", async () => {
  const { clientId, tenant } = await federatedClient();
  const reply = await exchange(clientId, await entra.assertion(), { scope: "scim" });
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: "scim" });
  const scim = new ScimClient(t.scimUrl, reply.body.access_token, tenant);
  expect((await scim.get("/Users?startIndex=1&count=1")).status).toBe(200);
});

describe("rejects assertions that do not prove the configured workload", () => {
  let clientId: string;
  let log: ReturnType<TestHost["captureAuthLog"]>;
  beforeAll(async () => {
    ({ clientId } = await federatedClient());
    log = t.captureAuthLog();
  });
  afterAll(() => log.stop());

  test.each([
    { what: "expired", reason: "token-expired", claims: () => ({ iat: now() - 4000, nbf: now() - 4000, exp: now() - 301 }) },
    { what: "not yet valid", reason: "not-yet-valid", claims: () => ({ nbf: now() + 301 }) },
    { what: "issued in the future", reason: "not-yet-valid", claims: () => ({ iat: now() + 400, nbf: undefined, exp: now() + 3600 }) },
    { what: "living longer than 2 hours", reason: "lifetime-too-long", claims: () => ({ exp: now() + 3 * 3600 }) },
    { what: "from another issuer", reason: "wrong-issuer", claims: () => ({ iss: `https://login.microsoftonline.com/${crypto.randomUUID()}/v2.0` }) },
    { what: "for another audience", reason: "wrong-audience", claims: () => ({ aud: "api://someone-else" }) },
    { what: "for another subject", reason: "wrong-subject", claims: () => ({ sub: crypto.randomUUID() }) },
    { what: "naming another Entra tenant", reason: "wrong-tenant", claims: () => ({ tid: crypto.randomUUID() }) },
  ])("$what → invalid_client ($reason)", async ({ reason, claims }) => {
    const reply = await exchange(clientId, await entra.assertion(claims()));
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe("invalid_client");
    expect(log.lines.at(-1)).toMatchObject({ event: "auth.failure", endpoint: "token", reason, clientId });
  });

  test("forged: signed by a key that is not the published one, under a published kid", async () => {
    const forger = await entra.addKey(false);
    const other = await entra.assertion({}, { kid: forger });
    const [h] = jwsParts(await entra.assertion());
    const [, p, s] = jwsParts(other);
    const reply = await exchange(clientId, `${h}.${p}.${s}`);
    expect(reply.body.error).toBe("invalid_client");
    expect(log.lines.at(-1)).toMatchObject({ reason: "bad-signature" });
  });

  test("a symmetric (HS256) assertion is refused without looking for a key", async () => {
    const reply = await exchange(clientId, await entra.assertion({}, { alg: "HS256", key: new TextEncoder().encode("x".repeat(32)) }));
    expect(reply.body.error).toBe("invalid_client");
    expect(log.lines.at(-1)).toMatchObject({ reason: "malformed-token" });
  });

  test("garbage is refused", async () => {
    expect((await exchange(clientId, "not.a.jwt")).body.error).toBe("invalid_client");
  });

  test("no assertion content is in the log", () => {
    expect(log.raw.join("\n")).not.toMatch(/eyJ/);
  });
});

test("a replayed assertion is refused, on any instance (the record is in Table Storage)", async () => {
  const { clientId } = await federatedClient();
  const assertion = await entra.assertion();
  expect((await exchange(clientId, assertion)).status).toBe(200);
  const replay = await exchange(clientId, assertion);
  expect(replay.status).toBe(401);
  expect(replay.body.error).toBe("invalid_client");
  // A second instance (fresh in-memory state, same table and credentials) refuses it too.
  const second = await t.sibling();
  try {
    expect((await exchange(clientId, assertion, {}, second)).status).toBe(401);
  } finally {
    await second.close();
  }
  // An assertion without jti is keyed by its digest.
  const noJti = await entra.assertion({ jti: undefined });
  expect((await exchange(clientId, noJti)).status).toBe(200);
  expect((await exchange(clientId, noJti)).status).toBe(401);
});

test("an unknown kid triggers one JWKS refresh, at most once a minute", async () => {
  const jwksUri = `${entra.jwksUri}?kid-test=1`;
  const { clientId } = await federatedClient(jwksUri);
  const before = entra.fetches();
  expect((await exchange(clientId, await entra.assertion())).status).toBe(200);
  expect(entra.fetches()).toBe(before + 1); // first use

  const rotated = await entra.addKey(true); // Entra rotates its keys
  const clock = fakeClock();
  try {
    const unknown = await entra.addKey(false);
    expect((await exchange(clientId, await entra.assertion({}, { kid: unknown }))).status).toBe(401);
    expect((await exchange(clientId, await entra.assertion({}, { kid: unknown }))).status).toBe(401);
    expect(entra.fetches()).toBe(before + 1); // within a minute of the last fetch: no refresh

    clock.advance(61_000);
    expect((await exchange(clientId, await entra.assertion({}, { kid: rotated }))).status).toBe(200);
    expect(entra.fetches()).toBe(before + 2); // one refresh found the new key
    expect((await exchange(clientId, await entra.assertion({}, { kid: unknown }))).status).toBe(401);
    expect(entra.fetches()).toBe(before + 2);
  } finally {
    clock.restore();
  }
});

test("removing the federation refuses new assertions and revokes its tokens within the cache TTL", async () => {
  const { clientId, tenant } = await federatedClient();
  const reply = await exchange(clientId, await entra.assertion());
  const scim = new ScimClient(t.scimUrl, reply.body.access_token, tenant);
  expect((await scim.get("/Users?startIndex=1&count=1")).status).toBe(200);
  expect(await removeFederation(t.service.credentials, clientId)).toBe(true);
  const clock = fakeClock();
  try {
    clock.advance(2_001);
    expect((await scim.get("/Users?startIndex=1&count=1")).status).toBe(401);
    expect((await exchange(clientId, await entra.assertion())).body.error).toBe("invalid_client");
  } finally {
    clock.restore();
  }
});

test("a client without a federation cannot use assertions, and an assertion needs a client_id", async () => {
  const { client } = await createClient(t.service.credentials, { tenant: "t-nofed" });
  expect((await exchange(client.id, await entra.assertion())).body.error).toBe("invalid_client");
  const missing = await tokenRequest(t, {
    grant_type: "client_credentials",
    client_assertion_type: JWT_BEARER_ASSERTION,
    client_assertion: await entra.assertion(),
  });
  expect(missing.body.error).toBe("invalid_client");
});
