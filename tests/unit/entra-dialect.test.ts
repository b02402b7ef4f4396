// Both Entra PATCH dialects normalise to the same operations: capitalised ops (Q1), path-less value
// objects keyed by dotted and URN paths or nested objects (Q3), ""/null as removal (Q6, Q14),
// read-only targets refused (RFC 7644 §3.5.2), remove without a path refused (noTarget), add/replace
// without a value refused (invalidValue), a whole extension URN as the path expanded into its attributes.
import { normalizeOperations, PatchOperation } from "../../shared/scim/patch/entra-dialect";
import { USER } from "../../shared/scim/resource-types";
import { RawPatchOperation } from "../../shared/scim/validate";
import { thrownScimError } from "./support";

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/** An operation as op + path text + value, which is what the two dialects must agree on. */
const summary = (ops: PatchOperation[]) => ops.map((o) => ({ op: o.op, path: o.path.text, ...("value" in o ? { value: o.value } : {}) }));
const normalize = (...raw: RawPatchOperation[]) => summary(normalizeOperations(USER, raw));

describe("op names are case-insensitive (Q1)", () => {
  test.each(["Add", "add", "ADD", "Replace", "replace", "REPLACE", "Remove", "remove"])("%s", (op) => {
    const [normalized] = normalize({ op, path: "nickName", ...(op.toLowerCase() === "remove" ? {} : { value: "Babs" }) });
    expect(normalized?.op).toBe(op.toLowerCase());
  });

  test("an unknown op is 400", () => {
    expect(thrownScimError(() => normalize({ op: "Merge", path: "nickName", value: "x" })).status).toBe(400);
  });
});

describe("the legacy and the aadOptscim062020 multi-attribute update normalise alike (§1.7)", () => {
  const legacy = normalize(
    { op: "Replace", path: "displayName", value: "Pvlo" },
    { op: "Replace", path: "name.givenName", value: "Gtfd" },
    { op: "Replace", path: "name.familyName", value: "Pkqf" },
    { op: "Replace", path: `${ENT}:employeeNumber`, value: "Eqpj" },
  );

  test("path-less value object keyed by dotted and URN paths", () => {
    const flagged = normalize({
      op: "replace",
      value: { displayName: "Pvlo", "name.givenName": "Gtfd", "name.familyName": "Pkqf", [`${ENT}:employeeNumber`]: "Eqpj" },
    });
    expect(flagged).toEqual(legacy);
  });

  test("path-less value object with the extension as a nested object", () => {
    const nested = normalize({ op: "replace", value: { [ENT]: { employeeNumber: "Eqpj" } } });
    expect(nested).toEqual([{ op: "replace", path: `${ENT}:employeeNumber`, value: "Eqpj" }]);
  });

  test("path-less value object with the core schema URN as a nested object", () => {
    const nested = normalize({ op: "replace", value: { "urn:ietf:params:scim:schemas:core:2.0:User": { displayName: "Pvlo" } } });
    expect(nested).toEqual([{ op: "replace", path: "displayName", value: "Pvlo" }]);
  });

  test("a nested core attribute object stays one operation on that attribute", () => {
    expect(normalize({ op: "replace", value: { name: { givenName: "Gtfd" } } })).toEqual([{ op: "replace", path: "name", value: { givenName: "Gtfd" } }]);
  });

  test("schemas inside a path-less value object are ignored", () => {
    expect(normalize({ op: "replace", value: { schemas: ["x"], nickName: "Babs" } })).toEqual([{ op: "replace", path: "nickName", value: "Babs" }]);
  });
});

describe('"" and null are removals (Q6, Q14)', () => {
  test.each([
    ["Replace", "title", ""],
    ["replace", "title", null],
    ["Add", "title", ""],
    ["replace", `${ENT}:manager`, ""],
    ["Replace", "manager", null],
    ["replace", 'emails[type eq "work"].value', ""],
  ])("%s %s %j → remove", (op, path, value) => {
    expect(normalize({ op, path, value })).toEqual([{ op: "remove", path }]);
  });

  test("a path-less value with an empty member is a removal of that member only", () => {
    expect(normalize({ op: "replace", value: { title: "", nickName: "Babs" } })).toEqual([
      { op: "remove", path: "title" },
      { op: "replace", path: "nickName", value: "Babs" },
    ]);
  });

  test("adding nothing to a multi-valued attribute changes nothing", () => {
    expect(normalize({ op: "Add", path: "roles", value: [] })).toEqual([]);
  });

  test("replacing a multi-valued attribute with nothing clears it", () => {
    expect(normalize({ op: "replace", path: "roles", value: [] })).toEqual([{ op: "remove", path: "roles" }]);
  });
});

