// Attribute definitions as data (RFC 7643 §7): one definition drives coercion, validation,
// filtering, PATCH and /Schemas. Pure: no I/O.

export type AttributeType = "string" | "boolean" | "decimal" | "integer" | "dateTime" | "reference" | "complex" | "binary";
export type Mutability = "readOnly" | "readWrite" | "immutable" | "writeOnly";
export type Returned = "always" | "never" | "default" | "request";
export type Uniqueness = "none" | "server" | "global";

export interface AttributeDef {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: Uniqueness;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDef[];
}

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDef[];
}

type Options = Partial<Omit<AttributeDef, "name" | "type" | "description">>;

function attribute(type: AttributeType, name: string, description: string, options: Options = {}): AttributeDef {
  return {
    name,
    type,
    description,
    multiValued: false,
    required: false,
    caseExact: false,
    mutability: "readWrite",
    returned: "default",
    uniqueness: "none",
    ...options,
  };
}

export const str = (name: string, description: string, options?: Options) => attribute("string", name, description, options);
export const bool = (name: string, description: string, options?: Options) => attribute("boolean", name, description, options);
export const dateTime = (name: string, description: string, options?: Options) => attribute("dateTime", name, description, options);
export const ref = (name: string, description: string, referenceTypes: string[], options?: Options) =>
  attribute("reference", name, description, { referenceTypes, ...options });
export const binary = (name: string, description: string, options?: Options) => attribute("binary", name, description, options);
export const complex = (name: string, description: string, subAttributes: AttributeDef[], options?: Options) =>
  attribute("complex", name, description, { subAttributes, ...options });

/** The sub-attributes every multi-valued attribute of RFC 7643 §2.4 carries: type, primary, display, value. */
export function multiValued(
  name: string,
  description: string,
  types: string[],
  value: AttributeDef = str("value", `The ${name} value.`),
  extra: AttributeDef[] = [],
): AttributeDef {
  return complex(
    name,
    description,
    [
      value,
      str("display", "A human-readable name, primarily used for display purposes."),
      str("type", "A label indicating the attribute's function.", { canonicalValues: types }),
      bool("primary", "Indicates the primary or preferred attribute value."),
      ...extra,
    ],
    { multiValued: true },
  );
}

/** Case-insensitive lookup of an attribute by name (RFC 7644 §3.10: attribute names are case-insensitive). */
export function findAttribute(attributes: readonly AttributeDef[], name: string): AttributeDef | undefined {
  const lower = name.toLowerCase();
  return attributes.find((a) => a.name.toLowerCase() === lower);
}
