// attributes / excludedAttributes (RFC 7644 §3.4.2.5, §3.9) and the `returned` characteristic:
// id always, groups only on request, password never.
import { parseProjection, project, returnsAttribute } from "../../shared/scim/project";
import { USER, GROUP } from "../../shared/scim/resource-types";

const CORE = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const user = {
  id: "2819c223-7f76-453a-919d-413861904646",
  externalId: "bjensen",
  userName: "bjensen@example.com",
  displayName: "Babs Jensen",
  active: true,
  password: "never returned",
  name: { givenName: "Barbara", familyName: "Jensen", formatted: "Barbara Jensen" },
  emails: [
    { value: "bjensen@example.com", type: "work", primary: true },
    { value: "babs@home.example", type: "home" },
  ],
  groups: [{ value: "g1", display: "Tour Guides" }],
  [ENT]: { employeeNumber: "701984", department: "Tour Operations", manager: { value: "m1", displayName: "Boss" } },
  meta: { resourceType: "User", created: "2024-01-01T00:00:00Z", lastModified: "2024-01-02T00:00:00Z", location: "https://h/Users/x", version: 'W/"1"' },
};

const shape = (attributes?: string, excluded?: string) => project(USER, user, parseProjection(USER, attributes, excluded));

test("by default every attribute except request-only and never-returned ones", () => {
  const out = shape();
  expect(out.schemas).toEqual([CORE, ENT]);
  expect(out).toMatchObject({ id: user.id, userName: user.userName, emails: user.emails, meta: user.meta, [ENT]: user[ENT] });
  expect(out).not.toHaveProperty("password");
  expect(out).not.toHaveProperty("groups");
});

test.each([
  ["id", { id: user.id }],
  ["userName", { id: user.id, userName: user.userName }],
  ["USERNAME,Emails", { id: user.id, userName: user.userName, emails: user.emails }],
  ["userName, name.givenName", { id: user.id, userName: user.userName, name: { givenName: "Barbara" } }],
  ["emails.value", { id: user.id, emails: [{ value: "bjensen@example.com" }, { value: "babs@home.example" }] }],
  [`${ENT}:employeeNumber`, { id: user.id, [ENT]: { employeeNumber: "701984" } }],
  [`${ENT}:manager.value`, { id: user.id, [ENT]: { manager: { value: "m1" } } }],
  ["manager", { id: user.id, [ENT]: { manager: user[ENT].manager } }],
  ["groups", { id: user.id, groups: user.groups }],
  ["meta.lastModified", { id: user.id, meta: { lastModified: user.meta.lastModified } }],
  ["password", { id: user.id }],
  ["noSuchAttribute", { id: user.id }],
])("attributes=%s", (attributes, expected) => {
  const { schemas, ...rest } = shape(attributes);
  expect(rest).toEqual(expected);
  expect(schemas).toEqual(ENT in expected ? [CORE, ENT] : [CORE]);
});

test.each([
  ["emails", ["emails"], []],
  ["emails,name", ["emails", "name"], []],
  ["id", [], ["id"]], // returned "always" cannot be excluded
  ["name.givenName", [], ["name"]],
  [ENT, [], []], // a schema URN is not an attribute: nothing excluded
  [`${ENT}:department`, [], [ENT]],
  ["meta", ["meta"], []],
  ["noSuchAttribute", [], ["userName"]],
])("excludedAttributes=%s", (excluded, absent, present) => {
  const out = shape(undefined, excluded);
  for (const a of absent) expect(out).not.toHaveProperty([a]);
  for (const p of present) expect(out).toHaveProperty([p]);
  expect(out.id).toBe(user.id);
});

test("excluding a sub-attribute keeps its siblings", () => {
  const out = shape(undefined, "name.givenName,emails.type");
  expect(out.name).toEqual({ familyName: "Jensen", formatted: "Barbara Jensen" });
  expect(out.emails).toEqual([{ value: "bjensen@example.com", primary: true }, { value: "babs@home.example" }]);
});

test("excluding the only enterprise attribute drops the extension block and its schema URN", () => {
  const out = project(USER, { ...user, [ENT]: { department: "x" } }, parseProjection(USER, undefined, `${ENT}:department`));
  expect(out).not.toHaveProperty([ENT]);
  expect(out.schemas).toEqual([CORE]);
});

test("attributes wins over excludedAttributes when both are given", () => {
  expect(shape("userName", "userName").userName).toBe(user.userName);
});

test("array forms (POST /.search) equal comma-separated forms", () => {
  expect(project(USER, user, parseProjection(USER, ["userName", "emails"]))).toEqual(shape("userName,emails"));
});

test("returnsAttribute tells whether a handler needs to load groups or members", () => {
  expect(returnsAttribute(USER, parseProjection(USER), "groups")).toBe(false);
  expect(returnsAttribute(USER, parseProjection(USER, "groups"), "groups")).toBe(true);
  expect(returnsAttribute(GROUP, parseProjection(GROUP), "members")).toBe(true);
  expect(returnsAttribute(GROUP, parseProjection(GROUP, undefined, "members"), "members")).toBe(false);
  expect(returnsAttribute(GROUP, parseProjection(GROUP, "displayName"), "members")).toBe(false);
  expect(returnsAttribute(GROUP, parseProjection(GROUP, "id"), "id")).toBe(true);
});
