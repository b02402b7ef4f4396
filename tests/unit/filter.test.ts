// Filters (RFC 7644 §3.4.2.2) over every kind of User attribute, with each attribute's case rules,
// Entra's tolerances (Q10, Q12, §1.6) and the storage plan an `eq` on a key attribute gets.
import { compileFilter } from "../../shared/scim/filter";
import { USER } from "../../shared/scim/resource-types";
import { thrownScimError } from "./support";

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const MANAGER_ID = "26118915-6090-4610-87e4-49d8ca9f808d";
const ID = "2819c223-7f76-453a-919d-413861904646";

const user = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
  id: ID,
  externalId: "Jyoung-Ext",
  userName: "Joy.Young@Contoso.com",
  displayName: "Joy Young",
  nickName: "Joy",
  title: "Vice President",
  active: false,
  name: { givenName: "Joy", familyName: "Young", formatted: "Joy Young" },
  emails: [
    { value: "joy@work.example", type: "work", primary: true },
    { value: "joy@home.example", type: "home" },
  ],
  phoneNumbers: [{ value: "+1 555 0100", type: "mobile" }],
  addresses: [{ type: "work", locality: "Redmond", country: "US" }],
  roles: [{ value: "Admin", display: "Administrator" }],
  [ENT]: { employeeNumber: "701984", department: "Sales", manager: { value: MANAGER_ID } },
  meta: {
    resourceType: "User",
    created: "2024-03-01T10:00:00.000Z",
    lastModified: "2024-06-01T12:00:00.000Z",
    location: `https://host/scim/v2/Users/${ID}`,
    version: 'W/"abc"',
  },
};

const matches = (filter: string) => compileFilter(USER, filter).matches(user);

describe("comparison operators", () => {
  test.each([
    ['userName eq "Joy.Young@Contoso.com"', true],
    ['userName ne "Joy.Young@Contoso.com"', false],
    ['userName ne "someone.else@contoso.com"', true],
    ['userName co "young@"', true],
    ['userName sw "joy."', true],
    ['userName ew "CONTOSO.COM"', true],
    ['userName ew "contoso.org"', false],
    ['userName gt "joy"', true],
    ['userName ge "joy.young@contoso.com"', true],
    ['userName lt "joy"', false],
    ['userName le "zzz"', true],
    ["title pr", true],
    ["userType pr", false],
    ["nickName pr and locale pr", false],
  ])("%s → %s", (filter, expected) => expect(matches(filter)).toBe(expected));
});

describe("case rules follow each attribute's caseExact", () => {
  test.each([
    ['userName eq "JOY.YOUNG@CONTOSO.COM"', true], // caseExact false (RFC 7643 §4.1.1)
    ['displayName eq "joy young"', true],
    ['title co "PRESIDENT"', true],
    ['externalId eq "Jyoung-Ext"', true], // caseExact true (RFC 7643 §3.1)
    ['externalId eq "jyoung-ext"', false],
    ['externalId sw "jyoung"', false],
    [`id eq "${ID.toUpperCase()}"`, false], // id is caseExact
    [`id eq "${ID}"`, true],
    ['emails[type eq "WORK"]', true], // type is caseExact false
  ])("%s → %s", (filter, expected) => expect(matches(filter)).toBe(expected));

  test("attribute names and operators are case-insensitive", () => {
    expect(matches('USERNAME EQ "joy.young@contoso.com"')).toBe(true);
    expect(matches('Name.GivenName Sw "J"')).toBe(true);
    expect(matches('userName Eq "nobody" Or TITLE pr')).toBe(true);
  });
});

describe("logical operators, grouping and not", () => {
  test.each([
    ['userName eq "joy.young@contoso.com" and title eq "Vice President"', true],
    ['userName eq "joy.young@contoso.com" and title eq "Tour Guide"', false],
    ['userName eq "nobody" or title eq "Vice President"', true],
    ['not (userName eq "nobody")', true],
    ['not (userName eq "joy.young@contoso.com")', false],
    ['title eq "x" or (nickName eq "Joy" and displayName sw "Joy")', true],
    ['(title eq "x" or nickName eq "Joy") and displayName sw "Joy"', true],
    ['(title eq "x" or nickName eq "Joy") and displayName sw "Bob"', false],
    ['title eq "x" or nickName eq "Joy" and displayName sw "Bob"', false], // and binds tighter than or
    ['nickName eq "Joy" or title eq "x" and displayName sw "Bob"', true],
  ])("%s → %s", (filter, expected) => expect(matches(filter)).toBe(expected));
});

