// PATCH operations on a stored user (RFC 7644 §3.5.2 plus Entra's upserts Q4, add-as-replace Q7,
// manager shapes Q6, stringified roles Q20), table-driven: before → operations → after; a whole
// extension URN as the path; values of another JSON type refused.
import { normalizeOperations } from "../../shared/scim/patch/entra-dialect";
import { applyOperations } from "../../shared/scim/patch/apply";
import { USER } from "../../shared/scim/resource-types";
import { assertValidResource, RawPatchOperation } from "../../shared/scim/validate";
import { ScimObject } from "../../shared/scim/coerce";
import { thrownScimError } from "./support";

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const MANAGER = "00aa00aa-bb11-cc22-dd33-44ee44ee44ee";

const base: ScimObject = {
  userName: "jyoung@testuser.com",
  externalId: "jyoung",
  displayName: "Joy Young",
  active: true,
  name: { givenName: "Joy", familyName: "Young" },
  emails: [{ value: "jyoung@contoso.com", type: "work", primary: true }],
};

function patch(doc: ScimObject, ...ops: RawPatchOperation[]): ScimObject {
  const out = applyOperations(doc, normalizeOperations(USER, ops));
  assertValidResource(USER, out);
  return out;
}

interface Case {
  name: string;
  before?: ScimObject;
  ops: RawPatchOperation[];
  after: ScimObject;
}

