// Per-tenant schema policy through HTTP: required attributes (Vonage's rule as the worked example), a
// custom User extension accepted in every form Entra sends it, unknown attributes ignored and counted (or
// refused), and discovery that shows an authenticated tenant its own schemas.
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import { CORE_USER, ENTERPRISE_USER, createUser, entraUser, expectScimError, expectStatus, filterQuery, patchOp } from "../support/builders";

const VONAGE = { required: { User: ["name.givenName", "name.familyName", 'emails[type eq "work"].value'] } };
const CONTOSO = "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User";
const WITH_EXTENSION = {
  extension: {
    name: "Contoso",
    attributes: [
      { name: "costCentreCode", type: "string" },
      { name: "licenceTier", type: "string", caseExact: true },
      { name: "seats", type: "integer" },
      { name: "contractor", type: "boolean" },
      { name: "startDate", type: "dateTime" },
    ],
  },
};

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.close());

/** GET the resource and compare: a refused write changed nothing. */
async function expectUnchanged(scim: ScimClient, user: { id: string; meta: { version: string } }): Promise<void> {
  const now = await scim.get(`/Users/${user.id}`);
  expect(now.body).toEqual(user);
}

describe("required attributes (Vonage: first name, last name and e-mail)", () => {
  let scim: ScimClient;
  beforeAll(async () => {
    scim = await t.newTenant({ policy: VONAGE });
  });

  test("a POST without name.familyName is 400 invalidValue naming it, and nothing is stored", async () => {
    const user = entraUser({ name: { givenName: "Ada" } });
    const reply = await scim.post("/Users", user);
    expectScimError(reply, 400, "invalidValue");
    expect(reply.body.detail).toContain("name.familyName");
    const found = await scim.get(`/Users${filterQuery(`userName eq "${String(user.userName)}"`)}`);
    expect(found.body.totalResults).toBe(0);
  });

  test("with all three the POST is 201", async () => {
    expectStatus(await scim.post("/Users", entraUser({ name: { givenName: "Ada", familyName: "Lovelace" } })), 201);
  });

  test("a work e-mail is required: a user with only a home e-mail is refused, naming the path", async () => {
    const reply = await scim.post("/Users", entraUser({ emails: [{ type: "home", value: "ada@home.example" }] }));
    expectScimError(reply, 400, "invalidValue");
    expect(reply.body.detail).toContain('emails[type eq "work"].value');
  });

  test.each([
    ['the default dialect (Replace with "")', patchOp({ op: "Replace", path: "name.familyName", value: "" })],
    ["aadOptscim062020 (a path-less replace)", patchOp({ op: "replace", value: { "name.familyName": null } })],
    ["a Remove", patchOp({ op: "Remove", path: "name.familyName" })],
  ])("a PATCH that would clear name.familyName in %s is 400 and changes nothing", async (_, body) => {
    const user = await createUser(scim);
    const reply = await scim.patch(`/Users/${user.id}`, body);
    expectScimError(reply, 400, "invalidValue");
    expect(reply.body.detail).toContain("name.familyName");
    await expectUnchanged(scim, user);
  });

  test("a PATCH that removes the work e-mail is refused; one that changes it is fine", async () => {
    const user = await createUser(scim);
    expectScimError(await scim.patch(`/Users/${user.id}`, patchOp({ op: "Remove", path: 'emails[type eq "work"]' })), 400, "invalidValue");
    await expectUnchanged(scim, user);
    const changed = await scim.patch(`/Users/${user.id}`, patchOp({ op: "Replace", path: 'emails[type eq "work"].value', value: "new@example.com" }));
    expectStatus(changed, 200);
  });

  test("a PUT without the required attributes is 400 and changes nothing", async () => {
    const user = await createUser(scim);
    const reply = await scim.put(`/Users/${user.id}`, { schemas: [CORE_USER], userName: user.userName, name: { givenName: "Only" } });
    expectScimError(reply, 400, "invalidValue");
    await expectUnchanged(scim, user);
  });

  test("/Schemas shows the tenant its required attributes; anonymous discovery shows the base schema", async () => {
    const mine = (await scim.get(`/Schemas/${CORE_USER}`)).body;
    const name = mine.attributes.find((a: { name: string }) => a.name === "name");
    expect(name.required).toBe(true);
    expect(name.subAttributes.find((s: { name: string }) => s.name === "familyName").required).toBe(true);
    expect(name.subAttributes.find((s: { name: string }) => s.name === "middleName").required).toBe(false);
    expect(mine.attributes.find((a: { name: string }) => a.name === "emails").required).toBe(true);
    const anonymous = (await scim.withToken("").get(`/Schemas/${CORE_USER}`)).body;
    expect(anonymous.attributes.find((a: { name: string }) => a.name === "name").required).toBe(false);
  });

  test("a group policy applies to groups: externalId required", async () => {
    const groups = await t.newTenant({ policy: { required: { Group: ["externalId"] } } });
    const reply = await groups.post("/Groups", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "No external id" });
    expectScimError(reply, 400, "invalidValue");
    expect(reply.body.detail).toContain("externalId");
  });
});

