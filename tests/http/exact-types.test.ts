// Exact types (RFC 7643 §2.3) through HTTP: a value of the wrong JSON type is 400 invalidValue (a wrong
// message envelope 400 invalidSyntax) on POST, PUT and PATCH in both Entra dialects, with a detail naming
// the attribute and what it must be, and nothing changes — read back by GET, body and version. What
// stays accepted is exactly the shapes Entra is documented to send, one named test per quirk.
import { startTestHost, TestHost, ScimClient, Reply } from "../support/scim-client";
import {
  CORE_USER,
  ENTERPRISE_USER,
  createUser,
  enterprise,
  entraUser,
  expectScimError,
  expectStatus,
  filterQuery,
  patchOp,
  unique,
} from "../support/builders";
import { ADSCIM_GROUP, createGroup, entraGroup, memberIds, seedUsers } from "../support/groups";

const ENT = ENTERPRISE_USER;
const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

let t: TestHost;
let scim: ScimClient;
beforeAll(async () => {
  t = await startTestHost();
  scim = await t.newTenant();
});
afterAll(() => t.close());

/** A resource as GET shows it: the body (with meta.version) and the ETag. */
async function snapshot(path: string): Promise<{ body: any; etag: string | null }> {
  const reply = await scim.get(path);
  expectStatus(reply, 200);
  return { body: reply.body, etag: reply.headers.get("etag") };
}

async function expectUnchanged(path: string, before: { body: any; etag: string | null }): Promise<void> {
  const after = await snapshot(path);
  expect(after.body.meta.version).toBe(before.body.meta.version);
  expect(after).toEqual(before);
}

function expectRejected(reply: Reply, scimType: "invalidValue" | "invalidSyntax", detail: string | RegExp): void {
  expectScimError(reply, 400, scimType);
  if (typeof detail === "string") expect(reply.body.detail).toContain(detail);
  else expect(reply.body.detail).toMatch(detail);
}

const usersIn = async (client: ScimClient) => (await client.get("/Users?count=0")).body.totalResults as number;

/**
 * Wrong types for User attributes: [label, attribute key, value, detail]. The key is the POST/PUT key,
 * the legacy dialect's path and the aadOptscim062020 path-less key alike, so the detail is the same.
 */
const USER_WRONG_TYPES: Array<[string, string, unknown, string]> = [
  ["nickName as a number", "nickName", 5, "Attribute 'nickName' must be a string, got a number."],
  ["externalId as a large number", "externalId", 1.2345678901234568e29, "Attribute 'externalId' must be a string, got a number."],
  ["displayName as a boolean", "displayName", true, "Attribute 'displayName' must be a string, got a boolean."],
  ["title as an object", "title", { value: "Boss" }, "Attribute 'title' must be a string, got an object."],
  ["name.givenName as a number", "name", { givenName: 5 }, "Attribute 'name.givenName' must be a string, got a number."],
  ["emails as a bare number", "emails", 5, "Attribute 'emails' is multi-valued and must be an array, got a number."],
  ["emails as a single object", "emails", { value: "a@example.com", type: "work" }, "Attribute 'emails' is multi-valued and must be an array, got an object."],
  ["emails holding a bare string", "emails", ["a@example.com"], "Every value of attribute 'emails' must be an object, got a string."],
  ["emails[].value as a number", "emails", [{ value: 5, type: "work" }], "Attribute 'emails.value' must be a string, got a number."],
  ["emails[].primary as a string", "emails", [{ value: "a@example.com", primary: "yes" }], "Attribute 'emails.primary' must be a boolean (true or false)"],
  ["active as a number", "active", 1, "Attribute 'active' must be a boolean (true or false), got a number."],
  ["active as a word", "active", "yes", 'Attribute \'active\' must be a boolean (true or false), got a string other than "True" or "False".'],
  [
    "profileUrl that is not a URI",
    "profileUrl",
    "https://example.com/my profile",
    "Attribute 'profileUrl' must be a URI string, got a string that is not a URI",
  ],
  ["x509Certificates[].value that is not base64", "x509Certificates", [{ value: "not base64!" }], "Attribute 'x509Certificates.value' must be a base64 string"],
  ["roles as a single object", "roles", { value: "Admin" }, "Attribute 'roles' is multi-valued and must be an array, got an object."],
  ["employeeNumber as a number (URN-qualified)", `${ENT}:employeeNumber`, 701984, `Attribute '${ENT}:employeeNumber' must be a string, got a number.`],
  ["department as a number (extension block)", ENT, { department: 5 }, `Attribute '${ENT}:department' must be a string, got a number.`],
  [
    "manager as a number (extension block)",
    ENT,
    { manager: 12 },
    `Attribute '${ENT}:manager' must be an object with "value" (the manager's id), or the id as a string, got a number.`,
  ],
  ["manager.value as a number", `${ENT}:manager`, { value: 12 }, `Attribute '${ENT}:manager.value' must be a string, got a number.`],
];

