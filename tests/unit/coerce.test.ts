// POST/PUT bodies to the stored shape: Entra's create shapes (§1.2), nulls and unknown schema URNs
// tolerated (Q8), client meta/id ignored (Q9), string booleans (Q2), values stored as sent (Q13), and
// values of another JSON type refused with a detail naming the attribute (RFC 7643 §2.3).
import { coerceResource } from "../../shared/scim/coerce";
import { assertValidResource } from "../../shared/scim/validate";
import { USER } from "../../shared/scim/resource-types";
import { ScimError } from "../../shared/scim/errors";
import { thrownScimError } from "./support";

const CORE = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const coerce = (body: unknown) => {
  const doc = coerceResource(USER, body);
  assertValidResource(USER, doc);
  return doc;
};

test("Microsoft's create example (§1.2) keeps every value as sent and drops meta, schemas and empty roles", () => {
  const doc = coerce({
    schemas: [CORE, ENT],
    externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    userName: "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
    active: true,
    emails: [{ primary: true, type: "work", value: "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com" }],
    meta: { resourceType: "User" },
    name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
    roles: [],
  });
  expect(doc).toEqual({
    externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    userName: "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
    active: true,
    emails: [{ primary: true, type: "work", value: "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com" }],
    name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
  });
});

test("the older example with nulls and the typo'd enterprise URN (Q8)", () => {
  const doc = coerce({
    schemas: [CORE, "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
    externalId: "jyoung",
    userName: "jyoung@testuser.com",
    active: true,
    addresses: null,
    displayName: "Joy Young",
    emails: [{ type: "work", value: "jyoung@Contoso.com", primary: true }],
    meta: { resourceType: "User" },
    name: { familyName: "Young", givenName: "Joy" },
    phoneNumbers: null,
    preferredLanguage: null,
    title: null,
    department: null,
    manager: null,
  });
  expect(doc).toEqual({
    externalId: "jyoung",
    userName: "jyoung@testuser.com",
    active: true,
    displayName: "Joy Young",
    emails: [{ type: "work", value: "jyoung@Contoso.com", primary: true }],
    name: { familyName: "Young", givenName: "Joy" },
  });
});

test("an unknown schema URN block and an unknown URN-qualified attribute are ignored (Q8)", () => {
  const doc = coerce({
    userName: "a",
    "urn:ietf:params:scim:schemas:extension:custom:2.0:User": { badge: "1" },
    "urn:ietf:params:scim:schemas:extension:custom:2.0:User:badge": "1",
  });
  expect(doc).toEqual({ userName: "a" });
});

test("enterprise attributes nested under the extension key, manager as {value}", () => {
  const doc = coerce({ userName: "a", [ENT]: { employeeNumber: "701984", department: "Sales", manager: { value: "m1" } } });
  expect(doc).toEqual({ userName: "a", [ENT]: { employeeNumber: "701984", department: "Sales", manager: { value: "m1" } } });
});

test("enterprise attributes flattened as URN-qualified keys", () => {
  expect(coerce({ userName: "a", [`${ENT}:costCenter`]: "4130" })).toEqual({ userName: "a", [ENT]: { costCenter: "4130" } });
});

test("an enterprise attribute named without its URN lands in the extension (as in PATCH paths)", () => {
  expect(coerce({ userName: "a", department: "Sales", manager: "m1" })).toEqual({ userName: "a", [ENT]: { department: "Sales", manager: { value: "m1" } } });
});

test("the core schema URN as a block is the same as top-level attributes", () => {
  expect(coerce({ [CORE]: { userName: "a", displayName: "A" } })).toEqual({ userName: "a", displayName: "A" });
});

test("an enterprise block that ends up empty is dropped", () => {
  expect(coerce({ userName: "a", [ENT]: { department: null, manager: { value: "" } } })).toEqual({ userName: "a" });
});

test("attribute names are matched case-insensitively and stored in RFC spelling", () => {
  expect(coerce({ UserName: "a", NAME: { GivenName: "Joy" }, Emails: [{ Value: "x@y", Type: "work" }] })).toEqual({
    userName: "a",
    name: { givenName: "Joy" },
    emails: [{ value: "x@y", type: "work" }],
  });
});

test.each([
  ["True", true],
  ["False", false],
  ["true", true],
  ["false", false],
  [true, true],
  [false, false],
])('active %p is stored as %p (Q2; the Postman "True" check)', (active, expected) => {
  expect(coerce({ userName: "a", active }).active).toBe(expected);
});

test("client-supplied id, meta and readOnly groups are ignored", () => {
  expect(coerce({ userName: "a", id: "mine", meta: { version: "x" }, groups: [{ value: "g" }] })).toEqual({ userName: "a" });
});

test("password is accepted and never stored", () => {
  expect(coerce({ userName: "a", password: "hunter2" })).toEqual({ userName: "a" });
});

test('"" and null are "not provided"', () => {
  expect(coerce({ userName: "a", title: "", nickName: null, emails: [], name: { givenName: "" } })).toEqual({ userName: "a" });
});

test("values are stored exactly as sent: no e-mail, phone or case normalisation (Q13)", () => {
  const doc = coerce({ userName: "Mixed.Case@Example.COM", phoneNumbers: [{ value: "+1 (555) 010-0000", type: "work" }], emails: [{ value: " Spaced@X " }] });
  expect(doc).toEqual({ userName: "Mixed.Case@Example.COM", phoneNumbers: [{ value: "+1 (555) 010-0000", type: "work" }], emails: [{ value: " Spaced@X " }] });
});

test.each([
  ["a body that is not an object", ["userName"], "invalidSyntax"],
  ["a JSON null body", null, "invalidSyntax"],
  ["an unknown attribute", { userName: "a", favouriteColour: "blue" }, "invalidSyntax"],
  ["an unknown sub-attribute", { userName: "a", name: { nickname: "x" } }, "invalidSyntax"],
  ["no userName", { displayName: "a" }, "invalidValue"],
  ["userName null", { userName: null }, "invalidValue"],
  ["userName as an object", { userName: { value: "a" } }, "invalidValue"],
  ["active not a boolean", { userName: "a", active: "yes" }, "invalidValue"],
  ["active as a number", { userName: "a", active: 1 }, "invalidValue"],
  ["name as a string", { userName: "a", name: "Joy Young" }, "invalidValue"],
  ["emails[].primary not a boolean", { userName: "a", emails: [{ value: "x", primary: "sometimes" }] }, "invalidValue"],
  ["two managers", { userName: "a", [ENT]: { manager: [{ value: "a" }, { value: "b" }] } }, "invalidValue"],
  ["the enterprise block as a string", { userName: "a", [ENT]: "x" }, "invalidSyntax"],
])("%s → 400 %s", (_, body, scimType) => {
  expect(thrownScimError(() => coerce(body))).toEqual({ status: 400, scimType });
});

describe("exact types: no value of another JSON type is converted (RFC 7643 §2.3)", () => {
  const detail = (body: unknown) => {
    try {
      coerce(body);
    } catch (e) {
      if (e instanceof ScimError) return { status: e.status, scimType: e.scimType, detail: e.detail };
      throw e;
    }
    throw new Error("expected a ScimError");
  };

  test.each([
    ["nickName 5", { nickName: 5 }, "Attribute 'nickName' must be a string, got a number."],
    ["externalId 1.2e29", { externalId: 1.2345678901234568e29 }, "Attribute 'externalId' must be a string, got a number."],
    ["displayName true", { displayName: true }, "Attribute 'displayName' must be a string, got a boolean."],
    ["name.givenName 5", { name: { givenName: 5 } }, "Attribute 'name.givenName' must be a string, got a number."],
    ["emails as a bare number", { emails: 5 }, "Attribute 'emails' is multi-valued and must be an array, got a number."],
    ["emails as a bare string", { emails: "a@example.com" }, "Attribute 'emails' is multi-valued and must be an array, got a string."],
    ["emails as a single object", { emails: { value: "a@example.com" } }, "Attribute 'emails' is multi-valued and must be an array, got an object."],
    ["emails holding bare strings", { emails: ["a@example.com"] }, "Every value of attribute 'emails' must be an object, got a string."],
    ["emails holding null", { emails: [null] }, "Every value of attribute 'emails' must be an object, got null."],
    ["emails[].value 5", { emails: [{ value: 5 }] }, "Attribute 'emails.value' must be a string, got a number."],
    ["emails[].primary 1", { emails: [{ value: "a", primary: 1 }] }, "Attribute 'emails.primary' must be a boolean (true or false), got a number."],
    ["active 1", { active: 1 }, "Attribute 'active' must be a boolean (true or false), got a number."],
    ['active "yes"', { active: "yes" }, 'Attribute \'active\' must be a boolean (true or false), got a string other than "True" or "False".'],
    ["profileUrl 5", { profileUrl: 5 }, "Attribute 'profileUrl' must be a URI string, got a number."],
    [
      "profileUrl with a space",
      { profileUrl: "https://example.com/my profile" },
      expect.stringMatching(/^Attribute 'profileUrl' must be a URI string, got a string that is not a URI/),
    ],
    ["photos[].value not a URI", { photos: [{ value: "photo of me" }] }, expect.stringMatching(/^Attribute 'photos.value' must be a URI string/)],
    [
      "x509Certificates[].value not base64",
      { x509Certificates: [{ value: "-----BEGIN CERTIFICATE-----" }] },
      expect.stringMatching(/^Attribute 'x509Certificates.value' must be a base64 string/),
    ],
    [
      "manager as a number",
      { [ENT]: { manager: 12 } },
      `Attribute '${ENT}:manager' must be an object with "value" (the manager's id), or the id as a string, got a number.`,
    ],
    ["manager.value as a number", { [ENT]: { manager: { value: 12 } } }, `Attribute '${ENT}:manager.value' must be a string, got a number.`],
    ["department as a number (extension block)", { [ENT]: { department: 5 } }, `Attribute '${ENT}:department' must be a string, got a number.`],
    [
      "employeeNumber as a number (flattened URN key)",
      { [`${ENT}:employeeNumber`]: 701984 },
      `Attribute '${ENT}:employeeNumber' must be a string, got a number.`,
    ],
    ["roles as a single object", { roles: { value: "Admin" } }, "Attribute 'roles' is multi-valued and must be an array, got an object."],
  ])("%s → 400 invalidValue", (_, attrs, expected) => {
    expect(detail({ userName: "a", ...attrs })).toEqual({ status: 400, scimType: "invalidValue", detail: expected });
  });

  test("userName 5 → 400 invalidValue", () => {
    expect(detail({ userName: 5 })).toEqual({ status: 400, scimType: "invalidValue", detail: "Attribute 'userName' must be a string, got a number." });
  });

  test.each([
    ["a string", "urn:ietf:params:scim:schemas:core:2.0:User", "got a string"],
    ["an array holding a number", [5], "got an array holding a number"],
    ["an array holding an object", [CORE, { urn: ENT }], "got an array holding an object"],
    ["null", null, "got null"],
  ])("schemas as %s → 400 invalidSyntax", (_, schemas, got) => {
    expect(detail({ schemas, userName: "a" })).toEqual({
      status: 400,
      scimType: "invalidSyntax",
      detail: `'schemas' must be an array of schema URN strings, ${got}.`,
    });
  });
});

describe("Entra's documented shapes stay accepted", () => {
  test('Q2: active "TRUE" and "fALSE" in any case are booleans', () => {
    expect(coerce({ userName: "a", active: "TRUE" }).active).toBe(true);
    expect(coerce({ userName: "a", active: "fALSE" }).active).toBe(false);
  });

  test("Q6: manager as a bare id, as {value}, and as a one-element [{$ref, value}] array", () => {
    const stored = { userName: "a", [ENT]: { manager: { value: "m1" } } };
    expect(coerce({ userName: "a", [ENT]: { manager: "m1" } })).toEqual(stored);
    expect(coerce({ userName: "a", [ENT]: { manager: { value: "m1" } } })).toEqual(stored);
    expect(coerce({ userName: "a", [ENT]: { manager: [{ $ref: "http://.../scim/Users/m1", value: "m1" }] } })).toEqual({
      userName: "a",
      [ENT]: { manager: { $ref: "http://.../scim/Users/m1", value: "m1" } },
    });
  });

  test("Q8: unknown URNs in schemas[] are ignored, null attributes are not provided", () => {
    expect(
      coerce({ schemas: [CORE, "urn:ietf:params:scim:schemas:extension:enterprise:2.0User", "http://example.com/x"], userName: "a", title: null }),
    ).toEqual({ userName: "a" });
  });

  test("Q9: meta and roles: [] in a POST are accepted and leave nothing behind", () => {
    expect(coerce({ userName: "a", meta: { resourceType: "User" }, roles: [] })).toEqual({ userName: "a" });
  });

  test("Q20: a role whose value is stringified JSON is unpacked", () => {
    expect(coerce({ userName: "a", roles: [{ value: '{"id":"r1","value":"Admin","displayName":"Administrator"}' }] }).roles).toEqual([
      { value: "Admin", display: "Administrator" },
    ]);
  });

  test('Q14: "" is no value for every attribute type, including booleans and complex ones', () => {
    expect(coerce({ userName: "a", active: "", name: "", emails: "", [ENT]: { manager: "" } })).toEqual({ userName: "a" });
  });
});
