import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { main } from "../../scripts/tenant-commands";
import { POLICY_SETTING } from "../../shared/http/policies";
import { startTestHost, TestHost, ScimClient, entraUser, CORE_USER } from "../support/scim-client";
import { expectScimError } from "../support/builders";

// The tenant CLI run in-process against the test host's service (the same code `npm run tenant` runs),
// and what a SCIM client then sees over HTTP. Each instance caches a tenant's policy for up to 30 s from
// the tenant's first request, so every test sets the policy of a fresh tenant before that tenant's first
// SCIM request, and a change after requests is observed on a sibling instance (a cache of its own).
let t: TestHost;
let dir: string;
beforeAll(async () => {
  t = await startTestHost();
  dir = mkdtempSync(path.join(os.tmpdir(), "scim-tenant-cli-"));
});
afterAll(() => t.close());

async function cli(host: TestHost, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, host.service);
  return { code, out: out.join("\n"), err: err.join("\n") };
}
const tenantCli = (...argv: string[]) => cli(t, ...argv);

/** A policy file (or any text) in the test's directory. */
function file(content: unknown): string {
  const name = path.join(dir, `${randomUUID()}.json`);
  writeFileSync(name, typeof content === "string" ? content : JSON.stringify(content));
  return name;
}
const stored = async (host: TestHost, tenant: string) => (await host.service.store.settings(tenant)).get(POLICY_SETTING);

const WORK_EMAIL = 'emails[type eq "work"].value';
/** Vonage's rule: "Any user that is added to Vonage must have first name, last name and email." */
const VONAGE = { required: { User: ["name.givenName", "name.familyName", WORK_EMAIL] } };
const withoutFamilyName = () => ({ ...entraUser(), name: { givenName: "Ada" } });

describe("policy set with Vonage's rule", () => {
  let scim: ScimClient;
  beforeAll(async () => {
    scim = await t.newTenant(); // no request yet: nothing cached
    const r = await tenantCli("policy", "set", "--tenant", scim.tenant, "--file", file(VONAGE));
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toContain(`Stored the policy of tenant ${scim.tenant}`);
  });

  test("a user without name.familyName is 400 invalidValue naming it; with it, 201", async () => {
    const refused = await scim.post("/Users", withoutFamilyName());
    expectScimError(refused, 400, "invalidValue");
    expect(refused.body.detail).toContain("name.familyName");
    const noWorkEmail = await scim.post("/Users", { ...entraUser(), emails: [{ type: "home", value: "ada@example.com" }] });
    expectScimError(noWorkEmail, 400, "invalidValue");
    expect(noWorkEmail.body.detail).toContain(WORK_EMAIL);
    expect((await scim.post("/Users", entraUser())).status).toBe(201);
  });

  test("policy show prints the required attributes, that the policy is stored, and the 30 s", async () => {
    const shown = await tenantCli("policy", "show", "--tenant", scim.tenant);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain(`Policy of tenant ${scim.tenant}: stored for this tenant`);
    expect(shown.out).toContain(`User:  name.givenName, name.familyName, ${WORK_EMAIL}`);
    expect(shown.out).toContain("Group: none");
    expect(shown.out).toContain("Unknown attributes: ignored");
    expect(shown.out).toContain("within 30 s");
    const json = JSON.parse((await tenantCli("policy", "show", "--tenant", scim.tenant, "--json")).out);
    expect(json).toEqual({
      tenant: scim.tenant,
      source: "stored",
      policy: { ...VONAGE, required: { ...VONAGE.required, Group: [] }, unknownAttributes: "ignore" },
    });
  });

  test("policy clear restores the default: a new instance accepts the user again", async () => {
    const cleared = await tenantCli("policy", "clear", "--tenant", scim.tenant);
    expect(cleared.code).toBe(0);
    expect(cleared.out).toContain("within 30 s");
    expect(await stored(t, scim.tenant)).toBeUndefined();
    // This instance has the tenant's policy cached (≤ 30 s); a sibling reads it afresh.
    const sibling = await t.sibling();
    try {
      expect((await new ScimClient(sibling.scimUrl, scim.token, scim.tenant).post("/Users", withoutFamilyName())).status).toBe(201);
    } finally {
      await sibling.close();
    }
    const shown = await tenantCli("policy", "show", "--tenant", scim.tenant);
    expect(shown.out).toContain("none stored: the built-in default");
    expect(shown.out).toContain("User:  none");
    expect((await tenantCli("policy", "clear", "--tenant", scim.tenant)).code).toBe(1); // nothing left to clear
  });
});