describe("User: a value of the wrong type is 400 invalidValue and nothing changes", () => {
  let user: any;
  let before: { body: any; etag: string | null };
  beforeAll(async () => {
    user = await createUser(scim, entraUser({ nickName: "Babs", displayName: "Babs Jensen", [ENT]: { department: "Sales", employeeNumber: "1" } }));
    before = await snapshot(`/Users/${user.id}`);
  });

  test.each(USER_WRONG_TYPES)("POST with %s", async (_, key, value, detail) => {
    const count = await usersIn(scim);
    const body = entraUser({ [key]: value });
    expectRejected(await scim.post("/Users", body), "invalidValue", detail);
    expect(await usersIn(scim)).toBe(count);
    expect((await scim.get(`/Users${filterQuery(`userName eq "${String(body.userName)}"`)}`)).body.totalResults).toBe(0);
  });

  test.each(USER_WRONG_TYPES)("PUT with %s", async (_, key, value, detail) => {
    const body = entraUser({ userName: user.userName, externalId: user.externalId, [key]: value });
    expectRejected(await scim.put(`/Users/${user.id}`, body), "invalidValue", detail);
    await expectUnchanged(`/Users/${user.id}`, before);
  });

  test.each(USER_WRONG_TYPES)("PATCH Replace (legacy dialect) with %s", async (_, key, value, detail) => {
    expectRejected(await scim.patch(`/Users/${user.id}`, patchOp({ op: "Replace", path: key, value })), "invalidValue", detail);
    await expectUnchanged(`/Users/${user.id}`, before);
  });

  test.each(USER_WRONG_TYPES)("PATCH Add (legacy dialect) with %s", async (_, key, value, detail) => {
    expectRejected(await scim.patch(`/Users/${user.id}`, patchOp({ op: "Add", path: key, value })), "invalidValue", detail);
    await expectUnchanged(`/Users/${user.id}`, before);
  });

  test.each(USER_WRONG_TYPES)("PATCH path-less replace (aadOptscim062020) with %s", async (_, key, value, detail) => {
    const reply = await scim.patch(`/Users/${user.id}?aadOptscim062020`, patchOp({ op: "replace", value: { displayName: "Changed", [key]: value } }));
    expectRejected(reply, "invalidValue", detail);
    await expectUnchanged(`/Users/${user.id}`, before);
  });

  test('PATCH emails[type eq "work"].value with a number', async () => {
    const reply = await scim.patch(`/Users/${user.id}`, patchOp({ op: "Replace", path: 'emails[type eq "work"].value', value: 5 }));
    expectRejected(reply, "invalidValue", `Attribute 'emails[type eq "work"].value' must be a string, got a number.`);
    await expectUnchanged(`/Users/${user.id}`, before);
  });

  test("a wrong value later in a PATCH undoes nothing before it: the whole PATCH is refused", async () => {
    const reply = await scim.patch(`/Users/${user.id}`, patchOp({ op: "Replace", path: "title", value: "New" }, { op: "Replace", path: "nickName", value: 5 }));
    expectRejected(reply, "invalidValue", "Attribute 'nickName' must be a string, got a number.");
    await expectUnchanged(`/Users/${user.id}`, before);
  });

  test.each(["add", "Add", "replace", "Replace"])("PATCH %s with a path and no value is 400 invalidValue and does not clear the attribute", async (op) => {
    const reply = await scim.patch(`/Users/${user.id}`, patchOp({ op, path: "displayName" }));
    expectRejected(reply, "invalidValue", `Operations[0]: '${op}' of 'displayName' needs a "value"`);
    await expectUnchanged(`/Users/${user.id}`, before);
  });

  test("PATCH of the extension URN with a value that is not an object", async () => {
    const reply = await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", path: ENT, value: "Sales" }));
    expectRejected(reply, "invalidValue", `'${ENT}' must be an object of EnterpriseUser attributes, got a string.`);
    await expectUnchanged(`/Users/${user.id}`, before);
  });
});

