import os from "node:os";
import path from "node:path";
import { readFileSync } from "node:fs";
import { main } from "../../scripts/credential-commands";
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import { tokenRequest } from "../support/oauth";

// The CLI against the local file store, run in-process (the same code `npm run credentials` runs).
let t: TestHost;
let file: string;
beforeAll(async () => {
  file = path.join(os.tmpdir(), `scim-cli-${crypto.randomUUID()}.json`);
  t = await startTestHost({ SCIM_LOCAL_CREDENTIALS_FILE: file, SCIM_AUTH_FAILURE_LIMIT: "1000" });
});
afterAll(() => t.close());

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, t.service);
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
  const fed = await cli(
    "federation",
    "set",
    "--tenant",
    "t-fed",
    "--entra-tenant-id",
    tid,
    "--subject",
    "sub-1",
    "--audience",
    "api://x",
    "--base-url",
    "https://h",
  );
  expect(fed.code).toBe(0);
  expect(fed.out).toContain("Token URL: https://h/oauth2/token");
  const clientId = field(fed.out, "Client ID")!;
  const listed = JSON.parse((await cli("client", "list", "--tenant", "t-fed", "--json")).out);
  expect(listed[0].federation).toMatchObject({
    entraTenantId: tid,
    issuer: `https://login.microsoftonline.com/${tid}/v2.0`,
    subject: "sub-1",
    audience: "api://x",
  });
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
  expect((await cli("nothing", "here")).err).toContain("Usage:");
});

test("--handover-secret without Key Vault is refused before anything is created", async () => {
  const r = await cli("client", "create", "--tenant", "t-hand", "--handover-secret", "x", "--json");
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/--handover-secret needs the Key Vault store/);
  expect(r.out).toBe("");
  expect(JSON.parse((await cli("client", "list", "--tenant", "t-hand", "--json")).out)).toEqual([]);
});

test("a boolean flag never takes the next word: token rotate --json <id> rotates <id> and prints JSON", async () => {
  const created = JSON.parse((await cli("token", "create", "--tenant", "t-bool", "--label", "pilot", "--json")).out);
  const r = await cli("token", "rotate", "--json", created.id);
  expect(r.code).toBe(0);
  const rotated = JSON.parse(r.out); // the whole output is JSON: no "Switch Entra…" line
  expect(rotated).toMatchObject({ kind: "token", tenant: "t-bool", label: "pilot", status: "active", token: expect.stringMatching(/^sft_/) });
  expect(rotated.id).not.toBe(created.id);
  expect((await new ScimClient(t.scimUrl, rotated.token, "t-bool").get("/Users?startIndex=1&count=1")).status).toBe(200);
  const listed = JSON.parse((await cli("token", "list", "--json", "--tenant", "t-bool")).out) as { id: string }[];
  expect(listed.map((x) => x.id).sort()).toEqual([created.id, rotated.id].sort());
});

test("a boolean flag followed by a positional: secret add --json <client-id> adds a secret to that client", async () => {
  const created = JSON.parse((await cli("client", "create", "--tenant", "t-bool2", "--json")).out);
  const r = await cli("secret", "add", "--json", created.clientId, "--expires-in-days", "400");
  expect(r.code).toBe(0);
  const added = JSON.parse(r.out);
  expect(added).toMatchObject({ clientId: created.clientId, clientSecret: expect.stringMatching(/^scs_/) });
  expect(added.secretId).not.toBe(created.secretId);
  const reply = await tokenRequest(t, { grant_type: "client_credentials", client_id: created.clientId, client_secret: added.clientSecret });
  expect(reply.status).toBe(200);
});

test("an unknown option is a usage error naming it and the close match, and creates nothing", async () => {
  const r = await cli("token", "create", "--tennant", "t-typo");
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/unknown option --tennant\b/);
  expect(r.err).toContain("did you mean --tenant?");
  expect(r.err).toContain("Usage: npm run credentials -- token create --tenant <t>");
  expect(r.out).toBe("");
  expect(JSON.parse((await cli("token", "list", "--tenant", "t-typo", "--json")).out)).toEqual([]);
  // Far from every option: named, with no suggestion.
  const far = await cli("token", "list", "--frobnicate");
  expect(far.code).toBe(2);
  expect(far.err).toMatch(/unknown option --frobnicate\b/);
  expect(far.err).not.toContain("did you mean");
  // Valid elsewhere is still unknown here.
  expect((await cli("token", "revoke", "--json", "0000000000000000")).err).toMatch(/unknown option --json\b/);
});

