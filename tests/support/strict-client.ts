// What a strict SCIM client or conformance tool checks in every answer: each attribute is defined by a
// schema the body lists in `schemas` (the /Schemas documents the server itself serves, plus the RFC 7644
// message schemas, which /Schemas does not carry), values have their schema's types, nothing unassigned
// is sent as null or [], `returned: never` never appears and `returned: request` only when asked for,
// required attributes are there, and `meta` is complete and exact (RFC 7643 §3.1). The served schemas are
// checked in turn against what RFC 7643 defines for the RFC's own URNs, so a server cannot make an
// attribute conformant by declaring it under an RFC schema.

export const LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error";
const SPC_URN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_URN = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_URN = "urn:ietf:params:scim:schemas:core:2.0:Schema";

export interface AttributeDoc {
  name: string;
  type: string;
  multiValued: boolean;
  required?: boolean;
  returned?: string;
  mutability?: string;
  uniqueness?: string;
  caseExact?: boolean;
  description?: string;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDoc[];
}

export interface SchemaDoc {
  id: string;
  name?: string;
  attributes: AttributeDoc[];
}

interface ResourceTypeDoc {
  name: string;
  endpoint: string;
  schema: string;
  schemaExtensions?: Array<{ schema: string; required: boolean }>;
}

export interface CheckOptions {
  /** The request's `attributes` (or `excludedAttributes`) narrowed the answer: required attributes and parts of `meta` may be missing. */
  projected?: boolean;
  /** Attributes the request named in `attributes`: a `returned: "request"` attribute may appear only then. */
  requested?: string[];
  /** Multi-valued attributes that may be `[]` in this answer (everywhere else an empty one must be omitted). */
  allowEmpty?: string[];
}

const attr = (name: string, type: string, extra: Partial<AttributeDoc> = {}): AttributeDoc => ({ name, type, multiValued: false, ...extra });

/** RFC 7644 §3.4.2 (ListResponse) and §3.12 (Error): the message schemas, which /Schemas does not serve. */
const MESSAGE_SCHEMAS: SchemaDoc[] = [
  {
    id: LIST_URN,
    attributes: [
      attr("totalResults", "integer", { required: true }),
      attr("itemsPerPage", "integer", { required: true }),
      attr("startIndex", "integer", { required: true }),
      attr("Resources", "complex", { multiValued: true, required: true }), // holds resources, each checked as one
    ],
  },
  {
    id: ERROR_URN,
    attributes: [
      attr("status", "string", { required: true }),
      attr("scimType", "string", {
        canonicalValues: [
          "invalidFilter",
          "tooMany",
          "uniqueness",
          "mutability",
          "invalidSyntax",
          "invalidPath",
          "noTarget",
          "invalidValue",
          "invalidVers",
          "sensitive",
        ],
      }),
      attr("detail", "string"),
    ],
  },
];

/** RFC 7643 §2.4: the sub-attributes any multi-valued attribute may have. */
const MULTI_VALUED_SUBS = ["type", "primary", "display", "value", "$ref"];

/** The attributes (and sub-attributes) RFC 7643 §4–§7 give the RFC's own schemas; §3.1's id and externalId are allowed in any. */
const RFC_ATTRIBUTES: Record<string, Record<string, string[]>> = {
  "urn:ietf:params:scim:schemas:core:2.0:User": {
    userName: [],
    name: ["formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"],
    displayName: [],
    nickName: [],
    profileUrl: [],
    title: [],
    userType: [],
    preferredLanguage: [],
    locale: [],
    timezone: [],
    active: [],
    password: [],
    emails: [],
    phoneNumbers: [],
    ims: [],
    photos: [],
    addresses: ["formatted", "streetAddress", "locality", "region", "postalCode", "country"],
    groups: [],
    entitlements: [],
    roles: [],
    x509Certificates: [],
  },
  "urn:ietf:params:scim:schemas:core:2.0:Group": { displayName: [], members: [] },
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    employeeNumber: [],
    costCenter: [],
    organization: [],
    division: [],
    department: [],
    manager: ["value", "$ref", "displayName"],
  },
  [SPC_URN]: {
    documentationUri: [],
    patch: ["supported"],
    bulk: ["supported", "maxOperations", "maxPayloadSize"],
    filter: ["supported", "maxResults"],
    changePassword: ["supported"],
    sort: ["supported"],
    etag: ["supported"],
    authenticationSchemes: ["type", "name", "description", "specUri", "documentationUri"],
  },
  [RESOURCE_TYPE_URN]: { name: [], description: [], endpoint: [], schema: [], schemaExtensions: ["schema", "required"] },
  [SCHEMA_URN]: {
    name: [],
    description: [],
    attributes: [
      "name",
      "type",
      "subAttributes",
      "multiValued",
      "description",
      "required",
      "canonicalValues",
      "caseExact",
      "mutability",
      "returned",
      "uniqueness",
      "referenceTypes",
    ],
  },
};