describe("a custom User extension", () => {
  let scim: ScimClient;
  beforeAll(async () => {
    scim = await t.newTenant({ policy: WITH_EXTENSION });
  });

  const ext = (user: Record<string, unknown>) => user[CONTOSO] as Record<string, unknown> | undefined;

  test("flattened keys, as Entra sends them, without the URN in schemas[], are stored and returned", async () => {
    const user = await createUser(scim, entraUser({ [`${CONTOSO}:costCentreCode`]: "CC-42", [`${CONTOSO}:seats`]: 3, schemas: [CORE_USER, ENTERPRISE_USER] }));
    expect(ext(user)).toEqual({ costCentreCode: "CC-42", seats: 3 });
    expect(user.schemas).toContain(CONTOSO);
    expect(ext((await scim.get(`/Users/${user.id}`)).body)).toEqual({ costCentreCode: "CC-42", seats: 3 });
  });

  test("a nested extension object is accepted too", async () => {
    const user = await createUser(scim, entraUser({ [CONTOSO]: { licenceTier: "Gold", contractor: "True", startDate: "2026-01-05T00:00:00Z" } }));
    expect(ext(user)).toEqual({ licenceTier: "Gold", contractor: true, startDate: "2026-01-05T00:00:00Z" });
  });

  test.each([
    ["a URN path (default dialect)", patchOp({ op: "Add", path: `${CONTOSO}:costCentreCode`, value: "CC-7" })],
    ["a URN path, lowercase op", patchOp({ op: "replace", path: `${CONTOSO}:costCentreCode`, value: "CC-7" })],
    ["the attribute name without its URN", patchOp({ op: "Replace", path: "costCentreCode", value: "CC-7" })],
    ["a path-less value object keyed by the URN path", patchOp({ op: "replace", value: { [`${CONTOSO}:costCentreCode`]: "CC-7" } })],
    ["a path-less value object with the extension block", patchOp({ op: "replace", value: { [CONTOSO]: { costCentreCode: "CC-7" } } })],
  ])("PATCH by %s sets it", async (_, body) => {
    const user = await createUser(scim);
    const reply = await scim.patch(`/Users/${user.id}`, body);
    expectStatus(reply, 200);
    expect(ext(reply.body)).toEqual({ costCentreCode: "CC-7" });
  });

  test("it is filterable (with and without the URN) and projectable", async () => {
    const user = await createUser(scim, entraUser({ [`${CONTOSO}:costCentreCode`]: "CC-filter" }));
    for (const filter of [`${CONTOSO}:costCentreCode eq "cc-filter"`, `costCentreCode eq "CC-FILTER"`]) {
      const found = await scim.get(`/Users${filterQuery(filter)}`);
      expect(found.body.Resources.map((u: { id: string }) => u.id)).toEqual([user.id]);
    }
    const projected = await scim.get(`/Users/${user.id}?attributes=${encodeURIComponent(`${CONTOSO}:costCentreCode`)}`);
    expect(projected.body).toMatchObject({ id: user.id, [CONTOSO]: { costCentreCode: "CC-filter" } });
    expect(projected.body.userName).toBeUndefined();
    const excluded = await scim.get(`/Users/${user.id}?excludedAttributes=${encodeURIComponent(`${CONTOSO}:costCentreCode`)}`);
    expect(ext(excluded.body)).toBeUndefined();
  });

  test("a caseExact custom attribute matches its case exactly", async () => {
    const user = await createUser(scim, entraUser({ [`${CONTOSO}:licenceTier`]: "Platinum" }));
    expect((await scim.get(`/Users${filterQuery(`licenceTier eq "Platinum"`)}`)).body.Resources.map((u: { id: string }) => u.id)).toEqual([user.id]);
    expect((await scim.get(`/Users${filterQuery(`licenceTier eq "platinum"`)}`)).body.totalResults).toBe(0);
  });

  test("values of the wrong type are 400 invalidValue naming the attribute, and change nothing", async () => {
    const user = await createUser(scim);
    const reply = await scim.patch(`/Users/${user.id}`, patchOp({ op: "Replace", path: `${CONTOSO}:seats`, value: "many" }));
    expectScimError(reply, 400, "invalidValue");
    expect(reply.body.detail).toContain("seats");
    await expectUnchanged(scim, user);
  });

  test("/Schemas defines the extension and /ResourceTypes lists it, for this tenant only", async () => {
    const schema = (await scim.get(`/Schemas/${CONTOSO}`)).body;
    expect(schema.attributes.map((a: { name: string; type: string }) => [a.name, a.type])).toEqual([
      ["costCentreCode", "string"],
      ["licenceTier", "string"],
      ["seats", "integer"],
      ["contractor", "boolean"],
      ["startDate", "dateTime"],
    ]);
    const user = (await scim.get("/ResourceTypes/User")).body;
    expect(user.schemaExtensions.map((e: { schema: string }) => e.schema)).toEqual([ENTERPRISE_USER, CONTOSO]);
    expectScimError(await scim.withToken("").get(`/Schemas/${CONTOSO}`), 404);
    const other = await t.newTenant();
    expectScimError(await other.get(`/Schemas/${CONTOSO}`), 404);
  });

  test("another tenant without the extension ignores such an attribute instead of failing the user", async () => {
    const other = await t.newTenant();
    const created = await createUser(other, entraUser({ [`${CONTOSO}:costCentreCode`]: "CC-1" }));
    expect(ext(created)).toBeUndefined();
  });
});