test("a custom extension: show names the attributes to add in Entra, and Entra's request (URN not in schemas[]) is accepted", async () => {
  const scim = await t.newTenant();
  const policy = {
    extension: {
      name: "Contoso",
      attributes: [
        { name: "costCenter", type: "string" },
        { name: "licenceTier", type: "string" },
        { name: "region", type: "string" },
      ],
    },
  };
  expect((await tenantCli("policy", "set", "--tenant", scim.tenant, "--file", file(policy))).code).toBe(0);
  const urn = "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User";
  const shown = await tenantCli("policy", "show", "--tenant", scim.tenant);
  expect(shown.out).toContain(`Custom extension Contoso: ${urn}`);
  expect(shown.out).toContain("Edit attribute list for <app>");
  for (const name of ["costCenter", "licenceTier", "region"]) expect(shown.out).toMatch(new RegExp(`${urn}:${name} +String`));

  const created = await scim.post("/Users", { ...entraUser(), schemas: [CORE_USER], [urn]: { costCenter: "CC-42", region: "EMEA" } });
  expect(created.status).toBe(201);
  expect((await scim.get(`/Users/${created.body.id}`)).body[urn]).toEqual({ costCenter: "CC-42", region: "EMEA" });
});

describe("policy set by flags", () => {
  test("--dry-run prints the policy and stores nothing; the flags edit the current policy", async () => {
    const scim = await t.newTenant();
    const dry = await tenantCli("policy", "set", "--tenant", scim.tenant, "--require", "User:name.givenName", "--require", `User:${WORK_EMAIL}`, "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.out).toContain("Dry run: nothing stored.");
    expect(dry.out).toContain('"name.givenName"');
    expect(await stored(t, scim.tenant)).toBeUndefined();

    const flags = ["--require", "User:name.givenName", "--require", `User:${WORK_EMAIL}`, "--unknown-attributes", "reject"];
    expect((await tenantCli("policy", "set", "--tenant", scim.tenant, ...flags)).code).toBe(0);
    expect((await tenantCli("policy", "set", "--tenant", scim.tenant, "--unrequire", `User:${WORK_EMAIL}`)).code).toBe(0);
    const notRequired = await tenantCli("policy", "set", "--tenant", scim.tenant, "--unrequire", "User:title");
    expect(notRequired.code).toBe(1);
    expect(notRequired.err).toContain("User:title is not required");
    const json = JSON.parse((await tenantCli("policy", "show", "--tenant", scim.tenant, "--json")).out);
    expect(json.policy).toEqual({ required: { User: ["name.givenName"], Group: [] }, unknownAttributes: "reject" });

    // First request of this tenant: the instance loads the policy just stored.
    const noGivenName = await scim.post("/Users", { ...entraUser(), name: { familyName: "Lovelace" }, emails: [] });
    expectScimError(noGivenName, 400, "invalidValue");
    expect(noGivenName.body.detail).toContain("name.givenName");
    expectScimError(await scim.post("/Users", { ...entraUser(), favouriteColour: "blue" }), 400, "invalidSyntax");
    expect((await scim.post("/Users", { ...entraUser(), emails: [] })).status).toBe(201); // the work e-mail is no longer required
  });

  test("a bad flag value is exit 2 and stores nothing", async () => {
    const tenant = (await t.newTenant()).tenant;
    const unknownPath = await tenantCli("policy", "set", "--tenant", tenant, "--require", "User:favouriteColour");
    expect(unknownPath.code).toBe(2);
    expect(unknownPath.err).toContain("required.User: 'favouriteColour' is not an attribute of User.");
    const kind = await tenantCli("policy", "set", "--tenant", tenant, "--require", "Users:name.givenName");
    expect(kind.code).toBe(2);
    expect(kind.err).toContain("Kind User or Group");
    const both = await tenantCli("policy", "set", "--tenant", tenant, "--file", file(VONAGE), "--require", "User:title");
    expect(both.code).toBe(2);
    expect(both.err).toContain("give one or the other");
    expect((await tenantCli("policy", "set", "--tenant", tenant)).code).toBe(2);
    const choice = await tenantCli("policy", "set", "--tenant", tenant, "--unknown-attributes", "rejekt");
    expect(choice.code).toBe(2);
    expect(choice.err).toContain("(did you mean reject?)");
    expect(await stored(t, tenant)).toBeUndefined();
  });
});

test("a bad policy file is exit 2 with the parse error's message, and the stored policy is unchanged", async () => {
  const tenant = (await t.newTenant()).tenant;
  expect((await tenantCli("policy", "set", "--tenant", tenant, "--file", file(VONAGE))).code).toBe(0);
  const before = await stored(t, tenant);
  for (const [content, message] of [
    [{ required: { User: ["name.givenName"] }, strict: true }, "Unknown policy field 'strict' (known: required, extension, unknownAttributes)."],
    [{ required: { Users: ["name.givenName"] } }, "required has keys User and Group, not 'Users'."],
    [{ unknownAttributes: "drop" }, 'unknownAttributes is "ignore" or "reject".'],
    [{ extension: { name: "enterprise", attributes: [{ name: "x", type: "string" }] } }, "extension.name is a schema name"],
    ['{"required": ', "JSON"],
  ] as const) {
    const name = file(content);
    const r = await tenantCli("policy", "set", "--tenant", tenant, "--file", name);
    expect({ content, code: r.code }).toEqual({ content, code: 2 });
    expect(r.err).toContain(`error: ${name}: `);
    expect(r.err).toContain(message);
    expect(r.out).toBe("");
  }
  expect((await tenantCli("policy", "set", "--tenant", tenant, "--file", path.join(dir, "missing.json"))).err).toMatch(/cannot read .*missing\.json/);
  expect(await stored(t, tenant)).toBe(before);
  // A tenant that had none still has none.
  const fresh = (await t.newTenant()).tenant;
  expect((await tenantCli("policy", "set", "--tenant", fresh, "--file", file({ required: { User: ["nosuch"] } }))).code).toBe(2);
  expect(await stored(t, fresh)).toBeUndefined();
});

test("policy check validates a file only: exit 0 for a good one, 2 with the message for a bad one", async () => {
  const good = await tenantCli("policy", "check", "--file", file(VONAGE));
  expect(good.code).toBe(0);
  expect(good.out).toContain("a valid policy");
  expect(good.out).toContain("name.familyName");
  const bad = await tenantCli("policy", "check", "--file", file({ required: { Group: ["members"] } }));
  expect(bad.code).toBe(2);
  expect(bad.err).toContain("required.Group: 'members' cannot be required.");
  expect((await tenantCli("policy", "check")).err).toContain("--file <policy.json> is required");
});

test("an unknown option or command is exit 2 with the close match", async () => {
  const tenant = (await t.newTenant()).tenant;
  const typo = await tenantCli("policy", "set", "--tennant", tenant, "--file", file(VONAGE));
  expect(typo.code).toBe(2);
  expect(typo.err).toContain("unknown option --tennant for 'policy set' (did you mean --tenant?)");
  expect(typo.err).toContain("Usage: npm run tenant -- policy set --tenant <t>");
  expect((await tenantCli("policy", "set", "--tenant", tenant, "--requires", "User:title")).err).toContain("did you mean --require?");
  expect(await stored(t, tenant)).toBeUndefined();
  const command = await tenantCli("policy", "sho", "--tenant", tenant);
  expect(command.code).toBe(2);
  expect(command.err).toContain("'policy' needs one of: policy show, policy set, policy check, policy clear (did you mean 'policy show'?)");
  expect((await tenantCli("polcy", "show")).err).toContain("unknown command 'polcy show' (did you mean 'policy show'?)");
  expect((await tenantCli("policy", "show", "--tenant", "Not A Tenant")).code).toBe(2);
});

test("--help prints the usage on stdout and exits 0", async () => {
  const all = await tenantCli("--help");
  expect(all).toMatchObject({ code: 0, err: "" });
  for (const command of ["policy show", "policy set", "policy check", "policy clear"]) expect(all.out).toContain(`\n  ${command} `);
  const one = await tenantCli("policy", "set", "-h");
  expect(one).toMatchObject({ code: 0, err: "" });
  expect(one.out).toMatch(/^Usage: npm run tenant -- policy set --tenant <t> \[--file <policy.json>\] \[--require <Kind:path>\]\.\.\./);
  expect(one.out).toContain("--dry-run");
});

describe("with a deployment default (SCIM_DEFAULT_POLICY)", () => {
  let seeded: TestHost;
  beforeAll(async () => {
    seeded = await startTestHost({ SCIM_DEFAULT_POLICY: JSON.stringify({ required: { User: ["name.familyName"] } }) });
  });
  afterAll(() => seeded.close());

  test("show says a tenant without a policy has the deployment default, and flags edit from it", async () => {
    const scim = await seeded.newTenant();
    const shown = await cli(seeded, "policy", "show", "--tenant", scim.tenant);
    expect(shown.out).toContain("none stored: the deployment default (SCIM_DEFAULT_POLICY, from the Bicep parameter tenantPolicy)");
    expect(shown.out).toContain("User:  name.familyName");
    const set = await cli(seeded, "policy", "set", "--tenant", scim.tenant, "--require", "User:title");
    expect(set.out).toContain("edited from the deployment default");
    expect(JSON.parse((await cli(seeded, "policy", "show", "--tenant", scim.tenant, "--json")).out).policy.required.User).toEqual(["name.familyName", "title"]);
    const missingTitle = await scim.post("/Users", entraUser());
    expectScimError(missingTitle, 400, "invalidValue");
    expect(missingTitle.body.detail).toContain("'title'");
    expect((await cli(seeded, "policy", "clear", "--tenant", scim.tenant)).out).toContain("applies the deployment default");
  });
});