describe("User: a wrong message envelope is 400 invalidSyntax and nothing changes", () => {
  let user: any;
  let before: { body: any; etag: string | null };
  beforeAll(async () => {
    user = await createUser(scim);
    before = await snapshot(`/Users/${user.id}`);
  });

  const SCHEMAS: Array<[string, unknown, string]> = [
    ["an array holding a number", [5], "'schemas' must be an array of schema URN strings, got an array holding a number."],
    ["a string", CORE_USER, "'schemas' must be an array of schema URN strings, got a string."],
    ["null", null, "'schemas' must be an array of schema URN strings, got null."],
  ];

  test.each(SCHEMAS)("POST with schemas as %s", async (_, schemas, detail) => {
    const count = await usersIn(scim);
    expectRejected(await scim.post("/Users", entraUser({ schemas })), "invalidSyntax", detail);
    expect(await usersIn(scim)).toBe(count);
  });

  test.each(SCHEMAS)("PUT with schemas as %s", async (_, schemas, detail) => {
    expectRejected(await scim.put(`/Users/${user.id}`, entraUser({ userName: user.userName, schemas })), "invalidSyntax", detail);
    await expectUnchanged(`/Users/${user.id}`, before);
  });

  test.each([
    [
      "schemas as an array holding a number",
      { schemas: [5], Operations: [{ op: "Replace", path: "title", value: "x" }] },
      "'schemas[0]' must be a string, got a number",
    ],
    [
      "schemas as a string",
      { schemas: "urn:ietf:params:scim:api:messages:2.0:PatchOp", Operations: [{ op: "Replace", path: "title", value: "x" }] },
      "'schemas' must be an array, got a string",
    ],
    ["op as a number", patchOp({ op: 1, path: "title", value: "x" }), "'Operations[0].op' must be a string, got a number"],
    ["path as a number", patchOp({ op: "Replace", path: 5, value: "x" }), "'Operations[0].path' must be a string or null, got a number"],
    ["no operations", patchOp(), "'Operations' must not be empty"],
    ["an operation that is a string", patchOp("Replace title"), "'Operations[0]' must be an object, got a string"],
    [
      "a path-less value object whose schemas is a string",
      patchOp({ op: "replace", value: { schemas: "urn:x", title: "x" } }),
      "'Operations[0].value.schemas' must be an array",
    ],
  ])("PATCH with %s", async (_, body, detail) => {
    expectRejected(await scim.patch(`/Users/${user.id}`, body), "invalidSyntax", detail);
    await expectUnchanged(`/Users/${user.id}`, before);
  });

  test.each([
    ["startIndex as a string", { startIndex: "1" }, "'startIndex' must be an integer, got a string"],
    ["count as a fraction", { count: 1.5 }, "'count' must be an integer, got a number"],
    ["schemas holding a number", { schemas: [5] }, "'schemas[0]' must be a string, got a number"],
  ])("POST /.search with %s", async (_, body, detail) => {
    expectRejected(await scim.post("/Users/.search", body), "invalidSyntax", detail);
  });
});

