// RFC 7643 §2.3 data types, exactly: each type accepts its JSON shape and nothing converted from another
// type, with a detail naming the attribute and what was expected; and coercion agrees with the ajv
// validator of stored resources (what coercion lets through validates; a canonical value that validates
// comes through coercion unchanged). The User schema has no integer, decimal or dateTime attribute, so a
// test extension holds one attribute of every type.
import { coerceResource, coerceValue } from "../../shared/scim/coerce";
import { assertValidResource } from "../../shared/scim/validate";
import { ResourceType, USER } from "../../shared/scim/resource-types";
import { AttributeDef, SchemaDef, binary, bool, complex, dateTime, ref, str } from "../../shared/scim/schemas/attribute";
import { ScimError } from "../../shared/scim/errors";
import { isBase64, isDateTime, isUriReference } from "../../shared/scim/data-types";

const TEST_URN = "urn:example:params:scim:schemas:extension:types:2.0:User";
const integer = (name: string, multiValued = false): AttributeDef => ({ ...str(name, name, { multiValued }), type: "integer" });
const decimal = (name: string): AttributeDef => ({ ...str(name, name), type: "decimal" });

const testSchema: SchemaDef = {
  id: TEST_URN,
  name: "Types",
  description: "One attribute of every RFC 7643 §2.3 type.",
  attributes: [
    str("aString", "string"),
    bool("aBoolean", "boolean"),
    integer("anInteger"),
    decimal("aDecimal"),
    dateTime("aDateTime", "dateTime"),
    ref("aReference", "reference", ["external"]),
    binary("aBinary", "binary"),
    complex("aComplex", "complex", [str("x", "x"), bool("flag", "flag")]),
    str("strings", "multi-valued string", { multiValued: true }),
    integer("integers", true),
    complex("objects", "multi-valued complex", [str("value", "value"), str("type", "type")], { multiValued: true }),
  ],
};
const TYPES: ResourceType = { ...USER, extensions: [...USER.extensions, testSchema] };
const attr = (name: string) => {
  const found = testSchema.attributes.find((a) => a.name === name);
  if (!found) throw new Error(`no test attribute ${name}`);
  return found;
};

function detailOf(fn: () => unknown): { status: number; scimType?: string; detail: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScimError) return { status: e.status, scimType: e.scimType, detail: e.detail };
    throw e;
  }
  throw new Error("expected a ScimError, nothing was thrown");
}