const cases: Case[] = [
  {
    name: "Replace a simple attribute",
    ops: [{ op: "Replace", path: "displayName", value: "Pvlo" }],
    after: { ...base, displayName: "Pvlo" },
  },
  {
    name: "Add on an existing single value acts as replace (Q7)",
    ops: [{ op: "Add", path: "displayName", value: "Babs" }],
    after: { ...base, displayName: "Babs" },
  },
  {
    name: "Add sets a single value the first time (§1.7 nickName)",
    ops: [{ op: "Add", path: "nickName", value: "Babs" }],
    after: { ...base, nickName: "Babs" },
  },
  {
    name: "Replace a sub-attribute keeps its siblings",
    ops: [{ op: "Replace", path: "name.familyName", value: "updatedFamilyName" }],
    after: { ...base, name: { givenName: "Joy", familyName: "updatedFamilyName" } },
  },
  {
    name: "Replace a complex attribute by object merges sub-attributes (§3.5.2.3)",
    ops: [{ op: "replace", path: "name", value: { formatted: "Joy Young" } }],
    after: { ...base, name: { givenName: "Joy", familyName: "Young", formatted: "Joy Young" } },
  },
  {
    name: 'Replace emails[type eq "work"].value updates the matching element (§1.7)',
    ops: [{ op: "Replace", path: 'emails[type eq "work"].value', value: "updatedEmail@microsoft.com" }],
    after: { ...base, emails: [{ value: "updatedEmail@microsoft.com", type: "work", primary: true }] },
  },
  {
    name: 'Replace emails[type eq "work"].value creates the element when none matches (Q4)',
    before: { userName: "a" },
    ops: [{ op: "Replace", path: 'emails[type eq "work"].value', value: "a@work.example" }],
    after: { userName: "a", emails: [{ type: "work", value: "a@work.example" }] },
  },
  {
    name: 'Add emails[type eq "home"].value adds a second element, keeping the work one',
    ops: [{ op: "Add", path: 'emails[type eq "home"].value', value: "joy@home.example" }],
    after: { ...base, emails: [...(base.emails as ScimObject[]), { type: "home", value: "joy@home.example" }] },
  },
  {
    name: 'phoneNumbers[type eq "mobile"].value creates the mobile number (Q4)',
    ops: [{ op: "Add", path: 'phoneNumbers[type eq "mobile"].value', value: "+1 555 0100" }],
    after: { ...base, phoneNumbers: [{ type: "mobile", value: "+1 555 0100" }] },
  },
  {
    name: 'addresses[type eq "work"].locality creates the work address, then other parts join it (Q4)',
    ops: [
      { op: "Add", path: 'addresses[type eq "work"].locality', value: "Redmond" },
      { op: "Add", path: 'addresses[type eq "work"].postalCode', value: "98052" },
    ],
    after: { ...base, addresses: [{ type: "work", locality: "Redmond", postalCode: "98052" }] },
  },
  {
    name: "Replace a value-filtered element with an object merges into it",
    ops: [{ op: "replace", path: 'emails[type eq "work"]', value: { value: "new@contoso.com" } }],
    after: { ...base, emails: [{ value: "new@contoso.com", type: "work", primary: true }] },
  },
  {
    name: "Add to a multi-valued attribute appends without duplicating",
    ops: [
      {
        op: "add",
        path: "emails",
        value: [
          { value: "jyoung@contoso.com", type: "work" },
          { value: "other@contoso.com", type: "other" },
        ],
      },
    ],
    after: {
      ...base,
      emails: [
        { value: "jyoung@contoso.com", type: "work", primary: true },
        { value: "other@contoso.com", type: "other" },
      ],
    },
  },
  {
    name: "Adding a new primary value clears the old primary (RFC 7643 §2.4)",
    ops: [{ op: "add", path: "emails", value: [{ value: "new@contoso.com", type: "other", primary: true }] }],
    after: {
      ...base,
      emails: [
        { value: "jyoung@contoso.com", type: "work", primary: false },
        { value: "new@contoso.com", type: "other", primary: true },
      ],
    },
  },
  {
    name: "Replace a multi-valued attribute replaces the whole list",
    ops: [{ op: "replace", path: "emails", value: [{ value: "only@contoso.com", type: "work" }] }],
    after: { ...base, emails: [{ value: "only@contoso.com", type: "work" }] },
  },
  {
    name: "Remove a value-filtered element",
    before: {
      ...base,
      phoneNumbers: [
        { value: "1", type: "work" },
        { value: "2", type: "mobile" },
      ],
    },
    ops: [{ op: "Remove", path: 'phoneNumbers[type eq "mobile"]' }],
    after: { ...base, phoneNumbers: [{ value: "1", type: "work" }] },
  },
  {
    name: "Remove a multi-valued attribute without a filter removes all values",
    ops: [{ op: "remove", path: "emails" }],
    after: { userName: base.userName, externalId: "jyoung", displayName: "Joy Young", active: true, name: base.name },
  },
  {
    name: "Remove with a value array removes only those values (Q5 shape on a user attribute)",
    before: { ...base, roles: [{ value: "Admin" }, { value: "Reader" }] },
    ops: [{ op: "Remove", path: "roles", value: [{ value: "Admin" }] }],
    after: { ...base, roles: [{ value: "Reader" }] },
  },
  {
    name: "Remove a sub-attribute",
    ops: [{ op: "Remove", path: "name.givenName" }],
    after: { ...base, name: { familyName: "Young" } },
  },
  {
    name: "Remove of an absent attribute is a no-op",
    ops: [{ op: "remove", path: "nickName" }],
    after: base,
  },
  {
    name: 'Disable with the string "False" (Q2, legacy dialect)',
    ops: [{ op: "Replace", path: "active", value: "False" }],
    after: { ...base, active: false },
  },
  {
    name: 'Disable with a lowercase "false" string (customised Switch expression)',
    ops: [{ op: "Replace", path: "active", value: "false" }],
    after: { ...base, active: false },
  },
  {
    name: "Disable with a boolean (aadOptscim062020)",
    ops: [{ op: "replace", path: "active", value: false }],
    after: { ...base, active: false },
  },
  {
    name: 'Re-enable with "True"',
    before: { ...base, active: false },
    ops: [{ op: "Replace", path: "active", value: "True" }],
    after: { ...base, active: true },
  },
  {
    name: "Path-less replace keyed by attribute paths (§1.7, aadOptscim062020)",
    ops: [{ op: "replace", value: { displayName: "Bjfe", "name.givenName": "Kkom", "name.familyName": "Unua", [`${ENT}:employeeNumber`]: "Aklq" } }],
    after: { ...base, displayName: "Bjfe", name: { givenName: "Kkom", familyName: "Unua" }, [ENT]: { employeeNumber: "Aklq" } },
  },
  {
    name: "Path-less replace with nested objects (Q3)",
    ops: [{ op: "replace", value: { name: { givenName: "Kkom" }, [ENT]: { department: "Sales" }, active: "False" } }],
    after: { ...base, active: false, name: { givenName: "Kkom", familyName: "Young" }, [ENT]: { department: "Sales" } },
  },
  {
    name: "Enterprise attribute by URN path",
    ops: [{ op: "Replace", path: `${ENT}:employeeNumber`, value: "Eqpj" }],
    after: { ...base, [ENT]: { employeeNumber: "Eqpj" } },
  },
  {
    name: "Manager as an array of {$ref, value} on path manager (tutorial example 5)",
    ops: [{ op: "Add", path: "manager", value: [{ $ref: `http://host/scim/Users/${MANAGER}`, value: MANAGER }] }],
    after: { ...base, [ENT]: { manager: { $ref: `http://host/scim/Users/${MANAGER}`, value: MANAGER } } },
  },
  {
    name: "Manager as a bare id string on the URN path (gallery validation)",
    ops: [{ op: "Add", path: `${ENT}:manager`, value: MANAGER }],
    after: { ...base, [ENT]: { manager: { value: MANAGER } } },
  },
  {
    name: "Manager as {value}",
    ops: [{ op: "replace", path: "manager", value: { value: MANAGER } }],
    after: { ...base, [ENT]: { manager: { value: MANAGER } } },
  },
  {
    name: "Changing the manager drops the old $ref",
    before: { ...base, [ENT]: { manager: { value: "old", $ref: "http://host/Users/old" }, department: "Sales" } },
    ops: [{ op: "replace", path: `${ENT}:manager`, value: MANAGER }],
    after: { ...base, [ENT]: { manager: { value: MANAGER }, department: "Sales" } },
  },
  ...["", null].flatMap((empty) => [
    {
      name: `Manager cleared with replace ${JSON.stringify(empty)}`,
      before: { ...base, [ENT]: { manager: { value: MANAGER }, department: "Sales" } },
      ops: [{ op: "replace", path: `${ENT}:manager`, value: empty }],
      after: { ...base, [ENT]: { department: "Sales" } },
    },
    {
      name: `Manager cleared with {"value": ${JSON.stringify(empty)}}`,
      before: { ...base, [ENT]: { manager: { value: MANAGER } } },
      ops: [{ op: "Replace", path: "manager", value: { value: empty } }],
      after: base,
    },
  ]),
  {
    name: "Manager cleared with Remove; the emptied extension disappears",
    before: { ...base, [ENT]: { manager: { value: MANAGER } } },
    ops: [{ op: "Remove", path: "manager" }],
    after: base,
  },
  {
    name: "Roles as stringified JSON in PATCH (Q20)",
    ops: [
      {
        op: "Add",
        path: "roles",
        value: [
          {
            primary: false,
            type: "WindowsAzureActiveDirectoryRole",
            value: '{"id":"7f1b9b4b-0000-0000-0000-000000000001","value":"Admin","displayName":"Administrator"}',
          },
        ],
      },
    ],
    after: { ...base, roles: [{ primary: false, type: "WindowsAzureActiveDirectoryRole", value: "Admin", display: "Administrator" }] },
  },
  {
    name: "Roles as real objects",
    ops: [{ op: "add", path: "roles", value: [{ value: "Reader", display: "Reader" }] }],
    after: { ...base, roles: [{ value: "Reader", display: "Reader" }] },
  },
  ...["", null].map((empty) => ({
    name: `Null update: every optional attribute cleared with ${JSON.stringify(empty)} reads back absent (gallery)`,
    before: {
      ...base,
      title: "t",
      nickName: "n",
      preferredLanguage: "en",
      userType: "u",
      locale: "l",
      timezone: "z",
      phoneNumbers: [
        { type: "work", value: "1" },
        { type: "mobile", value: "2" },
      ],
      [ENT]: { employeeNumber: "1", department: "d", costCenter: "c", organization: "o", division: "v", manager: { value: MANAGER } },
    },
    ops: [
      ...[
        "displayName",
        "title",
        "nickName",
        "preferredLanguage",
        "userType",
        "locale",
        "timezone",
        "externalId",
        "name.givenName",
        "name.familyName",
        `${ENT}:employeeNumber`,
        `${ENT}:department`,
        `${ENT}:costCenter`,
        `${ENT}:organization`,
        `${ENT}:division`,
        `${ENT}:manager`,
        'phoneNumbers[type eq "work"]',
        'phoneNumbers[type eq "mobile"]',
      ].map((path) => ({ op: "Replace", path, value: empty })),
    ],
    after: { userName: base.userName, active: true, emails: base.emails },
  })),
  {
    name: "Several operations apply in order",
    ops: [
      { op: "Add", path: "title", value: "a" },
      { op: "Replace", path: "title", value: "b" },
      { op: "Remove", path: "nickName" },
    ],
    after: { ...base, title: "b" },
  },
];