describe("multi-valued and complex attributes", () => {
  test.each([
    ['emails[type eq "work"]', true],
    ['emails[type eq "other"]', false],
    ['emails[type eq "work" and value co "@work"]', true],
    ['emails[type eq "work" and value co "@home"]', false], // both conditions on the same element
    ['emails[type eq "work"].value eq "joy@work.example"', true], // Entra's matching attribute (Q12)
    ['emails[type eq "work"].value eq "joy@home.example"', false],
    ['emails[type eq "home"].value eq "joy@home.example"', true],
    ['emails.value eq "joy@home.example"', true], // any value matches
    ['emails eq "joy@home.example"', true], // a complex attribute compares its value sub-attribute
    ['emails co "@home"', true],
    ["emails pr", true],
    ["ims pr", false],
    ["emails[primary eq true]", true],
    ['phoneNumbers[type eq "mobile"].value eq "+1 555 0100"', true],
    ['addresses[type eq "work"].locality eq "redmond"', true],
    ['addresses.country eq "US"', true],
    ['roles[value eq "Admin"]', true],
    ['name.familyName eq "young"', true],
    ["name.middleName pr", false],
  ])("%s → %s", (filter, expected) => expect(matches(filter)).toBe(expected));
});

describe("enterprise extension", () => {
  test.each([
    [`${ENT}:employeeNumber eq "701984"`, true],
    [`${ENT}:department eq "sales"`, true],
    [`${ENT}:costCenter pr`, false],
    [`${ENT}:manager.value eq "${MANAGER_ID}"`, true],
    [`manager eq "${MANAGER_ID}"`, true], // §1.6: manager eq <id> means manager.value
    [`manager.value eq "${MANAGER_ID}"`, true],
    [`manager eq "someone-else"`, false],
    ['department eq "Sales"', true], // Entra names extension attributes without their URN
  ])("%s → %s", (filter, expected) => expect(matches(filter)).toBe(expected));
});

describe("booleans, dates and meta", () => {
  test.each([
    ["active eq false", true],
    ["active eq true", false],
    ["active ne true", true],
    ['active eq "False"', true], // a string boolean compares as a boolean
    ['meta.lastModified gt "2024-05-01T00:00:00Z"', true],
    ['meta.lastModified gt "2024-07-01T00:00:00Z"', false],
    ['meta.lastModified ge "2024-06-01T12:00:00.000Z"', true],
    ['meta.lastModified lt "2024-06-01T12:00:00Z"', false],
    ['meta.created le "2024-03-01T10:00:00Z"', true],
    ['meta.resourceType eq "User"', true],
  ])("%s → %s", (filter, expected) => expect(matches(filter)).toBe(expected));
});

describe("Entra tolerances", () => {
  test("legacy unquoted values are read as strings (§1.4: filter=externalId eq jyoung)", () => {
    expect(compileFilter(USER, "externalId eq Jyoung-Ext").matches(user)).toBe(true);
    expect(compileFilter(USER, "externalId eq jyoung").matches(user)).toBe(false);
  });

  test("the manager reference check with unquoted ids (§1.6)", () => {
    const f = compileFilter(USER, `id eq ${ID} and manager eq ${MANAGER_ID}`);
    expect(f.plan).toEqual({ kind: "id", id: ID });
    expect(f.matches(user)).toBe(true);
    expect(compileFilter(USER, `id eq ${ID} and manager eq ${ID}`).matches(user)).toBe(false);
  });

  test("a filter on an attribute the user lacks is no match, not an error", () => {
    expect(matches('nickName eq "nobody"')).toBe(false);
    expect(matches(`${ENT}:division eq "x"`)).toBe(false);
  });

  test("null compares as absence", () => {
    expect(matches("userType eq null")).toBe(true);
    expect(matches("title eq null")).toBe(false);
    expect(matches("title ne null")).toBe(true);
  });
});