describe("accepted values are stored exactly as sent", () => {
  test.each([
    ["aString", "x", "x"],
    ["aString", " 5 ", " 5 "],
    ["aBoolean", true, true],
    ["aBoolean", false, false],
    ["anInteger", 0, 0],
    ["anInteger", -42, -42],
    ["anInteger", Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ["aDecimal", 1.5, 1.5],
    ["aDecimal", 7, 7],
    ["aDateTime", "2008-01-23T04:56:22Z", "2008-01-23T04:56:22Z"],
    ["aDateTime", "2008-01-23T04:56:22.123+05:30", "2008-01-23T04:56:22.123+05:30"],
    ["aDateTime", "2008-01-23T04:56:22", "2008-01-23T04:56:22"],
    ["aDateTime", "2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"],
    ["aReference", "https://example.com/scim/v2/Users/2819c223", "https://example.com/scim/v2/Users/2819c223"],
    ["aReference", "http://.../scim/Users/00aa00aa-bb11-cc22-dd33-44ee44ee44ee", "http://.../scim/Users/00aa00aa-bb11-cc22-dd33-44ee44ee44ee"],
    ["aReference", "../Users/2819c223", "../Users/2819c223"],
    ["aReference", "urn:example:thing", "urn:example:thing"],
    ["aBinary", "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx", "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"],
    ["aBinary", "aGk=", "aGk="],
    ["aBinary", "aGk", "aGk"],
    ["aComplex", { x: "a", flag: true }, { x: "a", flag: true }],
    ["strings", ["a", "b"], ["a", "b"]],
    ["integers", [1, 2], [1, 2]],
    ["objects", [{ value: "a", type: "work" }], [{ value: "a", type: "work" }]],
  ])("%s %j", (name, value, stored) => {
    expect(coerceValue(attr(name), value, name)).toEqual(stored);
  });
});

describe("values of the wrong type are 400 invalidValue naming the attribute and what it must be", () => {
  test.each([
    ["aString", 5, "Attribute 'aString' must be a string, got a number."],
    ["aString", 1.2345678901234568e29, "Attribute 'aString' must be a string, got a number."],
    ["aString", true, "Attribute 'aString' must be a string, got a boolean."],
    ["aString", { value: "x" }, "Attribute 'aString' must be a string, got an object."],
    ["aString", ["a", "b"], "Attribute 'aString' is single-valued, got an array of 2 values."],
    ["aBoolean", 1, "Attribute 'aBoolean' must be a boolean (true or false), got a number."],
    ["aBoolean", "yes", 'Attribute \'aBoolean\' must be a boolean (true or false), got a string other than "True" or "False".'],
    ["aBoolean", " true", 'Attribute \'aBoolean\' must be a boolean (true or false), got a string other than "True" or "False".'],
    ["aBoolean", "1", 'Attribute \'aBoolean\' must be a boolean (true or false), got a string other than "True" or "False".'],
    ["anInteger", "5", "Attribute 'anInteger' must be an integer, got a string."],
    ["anInteger", 1.5, "Attribute 'anInteger' must be an integer, got a number with a fraction."],
    ["anInteger", 2 ** 53, "Attribute 'anInteger' must be an integer between -9007199254740991 and 9007199254740991, got one beyond that."],
    ["anInteger", true, "Attribute 'anInteger' must be an integer, got a boolean."],
    ["aDecimal", "1.5", "Attribute 'aDecimal' must be a number, got a string."],
    ["aDateTime", 1200000000, "Attribute 'aDateTime' must be an xsd:dateTime string such as \"2008-01-23T04:56:22Z\", got a number."],
    [
      "aDateTime",
      "2008-01-23",
      "Attribute 'aDateTime' must be an xsd:dateTime string such as \"2008-01-23T04:56:22Z\", got a string that is not an xsd:dateTime.",
    ],
    ["aDateTime", "2023-02-29T00:00:00Z", expect.stringContaining("got a string that is not an xsd:dateTime")],
    ["aDateTime", "2008-13-01T00:00:00Z", expect.stringContaining("got a string that is not an xsd:dateTime")],
    ["aDateTime", "2008-01-23T25:00:00Z", expect.stringContaining("got a string that is not an xsd:dateTime")],
    ["aDateTime", "2008-01-23 04:56:22Z", expect.stringContaining("got a string that is not an xsd:dateTime")],
    ["aDateTime", "Wed, 23 Jan 2008 04:56:22 GMT", expect.stringContaining("got a string that is not an xsd:dateTime")],
    ["aReference", 5, "Attribute 'aReference' must be a URI string, got a number."],
    ["aReference", "https://example.com/a b", expect.stringContaining("got a string that is not a URI")],
    ["aReference", "https://example.com/%zz", expect.stringContaining("got a string that is not a URI")],
    [
      "aReference",
      "1a:b",
      "Attribute 'aReference' must be a URI string, got a string that is not a URI (RFC 3986 allows no spaces or other unescaped characters).",
    ],
    ["aBinary", "not base64!", "Attribute 'aBinary' must be a base64 string, got a string that is not base64 (RFC 4648)."],
    ["aBinary", "aGk=\naGk=", expect.stringContaining("not base64")],
    ["aBinary", 12, "Attribute 'aBinary' must be a base64 string, got a number."],
    ["aComplex", "x", "Attribute 'aComplex' must be an object of sub-attributes, got a string."],
    ["aComplex", { flag: "maybe" }, expect.stringContaining("Attribute 'aComplex.flag' must be a boolean")],
    ["strings", "a", "Attribute 'strings' is multi-valued and must be an array, got a string."],
    ["strings", [1], "Attribute 'strings' must be a string, got a number."],
    ["strings", [null], "Every value of attribute 'strings' must be a string, got null."],
    ["integers", ["1"], "Attribute 'integers' must be an integer, got a string."],
    ["objects", { value: "a" }, "Attribute 'objects' is multi-valued and must be an array, got an object."],
    ["objects", 5, "Attribute 'objects' is multi-valued and must be an array, got a number."],
    ["objects", ["a"], "Every value of attribute 'objects' must be an object, got a string."],
    ["objects", [null], "Every value of attribute 'objects' must be an object, got null."],
    ["objects", [{ value: 5 }], "Attribute 'objects.value' must be a string, got a number."],
  ])("%s %j", (name, value, detail) => {
    expect(detailOf(() => coerceValue(attr(name), value, name))).toEqual({ status: 400, scimType: "invalidValue", detail });
  });
});

test.each([null, ""])("%j is no value for every type (Q8, Q14)", (empty) => {
  for (const a of testSchema.attributes) expect(coerceValue(a, empty, a.name)).toBeUndefined();
});

test("an extension attribute's path in a POST detail is URN-qualified", () => {
  expect(detailOf(() => coerceResource(TYPES, { userName: "a", [TEST_URN]: { anInteger: "5" } })).detail).toBe(
    `Attribute '${TEST_URN}:anInteger' must be an integer, got a string.`,
  );
});

describe("coercion and the stored-resource validator agree", () => {
  const candidates: unknown[] = [
    "x",
    "True",
    "false",
    "5",
    "2008-01-23T04:56:22Z",
    "2008-02-30T04:56:22Z",
    "https://example.com/u",
    "https://example.com/a b",
    "../Users/1",
    "aGVsbG8=",
    "aGVsbG8",
    "not base64!",
    0,
    7,
    -1,
    1.5,
    2 ** 53,
    1e300,
    true,
    false,
    [],
    ["x"],
    ["x", "y"],
    [1, 2],
    [null],
    {},
    { x: "a" },
    { x: 1 },
    { value: "a" },
    [{ value: "a" }],
    [{ value: 1 }],
    [{}],
  ];
  const doc = (name: string, value: unknown) => ({ userName: "a", [TEST_URN]: { [name]: value } });
  const validates = (d: unknown) => {
    try {
      assertValidResource(TYPES, d);
      return true;
    } catch {
      return false;
    }
  };

  test.each(testSchema.attributes.map((a) => a.name))("%s", (name) => {
    for (const value of candidates) {
      let coerced: unknown;
      let accepted = true;
      try {
        coerced = coerceValue(attr(name), value, name);
      } catch (e) {
        if (!(e instanceof ScimError)) throw e;
        accepted = false;
      }
      const label = `${name} = ${JSON.stringify(value)}`;
      // What coercion lets through validates once stored.
      if (accepted && coerced !== undefined) expect({ label, validates: validates(doc(name, coerced)) }).toEqual({ label, validates: true });
      // A value the validator accepts as stored is let through by coercion unchanged.
      if (validates(doc(name, value))) expect({ label, coerced }).toEqual({ label, coerced: value });
    }
  });

  test("and so does a whole POST body through coerceResource", () => {
    const body = { userName: "a", [TEST_URN]: { aString: "s", anInteger: 3, aDateTime: "2008-01-23T04:56:22Z", aBinary: "aGk=", integers: [1] } };
    const stored = coerceResource(TYPES, body);
    assertValidResource(TYPES, stored);
    expect(stored).toEqual(body);
  });
});

describe("format predicates", () => {
  test.each([
    ["2008-01-23T04:56:22Z", true],
    ["2008-01-23T24:00:00Z", true],
    ["2008-01-23T24:00:01Z", false],
    ["2008-01-23T04:60:00Z", false],
    ["2008-01-23T04:56:22+14:00", true],
    ["2008-01-23T04:56:22+14:30", false],
    ["2008-01-23t04:56:22z", false],
    ["1900-02-29T00:00:00Z", false],
    ["2000-02-29T00:00:00Z", true],
    ["", false],
  ])("isDateTime(%j) is %p", (text, expected) => {
    expect(isDateTime(text)).toBe(expected);
  });

  test.each([
    ["https://example.com/x?y=1#z", true],
    ["mailto:a@example.com", true],
    ["Users/1", true],
    ["1a:b", false],
    ["https://example.com/é", false],
    ["https://example.com/%41", true],
    ["https://example.com/%4", false],
    ["a\tb", false],
  ])("isUriReference(%j) is %p", (text, expected) => {
    expect(isUriReference(text)).toBe(expected);
  });

  test.each([
    ["", true],
    ["aGk=", true],
    ["aGVsbG8-_w", true],
    ["a", false],
    ["aGk==", false],
    ["aG k=", false],
  ])("isBase64(%j) is %p", (text, expected) => {
    expect(isBase64(text)).toBe(expected);
  });
});
