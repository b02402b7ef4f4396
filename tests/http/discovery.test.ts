// Discovery (RFC 7643 §5–7, RFC 7644 §4): /ServiceProviderConfig, /Schemas (User, EnterpriseUser,
// Group) and /ResourceTypes, each also by id; every attribute Entra maps by default (reference §4.1)
// appears in /Schemas, as the gallery's schema-discoverability test requires.
import { startTestHost, TestHost, ScimClient } from "../support/scim-client";
import { CORE_USER, ENTERPRISE_USER, LIST_URN, expectScimError, expectStatus } from "../support/builders";

const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const SCHEMA_URN = "urn:ietf:params:scim:schemas:core:2.0:Schema";
const RESOURCE_TYPE_URN = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SPC_URN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const LIMITS_URN = "urn:scim-functions:limits";

let t: TestHost;
let scim: ScimClient;
let schemas: any[];
beforeAll(async () => {
  t = await startTestHost();
  scim = await t.newTenant();
  schemas = (await scim.get("/Schemas")).body.Resources;
});
afterAll(() => t.close());

/** No nulls anywhere in discovery documents (reference §1.17). */
function expectNoNulls(value: unknown, where = "$"): void {
  expect([where, value]).not.toEqual([where, null]);
  if (Array.isArray(value)) value.forEach((v, i) => expectNoNulls(v, `${where}[${i}]`));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) expectNoNulls(v, `${where}.${k}`);
}

describe("/ServiceProviderConfig", () => {
  test("advertises patch, filter and etag; no bulk, sort or password change; a bearer scheme", async () => {
    const reply = await scim.get("/ServiceProviderConfig");
    expectStatus(reply, 200);
    expect(reply.headers.get("content-type")).toMatch(/^application\/scim\+json/);
    expect(reply.body).toMatchObject({
      schemas: [SPC_URN, LIMITS_URN],
      patch: { supported: true },
      filter: { supported: true },
      etag: { supported: true },
      bulk: { supported: false },
      sort: { supported: false },
      changePassword: { supported: false },
    });
    expect(reply.body.filter.maxResults).toBeGreaterThan(0);
    expect(reply.body.authenticationSchemes.map((s: any) => s.type)).toContain("oauthbearertoken");
    expect(reply.body.meta).toMatchObject({ resourceType: "ServiceProviderConfig", location: `${t.scimUrl}/ServiceProviderConfig` });
    expectNoNulls(reply.body);
  });

  test("the request limits sit in an extension the document lists and /Schemas defines, and nothing else is outside the RFC's attributes", async () => {
    const reply = await scim.get("/ServiceProviderConfig");
    expect(reply.body[LIMITS_URN]).toEqual({ maxPayloadBytes: t.service.config.maxBodyBytes, maxPatchOperations: 1000 });
    const rfc = ["schemas", "meta", "documentationUri", "patch", "bulk", "filter", "changePassword", "sort", "etag", "authenticationSchemes"];
    expect(Object.keys(reply.body).filter((k) => !rfc.includes(k))).toEqual([LIMITS_URN]);
    const limits = schemas.find((s) => s.id === LIMITS_URN);
    expect(limits.attributes.map((a: any) => [a.name, a.type, a.multiValued, a.mutability])).toEqual([
      ["maxPayloadBytes", "integer", false, "readOnly"],
      ["maxPatchOperations", "integer", false, "readOnly"],
    ]);
  });

  test("the advertised page size is the one /Users honours", async () => {
    const { maxResults } = (await scim.get("/ServiceProviderConfig")).body.filter;
    const page = await scim.get(`/Users?count=${maxResults + 50}`);
    expectStatus(page, 200);
    expect(page.body.itemsPerPage).toBeLessThanOrEqual(maxResults);
  });
});

