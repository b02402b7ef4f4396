import os from "node:os";
import path from "node:path";
import { readFileSync } from "node:fs";
import { config } from "../../shared/config";
import { main } from "../../scripts/credentials";
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import { setEnv, tokenRequest } from "../support/oauth";

// The CLI against the local file store, run in-process (the same code `npm run credentials` runs).
let t: TestHost;
let restoreEnv: () => void;
let file: string;
beforeAll(async () => {
  file = path.join(os.tmpdir(), `scim-cli-${crypto.randomUUID()}.json`);
  restoreEnv = setEnv({ SCIM_LOCAL_CREDENTIALS_FILE: file, SCIM_AUTH_FAILURE_LIMIT: "1000" });
  t = await startTestHost();
});
afterAll(async () => { await t.close(); restoreEnv(); });

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, config());
  return { code, out: out.join("\n"), err: err.join("\n") };
}
const field = (text: string, label: string) => new RegExp(`${label}:\\s+(\\S+)`).exec(text)?.[1];

test("client create prints what to paste into Entra, and the printed values work", async () => {
  const r = await cli("client", "create", "--tenant", "t-cli", "--base-url", "https://scim.example.com");
  expect(r.code).toBe(0);
  expect(r.out).toContain('Authentication Method "OAuth2 Client Credentials Grant"');
  expect(field(r.out, "Tenant URL")).toBe("https://scim.example.com/scim/v2");
  expect(field(r.out, "Token Endpoint")).toBe("https://scim.example.com/oauth2/token");
  const clientId = field(r.out, "Client Identifier")!;
  const secret = field(r.out, "Client Secret")!;
  expect(secret).toMatch(/^scs_/);
  const reply = await tokenRequest(t, { grant_type: "client_credentials", client_id: clientId, client_secret: secret });
  expect(reply.status).toBe(200);
  // Only the hash reached the store.
  expect(readFileSync(file, "utf8")).not.toContain(secret.split(".")[1]);
});

test("secret rotation: add a second secret, both work, revoke the old one, list shows status and expiry", async () => {
  const created = JSON.parse((await cli("client", "create", "--tenant", "t-rot", "--json")).out);
  const added = JSON.parse((await cli("secret", "add", created.clientId, "--expires-in-days", "365", "--json")).out);
  for (const s of [created.clientSecret, added.clientSecret]) {
    expect((await tokenRequest(t, { grant_type: "client_credentials", client_id: created.clientId, client_secret: s })).status).toBe(200);
  }
  expect((await cli("secret", "revoke", created.secretId)).code).toBe(0);
  const listed = JSON.parse((await cli("client", "list", "--tenant", "t-rot", "--json")).out) as Record<string, unknown>[];
  const byId = Object.fromEntries(listed.map((r) => [r.id, r]));
  expect(byId[created.clientId]).toMatchObject({ kind: "client", status: "active" });
  expect(byId[created.secretId]).toMatchObject({ kind: "client-secret", status: "revoked" });
  expect(byId[added.secretId]).toMatchObject({ kind: "client-secret", status: "active", expiresAt: added.expiresAt });
  expect(listed.every((r) => r.hash === undefined)).toBe(true);
  expect((await cli("secret", "revoke", created.clientId)).code).toBe(1); // not a secret
  expect((await cli("secret", "add", created.clientId, "--expires-in-days", "100")).err).toMatch(/365/);
});

test("static tokens: create (with expiry), rotate, list, revoke", async () => {
  const created = JSON.parse((await cli("token", "create", "--tenant", "t-tok", "--expires-in-days", "10", "--json")).out);
  expect(created.token).toMatch(/^sft_/);
  const rotated = JSON.parse((await cli("token", "rotate", created.id, "--expires-in-days", "20", "--json")).out);
  expect(rotated.id).not.toBe(created.id);
  const scim = new ScimClient(t.scimUrl, rotated.token, "t-tok");
  expect((await scim.get("/Users?startIndex=1&count=1")).status).toBe(200);
  expect((await scim.withToken(created.token).get("/Users?startIndex=1&count=1")).status).toBe(200);
  expect((await cli("token", "revoke", created.id)).code).toBe(0);
  const listed = JSON.parse((await cli("token", "list", "--tenant", "t-tok", "--json")).out) as Record<string, unknown>[];
  expect(Object.fromEntries(listed.map((r) => [r.id, r.status]))).toEqual({ [created.id]: "revoked", [rotated.id]: "active" });
  expect((await cli("token", "revoke", "0000000000000000")).code).toBe(1);

  const expiring = await cli("expiring", "--tenant", "t-tok");
  expect(expiring.out).toContain(rotated.id);
  expect(expiring.out).not.toContain(created.id); // revoked: no longer a risk
});

test("federation and the Entra-token option are configured and removed per tenant", async () => {
  const tid = crypto.randomUUID();
  const fed = await cli("federation", "set", "--tenant", "t-fed", "--entra-tenant-id", tid, "--subject", "sub-1", "--audience", "api://x", "--base-url", "https://h");
  expect(fed.code).toBe(0);
  expect(fed.out).toContain("Token URL: https://h/oauth2/token");
  const clientId = field(fed.out, "Client ID")!;
  const listed = JSON.parse((await cli("client", "list", "--tenant", "t-fed", "--json")).out);
  expect(listed[0].federation).toMatchObject({ entraTenantId: tid, issuer: `https://login.microsoftonline.com/${tid}/v2.0`, subject: "sub-1", audience: "api://x" });
  expect((await cli("federation", "remove", clientId)).code).toBe(0);
  expect((await cli("federation", "remove", clientId)).code).toBe(1);
  expect((await cli("federation", "set", "--tenant", "t-fed", "--entra-tenant-id", "nope", "--subject", "s", "--audience", "a")).code).toBe(1);

  expect((await cli("entra-token", "enable", "--tenant", "t-fed", "--entra-tenant-id", tid)).code).toBe(0);
  expect((await cli("entra-token", "disable", tid)).code).toBe(0);
});

test("signing keys can be shown and rotated", async () => {
  await cli("client", "create", "--tenant", "t-keys"); // nothing minted yet: no key
  const rotated = await cli("signing-key", "rotate");
  expect(rotated.code).toBe(0);
  const shown = JSON.parse((await cli("signing-key", "show", "--json")).out);
  expect(shown[0]).toMatchObject({ role: "current", kid: expect.any(String) });
  expect(JSON.stringify(shown)).not.toMatch(/"d"/);
});

test("usage errors exit 2 and print the usage", async () => {
  expect((await cli()).code).toBe(2);
  expect((await cli("client", "create")).err).toMatch(/--tenant/);
  expect((await cli("client", "create", "--tenant", "t-x", "--handover-secret", "x")).code).toBe(2); // needs Key Vault
  expect((await cli("nothing", "here")).err).toContain("Usage:");
});