test.each(cases)("$name", ({ before, ops, after }) => {
  expect(patch(before ?? base, ...ops)).toEqual(after);
});

test("the input document is not modified", () => {
  const before = structuredClone(base);
  patch(base, { op: "Replace", path: "displayName", value: "x" }, { op: "Remove", path: "emails" });
  expect(base).toEqual(before);
});

test("clearing the work email value leaves no work email value behind", () => {
  const after = patch(base, { op: "Replace", path: 'emails[type eq "work"].value', value: "" });
  const work = ((after.emails as ScimObject[] | undefined) ?? []).filter((e) => e.type === "work");
  expect(work.every((e) => e.value === undefined)).toBe(true);
});

describe("refusals", () => {
  test("a value filter that matches nothing and cannot describe a new element is noTarget", () => {
    expect(thrownScimError(() => patch(base, { op: "replace", path: 'emails[value co "x"].type', value: "home" }))).toEqual({
      status: 400,
      scimType: "noTarget",
    });
  });

  test.each([
    ["active", "maybe"],
    ["active", 1],
    ["name", "not an object"],
    ["displayName", { an: "object" }],
    ["manager", [{ value: "a" }, { value: "b" }]],
    [`${ENT}:employeeNumber`, ["a", "b"]],
  ])("replace %s with %j is 400 invalidValue", (path, value) => {
    expect(thrownScimError(() => patch(base, { op: "replace", path, value }))).toEqual({ status: 400, scimType: "invalidValue" });
  });

  test("a one-element array for a single-valued attribute is unwrapped (tolerance for manager arrays)", () => {
    expect(patch(base, { op: "replace", path: `${ENT}:employeeNumber`, value: ["a"] })[ENT]).toEqual({ employeeNumber: "a" });
  });

  test("an unknown sub-attribute inside a value is 400", () => {
    expect(thrownScimError(() => patch(base, { op: "replace", path: "name", value: { nope: "x" } })).status).toBe(400);
  });

  test("removing userName leaves an invalid user (required attribute): 400 invalidValue", () => {
    expect(thrownScimError(() => patch(base, { op: "remove", path: "userName" }))).toEqual({ status: 400, scimType: "invalidValue" });
  });
});

