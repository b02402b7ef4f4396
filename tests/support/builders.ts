// Test data and assertions shared by the unit, HTTP and Entra suites: users with every attribute,
// filter query strings (plain and form-encoded the way Entra sends them), seeding, SCIM error checks.
import { CORE_USER, ENTERPRISE_USER, Reply, ScimClient, entraUser, patchOp } from "./scim-client";

export { CORE_USER, ENTERPRISE_USER, entraUser, patchOp };
export const ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error";
export const LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

let counter = 0;
/** A short value unique within the run (safe in keys, filters and URLs). */
export function unique(prefix = "u"): string {
  return `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}

/** A core User with every standard attribute of RFC 7643 §4.1 and the enterprise extension §4.3. */
export function fullUser(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const n = unique("full");
  return {
    schemas: [CORE_USER, ENTERPRISE_USER],
    externalId: `ext-${n}`,
    userName: `${n}@example.com`,
    name: {
      formatted: "Ms. Barbara J Jensen, III",
      familyName: "Jensen",
      givenName: "Barbara",
      middleName: "Jane",
      honorificPrefix: "Ms.",
      honorificSuffix: "III",
    },
    displayName: "Babs Jensen",
    nickName: "Babs",
    profileUrl: "https://login.example.com/bjensen",
    title: "Tour Guide",
    userType: "Employee",
    preferredLanguage: "en-US",
    locale: "en-US",
    timezone: "America/Los_Angeles",
    active: true,
    emails: [
      { value: `${n}@example.com`, type: "work", primary: true },
      { value: `${n}@home.example.com`, type: "home" },
    ],
    phoneNumbers: [
      { value: "555-555-5555", type: "work" },
      { value: "555-555-4444", type: "mobile" },
    ],
    ims: [{ value: "someaimhandle", type: "aim" }],
    photos: [{ value: "https://photos.example.com/profilephoto/72930000000Ccne/F", type: "photo" }],
    addresses: [
      {
        type: "work",
        streetAddress: "100 Universal City Plaza",
        locality: "Hollywood",
        region: "CA",
        postalCode: "91608",
        country: "US",
        formatted: "100 Universal City Plaza\nHollywood, CA 91608 USA",
        primary: true,
      },
    ],
    entitlements: [{ value: "Premium", display: "Premium plan" }],
    roles: [{ value: "Tour Guide", display: "Tour Guide", primary: true }],
    x509Certificates: [{ value: "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx" }],
    [ENTERPRISE_USER]: {
      employeeNumber: "701984",
      costCenter: "4130",
      organization: "Universal Studios",
      division: "Theme Park",
      department: "Tour Operations",
    },
    ...overrides,
  };
}

/** `?filter=…` with the filter percent-encoded (spaces as %20). */
export const filterQuery = (filter: string, extra = "") => `?filter=${encodeURIComponent(filter)}${extra}`;

/** `?filter=…` form-encoded the way Entra sends it: spaces as `+`, quotes as %22, `@` as %40. */
export const formFilterQuery = (filter: string) => `?${new URLSearchParams({ filter }).toString()}`;

/** POSTs a user and returns the created resource; fails the test unless the answer is 201. */
export async function createUser(scim: ScimClient, body: Record<string, unknown> = entraUser()): Promise<any> {
  const reply = await scim.post("/Users", body);
  if (reply.status !== 201) throw new Error(`POST /Users answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Creates n users with at most `parallel` requests in flight; resolves to the created resources in order. */
export async function createUsers(scim: ScimClient, n: number, make: (i: number) => Record<string, unknown> = () => entraUser(), parallel = 8): Promise<any[]> {
  const out: any[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await createUser(scim, make(i));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, worker));
  return out;
}

/** Asserts an RFC 7644 §3.12 error answer: Error schema, status as a string, scimType (or none), a detail. */
export function expectScimError(reply: Reply, status: number, scimType?: string): void {
  const summary = `${reply.status} ${JSON.stringify(reply.body)}`;
  expect({ status: reply.status, summary }).toEqual({ status, summary });
  expect(reply.headers.get("content-type")).toMatch(/^application\/scim\+json/);
  expect(reply.body.schemas).toEqual([ERROR_URN]);
  expect(reply.body.status).toBe(String(status));
  expect(typeof reply.body.detail).toBe("string");
  if (scimType === undefined) expect(reply.body.scimType).toBeUndefined();
  else expect(reply.body.scimType).toBe(scimType);
}

/** Asserts a 2xx/3xx answer with a readable message when it is not. */
export function expectStatus(reply: Reply, status: number): void {
  if (reply.status !== status) throw new Error(`expected ${status}, got ${reply.status}: ${JSON.stringify(reply.body)}`);
}

/** The number of Table Storage round trips the server reports for a request. */
export const roundTrips = (reply: Reply) => Number(reply.headers.get("x-storage-round-trips"));

/** The enterprise extension block of a resource (or undefined). */
export const enterprise = (user: any): Record<string, any> | undefined => user?.[ENTERPRISE_USER];