/** RFC 7643 §7: the values the characteristics of an attribute definition take. */
const CHARACTERISTICS: Record<string, string[]> = {
  type: ["string", "boolean", "decimal", "integer", "dateTime", "reference", "complex", "binary"],
  mutability: ["readOnly", "readWrite", "immutable", "writeOnly"],
  returned: ["always", "never", "default", "request"],
  uniqueness: ["none", "server", "global"],
};

/** The documents with a fixed place: meta.resourceType and meta.location they must carry (RFC 7643 §5–7). */
const DISCOVERY: Record<string, { resourceType: string; location: (base: string, id: unknown) => string }> = {
  [SPC_URN]: { resourceType: "ServiceProviderConfig", location: (base) => `${base}/ServiceProviderConfig` },
  [RESOURCE_TYPE_URN]: { resourceType: "ResourceType", location: (base, id) => `${base}/ResourceTypes/${String(id)}` },
  [SCHEMA_URN]: { resourceType: "Schema", location: (base, id) => `${base}/Schemas/${String(id)}` },
};

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ETAG = /^(W\/)?"[^"]*"$/;
const META_KEYS = ["resourceType", "created", "lastModified", "location", "version"];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export class StrictClient {
  private readonly schemas = new Map<string, SchemaDoc>();

  constructor(
    readonly baseUrl: string,
    served: SchemaDoc[],
    readonly resourceTypes: ResourceTypeDoc[],
  ) {
    for (const s of [...served, ...MESSAGE_SCHEMAS]) this.schemas.set(s.id, s);
  }

  /** Reads /Schemas and /ResourceTypes without credentials, as a client does before anything else. */
  static async discover(baseUrl: string): Promise<StrictClient> {
    const read = async (path: string) => {
      const res = await fetch(`${baseUrl}${path}`, { headers: { Accept: "application/scim+json" } });
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
      return (await res.json()) as { Resources: unknown[] };
    };
    const [schemas, types] = await Promise.all([read("/Schemas"), read("/ResourceTypes")]);
    return new StrictClient(baseUrl, schemas.Resources as SchemaDoc[], types.Resources as ResourceTypeDoc[]);
  }

  /** Everything a strict client would reject in this answer body, as "path: reason" lines (none: conformant). */
  problems(body: unknown, options: CheckOptions = {}): string[] {
    const out: string[] = [];
    if (!isObject(body)) return [`$: expected a JSON object, got ${JSON.stringify(body)}`];
    const listed = body.schemas;
    if (Array.isArray(listed) && listed.includes(LIST_URN)) this.checkList(body, options, out);
    else if (Array.isArray(listed) && listed.includes(ERROR_URN)) this.checkMessage(body, ERROR_URN, "$", out);
    else this.checkResource(body, options, "$", out);
    return out;
  }

  /** What the served /Schemas declare beyond RFC 7643 under the RFC's own URNs, and malformed definitions. */
  schemaProblems(): string[] {
    const out: string[] = [];
    for (const schema of this.schemas.values()) {
      if (MESSAGE_SCHEMAS.some((m) => m.id === schema.id)) continue;
      const rfc = RFC_ATTRIBUTES[schema.id];
      for (const a of schema.attributes) {
        const where = `${schema.id}:${a.name}`;
        this.checkDefinition(a, where, out);
        if (!rfc || ["id", "externalId"].includes(a.name)) continue;
        const subs = rfc[a.name];
        if (!subs) {
          out.push(`${where}: declared under an RFC schema that does not define it`);
          continue;
        }
        for (const sub of a.subAttributes ?? []) {
          if (!subs.includes(sub.name) && !(a.multiValued && MULTI_VALUED_SUBS.includes(sub.name))) {
            out.push(`${where}.${sub.name}: a sub-attribute RFC 7643 does not define`);
          }
        }
      }
    }
    for (const type of this.resourceTypes) {
      for (const id of [type.schema, ...(type.schemaExtensions ?? []).map((e) => e.schema)]) {
        if (!this.schemas.has(id)) out.push(`ResourceType ${type.name}: ${id} is not served by /Schemas`);
      }
    }
    return out;
  }

  private checkDefinition(a: AttributeDoc, where: string, out: string[]): void {
    for (const [key, allowed] of Object.entries(CHARACTERISTICS)) {
      const value = (a as unknown as Record<string, unknown>)[key];
      if (value !== undefined && (typeof value !== "string" || !allowed.includes(value)))
        out.push(`${where}: ${key} ${JSON.stringify(value)} is not one of ${allowed.join(", ")}`);
    }
    if (a.type === "complex" && !a.subAttributes?.length) out.push(`${where}: complex without subAttributes`);
    if (a.type !== "complex" && a.subAttributes) out.push(`${where}: subAttributes on a ${a.type}`);
    for (const sub of a.subAttributes ?? []) this.checkDefinition(sub, `${where}.${sub.name}`, out);
  }

  private checkList(body: Record<string, unknown>, options: CheckOptions, out: string[]): void {
    this.checkMessage(body, LIST_URN, "$", out);
    const resources = body.Resources;
    if (!Array.isArray(resources)) return;
    if (body.itemsPerPage !== resources.length) out.push(`$.itemsPerPage: ${JSON.stringify(body.itemsPerPage)} for ${resources.length} Resources`);
    if (typeof body.startIndex === "number" && body.startIndex < 1) out.push(`$.startIndex: ${body.startIndex} is below 1`);
    if (typeof body.totalResults === "number" && body.totalResults < resources.length) out.push(`$.totalResults: below the Resources returned`);
    resources.forEach((r, i) => {
      if (isObject(r)) this.checkResource(r, options, `$.Resources[${i}]`, out);
      else out.push(`$.Resources[${i}]: not an object`);
    });
  }

  /** A message (ListResponse, Error): exactly its schema's attributes; Resources is checked by checkList. */
  private checkMessage(body: Record<string, unknown>, urn: string, where: string, out: string[]): void {
    const schema = this.schemas.get(urn);
    if (!schema) throw new Error(`no message schema ${urn}`);
    if (JSON.stringify(body.schemas) !== JSON.stringify([urn])) out.push(`${where}.schemas: expected ["${urn}"], got ${JSON.stringify(body.schemas)}`);
    for (const [key, value] of Object.entries(body)) {
      if (key === "schemas") continue;
      const def = schema.attributes.find((a) => a.name === key);
      if (!def) out.push(`${where}.${key}: not an attribute of ${urn}`);
      else if (key !== "Resources") {
        this.checkValue(value, def, `${where}.${key}`, {}, out);
        // A message's enumerations are closed (RFC 7644 Table 9 for scimType).
        if (def.canonicalValues && !def.canonicalValues.includes(String(value)))
          out.push(`${where}.${key}: ${JSON.stringify(value)} is not one of RFC 7644's values`);
      }
    }
    for (const a of schema.attributes) if (a.required && !(a.name in body)) out.push(`${where}.${a.name}: required by ${urn}, missing`);
    if (urn === ERROR_URN && typeof body.status === "string" && !/^[1-5]\d\d$/.test(body.status))
      out.push(`${where}.status: ${body.status} is not an HTTP status`);
  }

  private checkResource(body: Record<string, unknown>, options: CheckOptions, where: string, out: string[]): void {
    const listed = body.schemas;
    if (!Array.isArray(listed) || listed.length === 0 || !listed.every((s) => typeof s === "string")) {
      out.push(`${where}.schemas: must be a non-empty array of URIs, got ${JSON.stringify(listed)}`);
      return;
    }
    if (new Set(listed).size !== listed.length) out.push(`${where}.schemas: lists a URI twice`);
    for (const urn of listed) if (!this.schemas.has(urn)) out.push(`${where}.schemas: ${urn} is not defined by /Schemas`);
    const type = this.resourceTypes.find((t) => listed.includes(t.schema));
    const coreUrn = type?.schema ?? listed.find((s) => s in DISCOVERY);
    const core = coreUrn === undefined ? undefined : this.schemas.get(coreUrn);
    if (!coreUrn || !core) {
      out.push(`${where}.schemas: lists no resource type's schema nor a discovery schema`);
      return;
    }
    const extensions = listed.filter((s) => s !== coreUrn);
    if (type) {
      const declared = (type.schemaExtensions ?? []).map((e) => e.schema);
      for (const urn of extensions) if (!declared.includes(urn)) out.push(`${where}.schemas: ${urn} is not an extension of ResourceType ${type.name}`);
    }
    const isSpc = coreUrn === SPC_URN;
    for (const [key, value] of Object.entries(body)) {
      const at = `${where}.${key}`;
      if (key === "schemas") continue;
      if (key === "meta") {
        this.checkMeta(body, value, type, coreUrn, options, at, out);
        continue;
      }
      if (key === "id" && !isSpc) {
        if (typeof value !== "string" || value === "") out.push(`${at}: must be a non-empty string`);
        continue;
      }
      if (key === "externalId" && type) {
        if (typeof value !== "string") out.push(`${at}: must be a string`);
        continue;
      }
      const def = core.attributes.find((a) => a.name === key);
      if (def) {
        this.checkValue(value, def, at, options, out);
        continue;
      }
      if (extensions.includes(key)) {
        const ext = this.schemas.get(key);
        if (!isObject(value)) out.push(`${at}: an extension block must be an object`);
        else if (ext) this.checkBlock(value, ext, at, options, out);
        continue;
      }
      const named = [core, ...extensions.flatMap((u) => this.schemas.get(u) ?? [])]
        .flatMap((s) => s.attributes)
        .find((a) => a.name.toLowerCase() === key.toLowerCase());
      out.push(
        named
          ? `${at}: spelled "${key}", the schema says "${named.name}"`
          : listed.includes(key)
            ? `${at}: a block of the resource's own schema (its attributes belong at the top level)`
            : `${at}: not defined by any schema in ${JSON.stringify(listed)}`,
      );
    }
    if (!options.projected) {
      for (const a of core.attributes) if (a.required && !(a.name in body)) out.push(`${where}.${a.name}: required by ${coreUrn}, missing`);
      if (type && !("meta" in body)) out.push(`${where}.meta: missing`);
    }
    if (!isSpc && !("id" in body)) out.push(`${where}.id: missing`);
    if (coreUrn === SCHEMA_URN && typeof body.id === "string" && !this.schemas.has(body.id)) out.push(`${where}.id: not a schema /Schemas lists`);
  }

  /** An extension block: its keys are attributes of the extension; required ones are there. */
  private checkBlock(block: Record<string, unknown>, schema: SchemaDoc, where: string, options: CheckOptions, out: string[]): void {
    if (Object.keys(block).length === 0) out.push(`${where}: an empty extension block (unassigned: omit it)`);
    for (const [key, value] of Object.entries(block)) {
      const def = schema.attributes.find((a) => a.name === key);
      if (def) this.checkValue(value, def, `${where}.${key}`, options, out);
      else out.push(`${where}.${key}: not an attribute of ${schema.id}`);
    }
    if (!options.projected) for (const a of schema.attributes) if (a.required && !(a.name in block)) out.push(`${where}.${a.name}: required, missing`);
  }

  private checkValue(value: unknown, def: AttributeDoc, where: string, options: CheckOptions, out: string[]): void {
    if (def.returned === "never") out.push(`${where}: returned "never", yet present`);
    if (def.returned === "request" && !(options.requested ?? []).some((r) => r.toLowerCase() === def.name.toLowerCase())) {
      out.push(`${where}: returned "request" and not requested, yet present`);
    }
    if (value === null) {
      out.push(`${where}: null (unassigned attributes are omitted)`);
      return;
    }
    if (def.multiValued) {
      if (!Array.isArray(value)) {
        out.push(`${where}: multi-valued, expected an array, got ${JSON.stringify(value)}`);
        return;
      }
      if (value.length === 0 && !(options.allowEmpty ?? []).includes(def.name))
        out.push(`${where}: [] (an unassigned multi-valued attribute is omitted, RFC 7643 §2.5)`);
      value.forEach((v, i) => this.checkSingle(v, def, `${where}[${i}]`, options, out));
      return;
    }
    if (Array.isArray(value)) {
      out.push(`${where}: single-valued, got an array`);
      return;
    }
    this.checkSingle(value, def, where, options, out);
  }

  private checkSingle(value: unknown, def: AttributeDoc, where: string, options: CheckOptions, out: string[]): void {
    const fail = (expected: string) => out.push(`${where}: expected ${expected} (${def.type}), got ${JSON.stringify(value)}`);
    switch (def.type) {
      case "complex": {
        if (!isObject(value)) return void fail("an object");
        if (Object.keys(value).length === 0) out.push(`${where}: an empty complex value (unassigned: omit it)`);
        for (const [key, v] of Object.entries(value)) {
          // RFC 7643 §7: "subAttributes" has the same sub-attributes as "attributes", itself included, so a
          // sub-attribute definition may nest (the Schema schema describing its own subAttributes does).
          const sub = def.subAttributes?.find((s) => s.name === key) ?? (def.name === "subAttributes" && key === "subAttributes" ? def : undefined);
          if (sub) this.checkValue(v, sub, `${where}.${key}`, options, out);
          else out.push(`${where}.${key}: not a sub-attribute of ${def.name}`);
        }
        if (!options.projected)
          for (const s of def.subAttributes ?? []) if (s.required && !(s.name in value)) out.push(`${where}.${s.name}: required, missing`);
        return;
      }
      case "boolean":
        if (typeof value !== "boolean") fail("a JSON boolean");
        return;
      case "integer":
        if (typeof value !== "number" || !Number.isInteger(value)) fail("a JSON integer");
        return;
      case "decimal":
        if (typeof value !== "number") fail("a JSON number");
        return;
      case "dateTime":
        if (typeof value !== "string" || !DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) fail("an xsd:dateTime string");
        return;
      case "binary":
        if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) fail("a base64 string");
        return;
      default:
        if (typeof value !== "string") fail("a JSON string");
    }
  }

  /** meta (RFC 7643 §3.1): only its five sub-attributes, typed; all five on a User or Group; resourceType and location exact. */
  private checkMeta(
    body: Record<string, unknown>,
    meta: unknown,
    type: ResourceTypeDoc | undefined,
    coreUrn: string,
    options: CheckOptions,
    where: string,
    out: string[],
  ): void {
    if (!isObject(meta)) {
      out.push(`${where}: expected an object`);
      return;
    }
    for (const key of Object.keys(meta)) if (!META_KEYS.includes(key)) out.push(`${where}.${key}: not a sub-attribute of meta`);
    for (const key of ["created", "lastModified"]) {
      const v = meta[key];
      if (v !== undefined && (typeof v !== "string" || !DATE_TIME.test(v))) out.push(`${where}.${key}: expected an xsd:dateTime, got ${JSON.stringify(v)}`);
    }
    if (typeof meta.created === "string" && typeof meta.lastModified === "string" && meta.lastModified < meta.created) {
      out.push(`${where}.lastModified: before created`);
    }
    if (meta.version !== undefined && (typeof meta.version !== "string" || !ETAG.test(meta.version))) out.push(`${where}.version: not an entity tag`);
    const expected = type
      ? { resourceType: type.name, location: `${this.baseUrl}${type.endpoint}/${String(body.id)}` }
      : DISCOVERY[coreUrn] && { resourceType: DISCOVERY[coreUrn].resourceType, location: DISCOVERY[coreUrn].location(this.baseUrl, body.id) };
    const needed = options.projected ? [] : type ? META_KEYS : ["resourceType", "location"];
    for (const key of needed) if (meta[key] === undefined) out.push(`${where}.${key}: missing`);
    if (!expected) return;
    if (meta.resourceType !== undefined && meta.resourceType !== expected.resourceType)
      out.push(`${where}.resourceType: ${JSON.stringify(meta.resourceType)}, expected "${expected.resourceType}"`);
    if (meta.location !== undefined && meta.location !== expected.location)
      out.push(`${where}.location: ${JSON.stringify(meta.location)}, expected "${expected.location}"`);
  }
}