describe("a whole extension URN as the path", () => {
  const urnCases: Case[] = [
    {
      name: "replace with an object sets those attributes and leaves the others",
      before: { ...base, [ENT]: { employeeNumber: "1", department: "Old" } },
      ops: [{ op: "replace", path: ENT, value: { department: "X", manager: { value: MANAGER } } }],
      after: { ...base, [ENT]: { employeeNumber: "1", department: "X", manager: { value: MANAGER } } },
    },
    {
      name: "add creates the block when there is none",
      ops: [{ op: "Add", path: ENT, value: { department: "X", manager: MANAGER } }],
      after: { ...base, [ENT]: { department: "X", manager: { value: MANAGER } } },
    },
    {
      name: '"" inside the object clears that attribute only (Q14)',
      before: { ...base, [ENT]: { department: "Old", costCenter: "4130" } },
      ops: [{ op: "replace", path: ENT, value: { department: "" } }],
      after: { ...base, [ENT]: { costCenter: "4130" } },
    },
    {
      name: "changing the manager through the block drops the old $ref, as on the manager path",
      before: { ...base, [ENT]: { manager: { value: "old", $ref: "http://host/Users/old" } } },
      ops: [{ op: "replace", path: ENT, value: { manager: { value: MANAGER } } }],
      after: { ...base, [ENT]: { manager: { value: MANAGER } } },
    },
    {
      name: "remove removes the whole block",
      before: { ...base, [ENT]: { department: "X", manager: { value: MANAGER } } },
      ops: [{ op: "remove", path: ENT }],
      after: base,
    },
    {
      name: "remove of a block that is not there is a no-op",
      ops: [{ op: "Remove", path: ENT }],
      after: base,
    },
    {
      name: "replace with null removes the whole block (Q14)",
      before: { ...base, [ENT]: { department: "X" } },
      ops: [{ op: "replace", path: ENT, value: null }],
      after: base,
    },
  ];

  test.each(urnCases)("$name", ({ before, ops, after }) => {
    expect(patch(before ?? base, ...ops)).toEqual(after);
  });
});