describe("unknown attributes", () => {
  test("are ignored by default: never stored, counted per name, logged by name and never by value", async () => {
    const scim = await t.newTenant();
    const log = t.captureRequestLog();
    try {
      const created = await createUser(scim, entraUser({ adreses: [{ value: "SECRET-STREET-1" }], favouriteColour: "SECRET-BLUE" }));
      expect(created.adreses).toBeUndefined();
      expect(created.favouriteColour).toBeUndefined();
      const put = await scim.put(`/Users/${created.id}`, { schemas: [CORE_USER], userName: created.userName, displayNmae: "SECRET-TYPO" });
      expectStatus(put, 200);
      expect(put.body.displayNmae).toBeUndefined();
      const patched = await scim.patch(`/Users/${created.id}`, patchOp({ op: "Replace", path: "favouriteColour", value: "SECRET-RED" }));
      expectStatus(patched, 200);
      expect(patched.body.favouriteColour).toBeUndefined();
      expect(t.service.ignoredAttributes.of(scim.tenant)).toEqual({ adreses: 1, favouriteColour: 2, displayNmae: 1 });
      const lines = log.lines.filter((l) => l.tenant === scim.tenant && Array.isArray(l.ignoredAttributes));
      expect(lines.map((l) => l.ignoredAttributes)).toEqual([["adreses", "favouriteColour"], ["displayNmae"], ["favouriteColour"]]);
      expect(log.raw.join("\n")).not.toContain("SECRET");
    } finally {
      log.stop();
    }
  });

  test("in a path-less value object (aadOptscim062020) an unknown key is ignored and the rest applies", async () => {
    const scim = await t.newTenant();
    const user = await createUser(scim);
    const reply = await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", value: { displayName: "Applied", favouriteColour: "ignored" } }));
    expectStatus(reply, 200);
    expect(reply.body.displayName).toBe("Applied");
    expect(reply.body.favouriteColour).toBeUndefined();
    expect(t.service.ignoredAttributes.of(scim.tenant)).toEqual({ favouriteColour: 1 });
  });

  test("with unknownAttributes: reject they are 400, and nothing changes", async () => {
    const scim = await t.newTenant({ policy: { unknownAttributes: "reject" } });
    expectScimError(await scim.post("/Users", entraUser({ favouriteColour: "blue" })), 400, "invalidSyntax");
    const user = await createUser(scim);
    expectScimError(await scim.patch(`/Users/${user.id}`, patchOp({ op: "Replace", path: "favouriteColour", value: "x" })), 400, "invalidPath");
    await expectUnchanged(scim, user);
  });
});
