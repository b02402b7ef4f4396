import os from "node:os";
import path from "node:path";
import { decodeProtectedHeader } from "jose";
import { rotateSigningKey, SigningKeys } from "../../shared/auth/signing-keys";
import { mintAccessToken, tokenAudience } from "../../shared/auth/access-tokens";
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import { fakeClock, newOAuthTenant, OAuthTenant, tokenRequest } from "../support/oauth";

let t: TestHost;
let log: ReturnType<TestHost["captureAuthLog"]>;
beforeAll(async () => {
  // A credentials file of its own, so this file's signing keys start absent.
  t = await startTestHost({ SCIM_LOCAL_CREDENTIALS_FILE: path.join(os.tmpdir(), `scim-keys-${crypto.randomUUID()}.json`) });
  log = t.captureAuthLog();
});
afterAll(async () => {
  log.stop();
  await t.close();
});

const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const probe = (a: OAuthTenant, token: string) => new ScimClient(t.scimUrl, token, a.tenant).get("/Users?startIndex=1&count=1");
const fresh = async (a: OAuthTenant) =>
  (await tokenRequest(t, { grant_type: "client_credentials", client_id: a.clientId, client_secret: a.secret })).body.access_token as string;

test("a signing key is created on first use and stored as a private JWK; it is never logged", async () => {
  expect(await t.service.signingKeyStore.load()).toBeUndefined();
  const a = await newOAuthTenant(t);
  const set = await t.service.signingKeyStore.load();
  expect(set?.keys).toHaveLength(1);
  expect(set!.keys[0]!.jwk).toMatchObject({ kty: "EC", crv: "P-256", d: expect.any(String), kid: kidOf(a.accessToken) });
  expect(log.lines.find((l) => l.event === "auth.signing-key-created")).toMatchObject({ kid: kidOf(a.accessToken) });
  expect(log.raw.join("\n")).not.toContain(set!.keys[0]!.jwk.d!);
});

test("rotation keeps tokens signed by the previous key valid; a forced second rotation retires them", async () => {
  const a = await newOAuthTenant(t);
  const first = a.accessToken;
  const store = t.service.signingKeyStore;
  const clock = fakeClock();
  try {
    const { kid: second } = await rotateSigningKey(store);
    clock.advance(5 * 60_000 + 1); // instances reload keys within 5 minutes
    const afterRotation = await fresh(a);
    expect(kidOf(afterRotation)).toBe(second);
    expect(kidOf(afterRotation)).not.toBe(kidOf(first));
    expect((await probe(a, first)).status).toBe(200); // previous key still verifies
    expect((await probe(a, afterRotation)).status).toBe(200);

    // Rotating again would drop the key that signed `first` while it may still be valid: refused…
    await expect(rotateSigningKey(store)).rejects.toThrow(/--force/);
    // …unless forced (a leaked key).
    const { dropped } = await rotateSigningKey(store, true);
    expect(dropped).toBe(kidOf(first));
    clock.advance(5 * 60_000 + 1);
    expect((await probe(a, first)).status).toBe(401);
    expect((await probe(a, afterRotation)).status).toBe(200);
  } finally {
    clock.restore();
  }
});

test("a token signed by a key this instance has not loaded yet is accepted after one reload", async () => {
  const a = await newOAuthTenant(t);
  const clock = fakeClock();
  try {
    clock.advance(7 * 3600_000); // the current key is now old enough to rotate without force
    expect((await probe(a, await fresh(a))).status).toBe(200); // this instance loads the key set now
    await rotateSigningKey(t.service.signingKeyStore);
    clock.advance(31_000); // past the 30 s floor between reloads, well within the 5 min cache
    // Another instance mints with the new key while this one still holds the old set in memory.
    const other = new SigningKeys(t.service.signingKeyStore, t.service.auth.log);
    const token = await mintAccessToken(
      other,
      { tenant: a.tenant, clientId: a.clientId, credentialId: a.secretId, scope: "scim" },
      tokenAudience(t.host.url),
      3600,
    );
    expect((await probe(a, token)).status).toBe(200);
  } finally {
    clock.restore();
  }
});