describe("exact types in PATCH values", () => {
  test.each([
    ["nickName", 5, "Attribute 'nickName' must be a string, got a number."],
    ["externalId", 1.2345678901234568e29, "Attribute 'externalId' must be a string, got a number."],
    ["emails", 5, "Attribute 'emails' is multi-valued and must be an array, got a number."],
    ["emails", { value: "a@example.com" }, "Attribute 'emails' is multi-valued and must be an array, got an object."],
    ['emails[type eq "work"].value', 5, `Attribute 'emails[type eq "work"].value' must be a string, got a number.`],
    ["name", { givenName: 5 }, "Attribute 'name.givenName' must be a string, got a number."],
    ["name.givenName", true, "Attribute 'name.givenName' must be a string, got a boolean."],
    ["active", "yes", 'Attribute \'active\' must be a boolean (true or false), got a string other than "True" or "False".'],
    ["manager", 12, `Attribute 'manager' must be an object with "value" (the manager's id), or the id as a string, got a number.`],
    [ENT, { department: 5 }, `Attribute '${ENT}:department' must be a string, got a number.`],
    ["roles", [{ value: '{"id":"r1","value":7}' }], "Attribute 'roles.value' must be a string, got a number."],
  ])("replace %s with %j is 400 invalidValue", (path, value, detail) => {
    let error: unknown;
    try {
      patch(base, { op: "replace", path, value });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ status: 400, scimType: "invalidValue", detail });
  });

  test("the same values in a path-less value object (aadOptscim062020) are rejected alike", () => {
    for (const value of [
      { nickName: 5 },
      { "name.givenName": 5 },
      { name: { givenName: 5 } },
      { emails: 5 },
      { active: "yes" },
      { [`${ENT}:department`]: 5 },
      { [ENT]: { department: 5 } },
    ]) {
      expect(thrownScimError(() => patch(base, { op: "replace", value }))).toEqual({ status: 400, scimType: "invalidValue" });
    }
  });

  test("an add without a value does not clear the attribute: 400 invalidValue", () => {
    expect(thrownScimError(() => patch(base, { op: "add", path: "displayName" }))).toEqual({ status: 400, scimType: "invalidValue" });
  });
});