describe("/Schemas", () => {
  test("is a ListResponse holding User, EnterpriseUser and Group", async () => {
    const reply = await scim.get("/Schemas");
    expectStatus(reply, 200);
    expect(reply.body.schemas).toEqual([LIST_URN]);
    expect(reply.body.totalResults).toBe(reply.body.Resources.length);
    expect(schemas.map((s) => s.id)).toEqual(expect.arrayContaining([CORE_USER, ENTERPRISE_USER, CORE_GROUP]));
    for (const s of schemas) {
      expect(s.schemas).toEqual([SCHEMA_URN]);
      expect(s.meta).toMatchObject({ resourceType: "Schema", location: `${t.scimUrl}/Schemas/${s.id}` });
      expectNoNulls(s);
    }
  });

  test("also defines the discovery documents' own schemas (RFC 7643 §8.7.2), each with the attributes RFC 7643 §5–7 give it", async () => {
    const names = (id: string) => schemas.find((s) => s.id === id)?.attributes.map((a: any) => a.name);
    expect(names(SPC_URN)).toEqual(["documentationUri", "patch", "bulk", "filter", "changePassword", "sort", "etag", "authenticationSchemes"]);
    expect(names(RESOURCE_TYPE_URN)).toEqual(["name", "description", "endpoint", "schema", "schemaExtensions"]);
    expect(names(SCHEMA_URN)).toEqual(["name", "description", "attributes"]);
    const attributes = schemas.find((s) => s.id === SCHEMA_URN).attributes.find((a: any) => a.name === "attributes");
    expect(attributes.subAttributes.map((a: any) => a.name)).toEqual([
      "name",
      "type",
      "multiValued",
      "description",
      "required",
      "canonicalValues",
      "caseExact",
      "mutability",
      "returned",
      "uniqueness",
      "referenceTypes",
      "subAttributes",
    ]);
  });

  test.each([CORE_USER, ENTERPRISE_USER, CORE_GROUP, SPC_URN, RESOURCE_TYPE_URN, SCHEMA_URN, LIMITS_URN])("%s by id equals its list entry", async (id) => {
    const reply = await scim.get(`/Schemas/${id}`);
    expectStatus(reply, 200);
    expect(reply.body).toEqual(schemas.find((s) => s.id === id));
  });

  test("an unknown schema id is 404", async () => {
    expectScimError(await scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:Nope"), 404);
  });

  test("attribute characteristics use RFC spelling (camelCase values, booleans)", async () => {
    const user = schemas.find((s) => s.id === CORE_USER);
    const userName = user.attributes.find((a: any) => a.name === "userName");
    expect(userName).toMatchObject({
      type: "string",
      multiValued: false,
      required: true,
      caseExact: false,
      mutability: "readWrite",
      returned: "default",
      uniqueness: "server",
    });
    const externalId = user.attributes.find((a: any) => a.name === "externalId");
    expect(externalId).toMatchObject({ caseExact: true });
    const groups = user.attributes.find((a: any) => a.name === "groups");
    expect(groups).toMatchObject({ mutability: "readOnly", multiValued: true });
    const password = user.attributes.find((a: any) => a.name === "password");
    if (password) expect(password).toMatchObject({ mutability: "writeOnly", returned: "never" });
    const group = schemas.find((s) => s.id === CORE_GROUP);
    expect(group.attributes.map((a: any) => a.name)).toEqual(expect.arrayContaining(["displayName", "members"]));
  });

  test("the core User declares every standard attribute", async () => {
    const names = schemas.find((s) => s.id === CORE_USER).attributes.map((a: any) => a.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "userName",
        "name",
        "displayName",
        "nickName",
        "profileUrl",
        "title",
        "userType",
        "preferredLanguage",
        "locale",
        "timezone",
        "active",
        "emails",
        "phoneNumbers",
        "ims",
        "photos",
        "addresses",
        "groups",
        "entitlements",
        "roles",
        "x509Certificates",
      ]),
    );
    const ent = schemas.find((s) => s.id === ENTERPRISE_USER).attributes.map((a: any) => a.name);
    expect(ent).toEqual(expect.arrayContaining(["employeeNumber", "costCenter", "organization", "division", "department", "manager"]));
  });

  // Reference §4.1: the default non-gallery user mappings, flattened the way the gallery test reads them.
  test.each([
    "userName",
    "active",
    "displayName",
    "title",
    'emails[type eq "work"].value',
    "preferredLanguage",
    "name.givenName",
    "name.familyName",
    "name.formatted",
    'addresses[type eq "work"].formatted',
    'addresses[type eq "work"].streetAddress',
    'addresses[type eq "work"].locality',
    'addresses[type eq "work"].region',
    'addresses[type eq "work"].postalCode',
    'addresses[type eq "work"].country',
    'phoneNumbers[type eq "work"].value',
    'phoneNumbers[type eq "mobile"].value',
    'phoneNumbers[type eq "fax"].value',
    "externalId",
    `${ENTERPRISE_USER}:employeeNumber`,
    `${ENTERPRISE_USER}:department`,
    `${ENTERPRISE_USER}:manager`,
    "roles",
    'emails[type eq "other"].Value',
  ])("the mapped attribute %s is discoverable", (mapped) => {
    const ext = mapped.startsWith(`${ENTERPRISE_USER}:`);
    const schema = schemas.find((s) => s.id === (ext ? ENTERPRISE_USER : CORE_USER));
    const path = (ext ? mapped.slice(ENTERPRISE_USER.length + 1) : mapped).replace(/\[[^\]]*\]/, "").toLowerCase();
    const [name, sub] = path.split(".");
    const attr = schema.attributes.find((a: any) => a.name.toLowerCase() === name);
    expect([mapped, attr?.name.toLowerCase()]).toEqual([mapped, name]);
    if (sub) expect([mapped, attr.subAttributes?.some((s: any) => s.name.toLowerCase() === sub)]).toEqual([mapped, true]);
    const filtered = /\[type eq "(\w+)"\]/.exec(mapped)?.[1];
    if (filtered) {
      const type = attr.subAttributes.find((s: any) => s.name === "type");
      expect([mapped, type.canonicalValues]).toEqual([mapped, expect.arrayContaining([filtered])]);
    }
  });
});