describe("Group: a value of the wrong type is 400 invalidValue and nothing changes", () => {
  let groupId: string;
  let member: string;
  let before: { body: any; etag: string | null };
  beforeAll(async () => {
    [member] = await seedUsers(scim, 1);
    groupId = await createGroup(scim, { members: [{ value: member }] });
    before = await snapshot(`/Groups/${groupId}`);
  });

  const GROUP_WRONG_TYPES = (): Array<[string, string, unknown, string]> => [
    ["displayName as a number", "displayName", 5, "Attribute 'displayName' must be a string, got a number."],
    ["externalId as a number", "externalId", 8, "Attribute 'externalId' must be a string, got a number."],
    ["members as a bare id", "members", member, "Attribute 'members' is multi-valued and must be an array, got a string."],
    ["members as a single object", "members", { value: member }, "Attribute 'members' is multi-valued and must be an array, got an object."],
    ["members holding bare ids", "members", [member], "Every value of attribute 'members' must be an object, got a string."],
    ["members[].value as a number", "members", [{ value: 5 }], "Attribute 'members.value' must be a string, got a number."],
  ];

  test("POST with each wrong type", async () => {
    for (const [label, key, value, detail] of GROUP_WRONG_TYPES()) {
      const body = entraGroup({ [key]: value });
      const reply = await scim.post("/Groups", body);
      expect({ label, status: reply.status }).toEqual({ label, status: 400 });
      expectRejected(reply, "invalidValue", detail);
      expect((await scim.get(`/Groups${filterQuery(`displayName eq "${String(body.displayName)}"`)}`)).body.totalResults).toBe(0);
    }
  });

  test("PUT with each wrong type", async () => {
    for (const [label, key, value, detail] of GROUP_WRONG_TYPES()) {
      const reply = await scim.put(`/Groups/${groupId}`, { schemas: [CORE_GROUP], displayName: before.body.displayName, [key]: value });
      expect({ label, status: reply.status }).toEqual({ label, status: 400 });
      expectRejected(reply, "invalidValue", detail);
      await expectUnchanged(`/Groups/${groupId}`, before);
    }
  });

  test("PATCH (both dialects) with each wrong type", async () => {
    for (const [label, key, value, detail] of GROUP_WRONG_TYPES()) {
      for (const body of [patchOp({ op: "Add", path: key, value }), patchOp({ op: "replace", value: { [key]: value } })]) {
        const reply = await scim.patch(`/Groups/${groupId}`, body);
        expect({ label, status: reply.status }).toEqual({ label, status: 400 });
        expectRejected(reply, "invalidValue", detail);
        await expectUnchanged(`/Groups/${groupId}`, before);
      }
    }
  });

  test("PATCH Remove of members with a single object instead of Entra's value array", async () => {
    const reply = await scim.patch(`/Groups/${groupId}`, patchOp({ op: "Remove", path: "members", value: { value: member } }));
    expectRejected(reply, "invalidValue", "Attribute 'members' is multi-valued and must be an array, got an object.");
    await expectUnchanged(`/Groups/${groupId}`, before);
  });

  test.each(["Add", "replace"])("PATCH %s displayName without a value", async (op) => {
    expectRejected(await scim.patch(`/Groups/${groupId}`, patchOp({ op, path: "displayName" })), "invalidValue", 'needs a "value"');
    await expectUnchanged(`/Groups/${groupId}`, before);
  });

  test("POST with schemas holding a number is 400 invalidSyntax", async () => {
    const body = entraGroup({ schemas: [CORE_GROUP, 5] });
    expectRejected(await scim.post("/Groups", body), "invalidSyntax", "'schemas' must be an array of schema URN strings, got an array holding a number.");
    expect((await scim.get(`/Groups${filterQuery(`displayName eq "${String(body.displayName)}"`)}`)).body.totalResults).toBe(0);
  });
});