describe("refusals", () => {
  test.each([
    ["remove without a path", { op: "Remove" }, "noTarget"],
    ["remove with an empty path", { op: "remove", path: " " }, "noTarget"],
    ["add without a path and with a scalar value", { op: "add", value: "x" }, "invalidValue"],
    ["replace id", { op: "replace", path: "id", value: "x" }, "mutability"],
    ["replace meta", { op: "replace", path: "meta", value: {} }, "mutability"],
    ["replace meta.created", { op: "replace", path: "meta.created", value: "2020-01-01T00:00:00Z" }, "mutability"],
    ["add groups", { op: "add", path: "groups", value: [{ value: "g" }] }, "mutability"],
    ["replace manager.displayName", { op: "replace", path: "manager.displayName", value: "x" }, "mutability"],
    ["path-less id", { op: "replace", value: { id: "x" } }, "mutability"],
    ["unknown attribute", { op: "replace", path: "noSuchAttribute", value: "x" }, "invalidPath"],
    ["unknown sub-attribute", { op: "replace", path: "name.noSuch", value: "x" }, "invalidPath"],
    ["three-part path", { op: "replace", path: "name.givenName.x", value: "x" }, "invalidPath"],
    ["unknown extension", { op: "replace", path: "urn:example:2.0:User:x", value: "x" }, "invalidPath"],
    ["unclosed value filter", { op: "replace", path: 'emails[type eq "work".value', value: "x" }, "invalidPath"],
    ["value filter on a single-valued attribute", { op: "replace", path: 'name[givenName eq "x"]', value: "x" }, "invalidPath"],
    ["junk after a value filter", { op: "replace", path: 'emails[type eq "work"]value', value: "x" }, "invalidPath"],
    ["unknown sub-attribute after a value filter", { op: "replace", path: 'emails[type eq "work"].nope', value: "x" }, "invalidPath"],
  ])("%s → 400 %s", (_, op, scimType) => {
    expect(thrownScimError(() => normalize(op as RawPatchOperation))).toEqual({ status: 400, scimType });
  });

  test("a broken filter inside a value path is 400 (invalidFilter or invalidPath)", () => {
    const error = thrownScimError(() => normalize({ op: "replace", path: "emails[type eq]", value: "x" }));
    expect(error.status).toBe(400);
    expect(["invalidFilter", "invalidPath"]).toContain(error.scimType);
  });

  test("password is accepted and dropped (writeOnly, never stored)", () => {
    expect(normalize({ op: "replace", path: "password", value: "hunter2" })).toEqual([]);
  });
});

describe("add and replace need a value (RFC 7644 §3.5.2.1, §3.5.2.3)", () => {
  test.each(["add", "Add", "replace", "Replace"])("%s with a path and no value is 400 invalidValue, not a removal", (op) => {
    expect(thrownScimError(() => normalize({ op, path: "displayName" }))).toEqual({ status: 400, scimType: "invalidValue" });
  });

  test("the detail names the operation and the attribute", () => {
    try {
      normalize({ op: "replace", path: "title", value: "x" }, { op: "add", path: "displayName" });
      throw new Error("expected a ScimError");
    } catch (e) {
      expect((e as Error).message).toBe(`Operations[1]: 'add' of 'displayName' needs a "value"; to clear the attribute, use "remove".`);
    }
  });

  test("remove needs none", () => {
    expect(normalize({ op: "remove", path: "displayName" })).toEqual([{ op: "remove", path: "displayName" }]);
  });
});

describe("a whole extension URN as the path", () => {
  test.each(["replace", "add", "Replace", "Add"])("%s with an object sets each attribute as if it had its own path", (op) => {
    const ops = normalize({ op, path: ENT, value: { department: "X", manager: { value: "m1" } } });
    expect(ops).toEqual([
      { op: op.toLowerCase(), path: `${ENT}:department`, value: "X" },
      { op: op.toLowerCase(), path: `${ENT}:manager`, value: { value: "m1" } },
    ]);
  });

  test("the URN is matched case-insensitively", () => {
    expect(normalize({ op: "replace", path: ENT.toUpperCase(), value: { department: "X" } })).toEqual([
      { op: "replace", path: `${ENT}:department`, value: "X" },
    ]);
  });

  test("remove removes the whole block", () => {
    const [op] = normalizeOperations(USER, [{ op: "remove", path: ENT }]);
    expect(op?.op).toBe("remove");
    expect(op?.path.attr.name).toBe(ENT);
    expect(op?.path.extension).toBeUndefined();
  });

  test.each([null, ""])("replace with %j removes the whole block (Q14)", (value) => {
    expect(normalize({ op: "replace", path: ENT, value })).toEqual([{ op: "remove", path: ENT }]);
  });

  test("the core schema URN as a path sets top-level attributes", () => {
    expect(normalize({ op: "replace", path: "urn:ietf:params:scim:schemas:core:2.0:User", value: { displayName: "D" } })).toEqual([
      { op: "replace", path: "displayName", value: "D" },
    ]);
  });

  test.each([
    ["a non-object value", { op: "replace", path: ENT, value: "Sales" }, "invalidValue"],
    ["an array value", { op: "add", path: ENT, value: [{ department: "X" }] }, "invalidValue"],
    ["no value", { op: "replace", path: ENT }, "invalidValue"],
    ["an unknown attribute inside", { op: "replace", path: ENT, value: { nope: "x" } }, "invalidPath"],
    ["a read-only sub-attribute inside", { op: "replace", path: ENT, value: { "manager.displayName": "Boss" } }, "mutability"],
    ["remove with a value", { op: "remove", path: ENT, value: { department: "X" } }, "invalidValue"],
    ["remove of the core schema", { op: "remove", path: "urn:ietf:params:scim:schemas:core:2.0:User" }, "invalidPath"],
  ])("%s → 400 %s", (_, op, scimType) => {
    expect(thrownScimError(() => normalize(op as RawPatchOperation))).toEqual({ status: 400, scimType });
  });
});

describe("schemas inside a path-less value object", () => {
  test.each([
    ["a string", "urn:x"],
    ["an array holding a number", [5]],
    ["null", null],
  ])("as %s is 400 invalidSyntax", (_, schemas) => {
    expect(thrownScimError(() => normalize({ op: "replace", value: { schemas, nickName: "Babs" } }))).toEqual({ status: 400, scimType: "invalidSyntax" });
  });
});