describe("/ResourceTypes", () => {
  test("lists User (with the enterprise extension) and Group", async () => {
    const reply = await scim.get("/ResourceTypes");
    expectStatus(reply, 200);
    expect(reply.body.schemas).toEqual([LIST_URN]);
    const byName = Object.fromEntries(reply.body.Resources.map((r: any) => [r.name, r]));
    expect(byName.User).toMatchObject({
      schemas: [RESOURCE_TYPE_URN],
      id: "User",
      endpoint: "/Users",
      schema: CORE_USER,
      schemaExtensions: [{ schema: ENTERPRISE_USER, required: false }],
      meta: { resourceType: "ResourceType", location: `${t.scimUrl}/ResourceTypes/User` },
    });
    expect(byName.Group).toMatchObject({ id: "Group", endpoint: "/Groups", schema: CORE_GROUP });
    expectNoNulls(reply.body);
  });

  test.each(["User", "Group"])("%s by id", async (id) => {
    const reply = await scim.get(`/ResourceTypes/${id}`);
    expectStatus(reply, 200);
    expect(reply.body.id).toBe(id);
  });

  test("an unknown resource type is 404", async () => {
    expectScimError(await scim.get("/ResourceTypes/Printer"), 404);
  });

  test("every resource type's schema and extensions are served by /Schemas", async () => {
    const types = (await scim.get("/ResourceTypes")).body.Resources;
    for (const type of types) {
      for (const id of [type.schema, ...(type.schemaExtensions ?? []).map((e: any) => e.schema)]) {
        expectStatus(await scim.get(`/Schemas/${id}`), 200);
      }
    }
  });
});