test("missing required options and positionals are usage errors with that command's usage", async () => {
  const noTenant = await cli("token", "create", "--label", "x");
  expect(noTenant.code).toBe(2);
  expect(noTenant.err).toMatch(/--tenant <t> is required/);
  expect(noTenant.err).toContain("Usage: npm run credentials -- token create");
  expect(noTenant.err).not.toContain("client create"); // the command's usage, not the whole list

  const noValue = await cli("token", "create", "--tenant");
  expect(noValue.code).toBe(2);
  expect(noValue.err).toMatch(/--tenant/);
  expect((await cli("token", "create", "--tenant", "--json")).code).toBe(2); // --json is not a tenant
  expect((await cli("token", "create", "--tenant=")).code).toBe(2);

  const noId = await cli("token", "rotate", "--json");
  expect(noId.code).toBe(2);
  expect(noId.err).toMatch(/<token-id> is required/);
  expect(noId.out).toBe("");
  expect((await cli("federation", "set", "--tenant", "t-x", "--entra-tenant-id", crypto.randomUUID(), "--subject", "s")).err).toMatch(
    /--audience <aud> is required/,
  );
  expect((await cli("token", "revoke", "a", "b")).err).toMatch(/unexpected argument 'b'/);
  expect((await cli("signing-key", "rotate", "--force", "now")).code).toBe(2);
  expect((await cli("token", "create", "--tenant", "a", "--tenant", "b")).err).toMatch(/--tenant is given more than once/);
  expect((await cli("token", "create", "--tenant", "t-x", "--json=yes")).code).toBe(2);
});

test("day counts must be whole numbers within the documented ranges", async () => {
  for (const bad of ["1.5", "ten", "0", "-5", "3651", "1e3", " 7"]) {
    const r = await cli("token", "create", "--tenant", "t-days", "--expires-in-days", bad);
    expect({ bad, code: r.code }).toEqual({ bad, code: 2 });
  }
  expect((await cli("token", "create", "--tenant", "t-days", "--expires-in-days", "0")).err).toMatch(/whole number of days from 1 to 3650/);
  expect((await cli("client", "create", "--tenant", "t-days", "--secret-expires-in-days", "1096")).err).toMatch(/from 365 to 1095/);
  expect((await cli("client", "create", "--tenant", "t-days", "--secret-expires-in-days", "364")).code).toBe(2);
  expect((await cli("expiring", "--days", "0")).code).toBe(2);
  expect(JSON.parse((await cli("token", "list", "--tenant", "t-days", "--json")).out)).toEqual([]);
  expect(JSON.parse((await cli("client", "list", "--tenant", "t-days", "--json")).out)).toEqual([]);

  const edge = JSON.parse((await cli("token", "create", "--tenant", "t-days", "--expires-in-days", "3650", "--json")).out);
  expect(Date.parse(edge.expiresAt) - Date.now()).toBeGreaterThan(3649 * 86_400_000);
  const client = JSON.parse((await cli("client", "create", "--tenant", "t-days", "--secret-expires-in-days", "1095", "--json")).out);
  expect(Date.parse(client.expiresAt) - Date.now()).toBeGreaterThan(1094 * 86_400_000);
});

test("--help and -h print usage on stdout and exit 0, before any other check", async () => {
  const all = await cli("--help");
  expect(all.code).toBe(0);
  expect(all.err).toBe("");
  for (const command of [
    "token create",
    "token rotate",
    "client create",
    "secret add",
    "federation set",
    "entra-token enable",
    "signing-key rotate",
    "expiring",
  ]) {
    expect(all.out).toContain(`\n  ${command} `);
  }
  expect((await cli("-h")).out).toBe(all.out);

  const one = await cli("token", "create", "--help"); // --tenant missing: help wins
  expect(one).toMatchObject({ code: 0, err: "" });
  expect(one.out).toMatch(/^Usage: npm run credentials -- token create --tenant <t> \[--label <text>\]/);
  expect(one.out).toContain("--base-url");
  expect(one.out).not.toContain("client create");
  expect((await cli("secret", "add", "-h")).out).toMatch(/^Usage: npm run credentials -- secret add <client-id>/);
  expect(JSON.parse((await cli("token", "list", "--tenant", "t-help", "--json")).out)).toEqual([]);
});

test("an unknown command exits 2, suggesting the close one", async () => {
  const r = await cli("tokens", "list");
  expect(r.code).toBe(2);
  expect(r.err).toContain("unknown command 'tokens list' (did you mean 'token list'?)");
  expect(r.err).toContain("Usage: npm run credentials -- <command> [options]");
  const noun = await cli("token");
  expect(noun.code).toBe(2);
  expect(noun.err).toMatch(/'token' needs one of: token create, token rotate, token list, token revoke/);
});

test("token create --scope: an events token reads the Events API and is refused by SCIM; a bad scope is a usage error", async () => {
  const created = JSON.parse((await cli("token", "create", "--tenant", "t-scope", "--scope", "events", "--json")).out);
  expect(created).toMatchObject({ kind: "token", tenant: "t-scope", scope: "events", label: "events" });
  const events = new ScimClient(t.host.url, created.token, "t-scope");
  expect((await events.get("/events?limit=1")).status).toBe(200);
  expect((await new ScimClient(t.scimUrl, created.token, "t-scope").get("/Users?count=1")).status).toBe(403);
  const text = await cli("token", "create", "--tenant", "t-scope", "--scope", "admin");
  expect(text.code).toBe(0);
  expect(text.out).toMatch(/Created admin token \S+ for tenant t-scope/);
  expect(text.out).not.toContain("Paste into Entra");
  const scimToken = JSON.parse((await cli("token", "create", "--tenant", "t-scope", "--json")).out);
  expect(scimToken.scope).toBeUndefined(); // the default: Entra's SCIM token
  const bad = await cli("token", "create", "--tenant", "t-scope", "--scope", "event");
  expect(bad.code).toBe(2);
  expect(bad.err).toContain("--scope is one of scim, events, admin, got 'event' (did you mean events?)");
});
