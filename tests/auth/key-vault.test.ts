import { main } from "../../scripts/credential-commands";
import { KeyVaultCredentialStore } from "../../shared/auth/credentials";
import { createStaticToken } from "../../shared/auth/lifecycle";
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import { startKeyVaultStandIn, KeyVaultStandIn } from "../support/keyvault-standin";
import { fakeClock, tokenRequest } from "../support/oauth";

// The app and the CLI with the Key Vault store, through the SDK's real SecretClient talking HTTPS to a
// loopback stand-in of the secrets API.
let t: TestHost;
let kv: KeyVaultStandIn;
beforeAll(async () => {
  kv = await startKeyVaultStandIn();
  t = await startTestHost(
    { SCIM_KEY_VAULT_URI: kv.url, SCIM_CREDENTIAL_CACHE_SECONDS: "2", SCIM_AUTH_FAILURE_LIMIT: "1000" },
    { secretClients: kv.secretClients },
  );
});
afterAll(async () => {
  await t.close();
  await kv.close();
});

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, t.service);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

test("the SDK goes through the challenge: the first request is answered 401, then it sends a token", async () => {
  await createStaticToken(t.service.credentials, { tenant: "t-challenge" });
  expect(kv.requests[0]).toMatchObject({ status: 401 });
  expect(kv.requests.some((r) => r.method === "PUT" && r.status === 200)).toBe(true);
});

test("client create --handover-secret writes the secret to Key Vault instead of printing it; the app uses it", async () => {
  const r = await cli("client", "create", "--tenant", "t-kv", "--handover-secret", "entra-client-secret", "--json");
  expect(r.code).toBe(0);
  const printed = JSON.parse(r.out);
  expect(printed.clientSecret).toBeUndefined();
  expect(printed.handoverSecret).toBe("entra-client-secret");
  const secret = kv.value("entra-client-secret")!;
  expect(secret).toMatch(/^scs_/);

  // One Key Vault secret per record, JSON with the hash only.
  const secretRecord = JSON.parse(kv.value(`cred-${printed.secretId}`)!);
  expect(secretRecord).toMatchObject({ kind: "client-secret", clientId: printed.clientId, hash: expect.any(String) });
  expect(kv.value(`cred-${printed.secretId}`)).not.toContain(secret.split(".")[1]);

  const reply = await tokenRequest(t, { grant_type: "client_credentials", client_id: printed.clientId, client_secret: secret });
  expect(reply.status).toBe(200);
  expect(kv.names()).toContain("oauth-signing-keys"); // created on first use, in the vault
  expect(JSON.parse(kv.value("oauth-signing-keys")!).keys[0].jwk.d).toEqual(expect.any(String));
  const scim = new ScimClient(t.scimUrl, reply.body.access_token, "t-kv");
  expect((await scim.get("/Users?startIndex=1&count=1")).status).toBe(200);

  // Revocation through the CLI reaches the app within the cache TTL.
  expect((await cli("client", "revoke", printed.clientId)).code).toBe(0);
  const clock = fakeClock();
  try {
    clock.advance(2_001);
    expect((await scim.get("/Users?startIndex=1&count=1")).status).toBe(401);
  } finally {
    clock.restore();
  }
});

test("listing pages through more than 25 secrets and reads expiry from secret properties", async () => {
  const store = t.service.credentials;
  if (!(store instanceof KeyVaultCredentialStore)) throw new Error("the host should use the Key Vault credential store");
  const made: { id: string; expiresAt?: string }[] = [];
  for (let i = 0; i < 27; i++) made.push((await createStaticToken(store, { tenant: "t-many", expiresInDays: 5 + i })).record);
  const before = kv.requests.length;
  const summaries = (await store.listSummaries()).filter((s) => s.tenant === "t-many");
  expect(summaries).toHaveLength(27);
  const calls = kv.requests.slice(before);
  expect(calls.every((c) => c.method === "GET" && c.path === "/secrets")).toBe(true); // no per-secret reads
  expect(calls.length).toBeGreaterThanOrEqual(2); // more than one page
  expect(summaries.find((s) => s.id === made[0]!.id)?.expiresAt).toBe(new Date(Math.floor(Date.parse(made[0]!.expiresAt!) / 1000) * 1000).toISOString());

  const expiring = await cli("expiring", "--tenant", "t-many", "--days", "10", "--json");
  // 5…10 days: the window is inclusive, and the vault keeps expiry to the second.
  expect(
    JSON.parse(expiring.out)
      .map((e: { id: string }) => e.id)
      .sort(),
  ).toEqual(
    made
      .slice(0, 6)
      .map((m) => m.id)
      .sort(),
  );
});

test("token list, secret add and revoke work against the vault", async () => {
  const created = JSON.parse((await cli("client", "create", "--tenant", "t-kv2", "--json")).out);
  const added = JSON.parse((await cli("secret", "add", created.clientId, "--json")).out);
  expect((await cli("secret", "revoke", created.secretId)).code).toBe(0);
  const listed = JSON.parse((await cli("client", "list", "--tenant", "t-kv2", "--json")).out) as Record<string, unknown>[];
  expect(
    listed
      .filter((r) => r.kind === "client-secret")
      .map((r) => [r.id, r.status])
      .sort(),
  ).toEqual(
    [
      [created.secretId, "revoked"],
      [added.secretId, "active"],
    ].sort(),
  );
  expect((await cli("token", "create", "--tenant", "t-kv2")).out).toContain("Secret Token:");
});

test("a vault that cannot answer makes authentication 503 with Retry-After, never 500 or 401", async () => {
  const { token } = await createStaticToken(t.service.credentials, { tenant: "t-outage" });
  const created = JSON.parse((await cli("client", "create", "--tenant", "t-outage", "--json")).out);
  kv.outage(429);
  try {
    const scim = await new ScimClient(t.scimUrl, token, "t-outage").get("/Users?startIndex=1&count=1");
    expect(scim.status).toBe(503);
    expect(scim.headers.get("retry-after")).toBe("5");
    const oauth = await tokenRequest(t, { grant_type: "client_credentials", client_id: created.clientId, client_secret: created.clientSecret });
    expect(oauth.status).toBe(503);
    expect(oauth.body.error).toBe("temporarily_unavailable");
  } finally {
    kv.outage(undefined);
  }
});

test("webhook signing secrets live in Key Vault (webhook-<endpoint id>, '_' as '-'), sign the deliveries, and are emptied and disabled on removal", async () => {
  const { Webhook } = await import("standardwebhooks");
  const { startReceiver } = await import("../support/webhook-receiver");
  const { entraUser } = await import("../support/scim-client");
  const receiver = await startReceiver();
  try {
    const scim = await t.newTenant();
    const { endpoint, secret } = await t.service.webhooks.add({ tenant: scim.tenant, url: receiver.url, allowPrivateNetwork: true });
    const stored = kv.value(`webhook-${endpoint.id.replace(/_/g, "-")}`);
    expect(stored).toContain(secret);
    expect((await scim.post("/Users", entraUser())).status).toBe(201);
    await t.service.dispatcher.run(scim.tenant);
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0];
    expect(new Webhook(secret).verify(got?.body ?? "", got?.headers ?? {})).toMatchObject({ type: "user.created" });
    expect(await t.service.webhooks.remove(endpoint.id)).toBe(true);
    expect(kv.value(`webhook-${endpoint.id.replace(/_/g, "-")}`)).not.toContain(secret);
  } finally {
    await receiver.close();
  }
});