describe("query plan: an eq on a key attribute is one point read", () => {
  test.each([
    ['userName eq "Joy.Young@Contoso.com"', { kind: "index", attribute: "userName", value: "Joy.Young@Contoso.com" }],
    ['UserName EQ "x"', { kind: "index", attribute: "userName", value: "x" }],
    ['externalId eq "abc"', { kind: "index", attribute: "externalId", value: "abc" }],
    ["externalId eq jyoung", { kind: "index", attribute: "externalId", value: "jyoung" }],
    [`id eq "${ID}"`, { kind: "id", id: ID }],
    ['userName eq "a" and active eq true', { kind: "index", attribute: "userName", value: "a" }],
    ['active eq true and externalId eq "e"', { kind: "index", attribute: "externalId", value: "e" }],
    ['userName eq "a" or userName eq "b"', { kind: "scan" }],
    ['userName sw "a"', { kind: "scan" }],
    ['userName ne "a"', { kind: "scan" }],
    ['not (userName eq "a")', { kind: "scan" }],
    ['emails[type eq "work"].value eq "a@b"', { kind: "scan" }],
    [`${ENT}:employeeNumber eq "1"`, { kind: "scan" }],
  ])("%s", (filter, plan) => expect(compileFilter(USER, filter).plan).toEqual(plan));

  test("a crafted value stays one value: quotes cannot widen the lookup", () => {
    const crafted = "x' or PartitionKey ne '";
    expect(compileFilter(USER, `userName eq "${crafted}"`).plan).toEqual({ kind: "index", attribute: "userName", value: crafted });
    expect(compileFilter(USER, 'userName eq "a\\" or userName pr or userName eq \\"b"').plan).toEqual({
      kind: "index",
      attribute: "userName",
      value: 'a" or userName pr or userName eq "b',
    });
  });
});

describe("malformed or unsupported filters are 400 invalidFilter", () => {
  test.each([
    "userName",
    "userName eq",
    'userName eq "unterminated',
    'userName xx "a"',
    'noSuchAttribute eq "a"',
    'name.noSuchSub eq "a"',
    'emails[type eq "work"',
    'emails[nope eq "work"]',
    '(userName eq "a"',
    'userName eq "a")',
    'userName eq "a" and',
    'userName eq "a" userName eq "b"',
    "active gt true",
    'meta.lastModified gt "not a date"',
    "password pr", // returned never: not filterable
    'name eq "x"', // complex without a value sub-attribute
    'urn:example:unknown:2.0:User:foo eq "a"',
    "userName eq @",
    "x".repeat(10_001),
  ])("%s", (filter) => expect(thrownScimError(() => compileFilter(USER, filter))).toEqual({ status: 400, scimType: "invalidFilter" }));
});

// Boolean attributes take true/false (any case, Entra writes "True"); anything else is not a boolean.
test('a boolean compared with a non-boolean string is 400 invalidFilter (active eq "maybe")', () => {
  expect(thrownScimError(() => compileFilter(USER, 'active eq "maybe"'))).toEqual({ status: 400, scimType: "invalidFilter" });
});

// Legacy unquoted values after a compare operator are strings, numbers included (their text is kept).
test("a legacy unquoted numeric externalId is an index lookup (externalId eq 701984)", () => {
  expect(compileFilter(USER, "externalId eq 701984").plan).toEqual({ kind: "index", attribute: "externalId", value: "701984" });
});
test("a legacy unquoted externalId with a leading zero is accepted (externalId eq 00123)", () => {
  expect(compileFilter(USER, "externalId eq 00123").matches({ externalId: "00123" })).toBe(true);
});

describe("backslashes in filter values", () => {
  test("a lone backslash is taken literally (DOMAIN\\jdoe sent unescaped)", () => {
    expect(compileFilter(USER, 'userName eq "DOMAIN\\jdoe"').matches({ userName: "DOMAIN\\jdoe" })).toBe(true);
  });
  // RFC 7644 compValue strings are JSON strings, so a doubled backslash is one backslash.
  test("a JSON-escaped backslash is one backslash", () => {
    expect(compileFilter(USER, 'userName eq "DOMAIN\\\\jdoe"').matches({ userName: "DOMAIN\\jdoe" })).toBe(true);
  });
});

describe("legacy unquoted values that are not plain words", () => {
  test("an unquoted e-mail address is a userName index lookup", () => {
    expect(compileFilter(USER, "userName eq jyoung@contoso.com").plan).toEqual({ kind: "index", attribute: "userName", value: "jyoung@contoso.com" });
  });
  test("quoted strings that contain an operator are left alone", () => {
    expect(compileFilter(USER, 'displayName eq "a eq b@c" and userName eq x@y').matches({ displayName: "a eq b@c", userName: "X@y" })).toBe(true);
  });
});