describe("what Entra is documented to send stays accepted", () => {
  const get = async (id: string) => (await snapshot(`/Users/${id}`)).body;
  const patchUser = async (id: string, ...ops: unknown[]) => {
    const reply = await scim.patch(`/Users/${id}`, patchOp(...ops));
    expectStatus(reply, 200);
    return get(id);
  };

  test("Q1: capitalised ops Replace, Add and Remove in one PATCH", async () => {
    const user = await createUser(scim, entraUser({ title: "t" }));
    const after = await patchUser(
      user.id,
      { op: "Replace", path: "displayName", value: "D" },
      { op: "Add", path: "nickName", value: "N" },
      { op: "Remove", path: "title" },
    );
    expect(after).toMatchObject({ displayName: "D", nickName: "N" });
    expect(after.title).toBeUndefined();
  });

  test('Q2: active "False" in a PATCH is the boolean false', async () => {
    const user = await createUser(scim);
    expect((await patchUser(user.id, { op: "Replace", path: "active", value: "False" })).active).toBe(false);
  });

  test('Q2: active "True" in a PATCH is the boolean true', async () => {
    const user = await createUser(scim, entraUser({ active: false }));
    expect((await patchUser(user.id, { op: "Replace", path: "active", value: "True" })).active).toBe(true);
  });

  test('Q2: a lowercase "false" from a customised Switch expression is the boolean false', async () => {
    const user = await createUser(scim);
    expect((await patchUser(user.id, { op: "Replace", path: "active", value: "false" })).active).toBe(false);
  });

  test('Q2: active "True" in a POST is stored as the boolean true', async () => {
    const user = await createUser(scim, entraUser({ active: "True" }));
    expect((await get(user.id)).active).toBe(true);
  });

  test("Q2: a real boolean with aadOptscim062020", async () => {
    const user = await createUser(scim);
    expect((await patchUser(user.id, { op: "replace", path: "active", value: false })).active).toBe(false);
  });

  test("Q3: a path-less replace keyed by attribute paths (dotted and URN-qualified)", async () => {
    const user = await createUser(scim);
    const after = await patchUser(user.id, { op: "replace", value: { displayName: "Bjfe", "name.givenName": "Kkom", [`${ENT}:employeeNumber`]: "Aklq" } });
    expect(after).toMatchObject({ displayName: "Bjfe", name: { givenName: "Kkom", familyName: "familyName" }, [ENT]: { employeeNumber: "Aklq" } });
  });

  test("Q3: a path-less replace with nested objects (core attribute and extension block)", async () => {
    const user = await createUser(scim);
    const after = await patchUser(user.id, { op: "replace", value: { name: { givenName: "Neo" }, [ENT]: { department: "Sales" }, active: false } });
    expect(after).toMatchObject({ active: false, name: { givenName: "Neo", familyName: "familyName" }, [ENT]: { department: "Sales" } });
  });

  test('Q4: Add phoneNumbers[type eq "mobile"].value creates the mobile number', async () => {
    const user = await createUser(scim);
    expect((await patchUser(user.id, { op: "Add", path: 'phoneNumbers[type eq "mobile"].value', value: "+1 555 0100" })).phoneNumbers).toEqual([
      { type: "mobile", value: "+1 555 0100" },
    ]);
  });

  test("Q5: members removed by a value array (with $ref: null) and by a path filter", async () => {
    const [a, b] = await seedUsers(scim, 2);
    const groupId = await createGroup(scim);
    expectStatus(
      await scim.patch(
        `/Groups/${groupId}`,
        patchOp({
          op: "Add",
          path: "members",
          value: [
            { $ref: null, value: a },
            { $ref: null, value: b },
          ],
        }),
      ),
      204,
    );
    expectStatus(await scim.patch(`/Groups/${groupId}`, patchOp({ op: "Remove", path: "members", value: [{ $ref: null, value: a }] })), 204);
    expect(await memberIds(scim, groupId)).toEqual([b]);
    expectStatus(await scim.patch(`/Groups/${groupId}`, patchOp({ op: "remove", path: `members[value eq "${b}"]` })), 204);
    expect(await memberIds(scim, groupId)).toEqual([]);
  });

  describe("Q6: manager", () => {
    let managerId: string;
    beforeAll(async () => {
      managerId = (await createUser(scim)).id;
    });

    test("as a bare id on the URN path", async () => {
      const user = await createUser(scim);
      expect(enterprise(await patchUser(user.id, { op: "Add", path: `${ENT}:manager`, value: managerId }))?.manager).toEqual({ value: managerId });
    });

    test("as {value} on the path manager", async () => {
      const user = await createUser(scim);
      expect(enterprise(await patchUser(user.id, { op: "replace", path: "manager", value: { value: managerId } }))?.manager).toEqual({ value: managerId });
    });

    test("as a one-element [{$ref, value}] array (tutorial example 5)", async () => {
      const user = await createUser(scim);
      const $ref = `${t.scimUrl}/Users/${managerId}`;
      expect(enterprise(await patchUser(user.id, { op: "Add", path: "manager", value: [{ $ref, value: managerId }] }))?.manager).toEqual({
        $ref,
        value: managerId,
      });
    });

    test("as a bare id in a POST's extension block", async () => {
      const user = await createUser(scim, entraUser({ [ENT]: { manager: managerId } }));
      expect(enterprise(await get(user.id))?.manager).toEqual({ value: managerId });
    });

    test.each([
      ['replace with ""', { op: "replace", path: `${ENT}:manager`, value: "" }],
      ["replace with null", { op: "Replace", path: "manager", value: null }],
      ['replace with {"value": ""}', { op: "Replace", path: "manager", value: { value: "" } }],
      ["Remove", { op: "Remove", path: "manager" }],
    ])("cleared with %s", async (_, op) => {
      const user = await createUser(scim, entraUser({ [ENT]: { manager: { value: managerId } } }));
      expect(enterprise(await patchUser(user.id, op))?.manager).toBeUndefined();
    });
  });

  test("Q7: Add on an attribute that already has a value replaces it", async () => {
    const user = await createUser(scim, entraUser({ nickName: "Babs" }));
    expect((await patchUser(user.id, { op: "Add", path: "nickName", value: "Barbara" })).nickName).toBe("Barbara");
  });

  test("Q8: unknown and typo'd schema URNs in schemas[] are ignored, null attributes are not provided", async () => {
    const body = entraUser({
      schemas: [CORE_USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
      addresses: null,
      title: null,
      department: null,
      manager: null,
    });
    const created = await createUser(scim, body);
    const stored = await get(created.id);
    expect(stored.userName).toBe(body.userName);
    for (const absent of ["addresses", "title", ENT]) expect(stored[absent]).toBeUndefined();
  });

  test("Q8: a group POST with the ADSCIM schema URN is accepted", async () => {
    const reply = await scim.post("/Groups", entraGroup({ schemas: [CORE_GROUP, ADSCIM_GROUP] }));
    expectStatus(reply, 201);
  });

  test("Q9: meta and roles: [] in a POST are accepted; meta is the server's", async () => {
    const created = await createUser(scim, entraUser({ meta: { resourceType: "User", version: 'W/"mine"' }, roles: [] }));
    const stored = await get(created.id);
    expect(stored.roles).toBeUndefined();
    expect(stored.meta.version).not.toBe('W/"mine"');
  });

  test.each(["", null])("Q14: replace with %j clears the attribute", async (empty) => {
    const user = await createUser(scim, entraUser({ title: "t", [ENT]: { department: "d" } }));
    const after = await patchUser(user.id, { op: "Replace", path: "title", value: empty }, { op: "replace", path: `${ENT}:department`, value: empty });
    expect(after.title).toBeUndefined();
    expect(enterprise(after)).toBeUndefined();
  });

  test("Q20: roles as stringified JSON in a PATCH", async () => {
    const user = await createUser(scim);
    const after = await patchUser(user.id, {
      op: "Add",
      path: "roles",
      value: [
        {
          primary: false,
          type: "WindowsAzureActiveDirectoryRole",
          value: '{"id":"8e4e4c4e-0000-4000-8000-000000000001","value":"Admin","displayName":"Administrator"}',
        },
      ],
    });
    expect(after.roles).toEqual([{ primary: false, type: "WindowsAzureActiveDirectoryRole", value: "Admin", display: "Administrator" }]);
  });
});

describe("a whole extension URN as the PATCH path", () => {
  test("replace with an object sets those attributes and leaves the others", async () => {
    const manager = await createUser(scim);
    const user = await createUser(scim, entraUser({ [ENT]: { employeeNumber: "1", department: "Old" } }));
    const reply = await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", path: ENT, value: { department: "X", manager: { value: manager.id } } }));
    expectStatus(reply, 200);
    expect(enterprise((await snapshot(`/Users/${user.id}`)).body)).toEqual({ employeeNumber: "1", department: "X", manager: { value: manager.id } });
  });

  test("Add with an object creates the block", async () => {
    const user = await createUser(scim);
    expectStatus(await scim.patch(`/Users/${user.id}`, patchOp({ op: "Add", path: ENT, value: { costCenter: "4130" } })), 200);
    expect(enterprise((await snapshot(`/Users/${user.id}`)).body)).toEqual({ costCenter: "4130" });
  });

  test("remove removes the whole block", async () => {
    const user = await createUser(scim, entraUser({ [ENT]: { employeeNumber: "1", department: "Old" } }));
    expectStatus(await scim.patch(`/Users/${user.id}`, patchOp({ op: "remove", path: ENT })), 200);
    const stored = (await snapshot(`/Users/${user.id}`)).body;
    expect(enterprise(stored)).toBeUndefined();
    expect(stored.userName).toBe(user.userName);
  });

  test("an unknown attribute inside the object is 400 invalidPath with the reject policy, and nothing changes", async () => {
    const strict = await t.newTenant({ policy: { unknownAttributes: "reject" } });
    const user = await createUser(strict, entraUser({ [ENT]: { department: "Old" } }));
    const before = await strict.get(`/Users/${user.id}`);
    expectScimError(
      await strict.patch(`/Users/${user.id}`, patchOp({ op: "replace", path: ENT, value: { department: "X", favourite: unique() } })),
      400,
      "invalidPath",
    );
    expect((await strict.get(`/Users/${user.id}`)).body).toEqual(before.body);
  });

  test("by default an unknown attribute inside the object is ignored and the rest applies", async () => {
    const user = await createUser(scim, entraUser({ [ENT]: { department: "Old" } }));
    const reply = await scim.patch(`/Users/${user.id}`, patchOp({ op: "replace", path: ENT, value: { department: "X", favourite: unique() } }));
    expectStatus(reply, 200);
    expect(reply.body[ENT]).toEqual({ department: "X" });
  });
});
