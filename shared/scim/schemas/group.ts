// Core Group schema (RFC 7643 §4.2), plus the common id/externalId attributes.
import { CORE_GROUP } from "../urns";
import { SchemaDef, complex, ref, str } from "./attribute";

export const groupSchema: SchemaDef = {
  id: CORE_GROUP,
  name: "Group",
  description: "Group",
  attributes: [
    str("id", "Unique identifier for the SCIM resource, assigned by the service provider.", {
      caseExact: true,
      mutability: "readOnly",
      returned: "always",
      uniqueness: "server",
    }),
    str("externalId", "Identifier of the resource as defined by the provisioning client.", { caseExact: true }),
    str("displayName", "A human-readable name for the Group. Unique case-insensitively.", { required: true, uniqueness: "server" }),
    complex(
      "members",
      "A list of members of the Group (Users or Groups).",
      [
        str("value", "Identifier of the member of this Group.", { caseExact: true, mutability: "immutable" }),
        ref("$ref", "The URI of the member resource.", ["User", "Group"], { mutability: "immutable" }),
        str("display", "A human-readable name of the member.", { mutability: "readOnly" }),
        str("type", "The type of the member: User or Group.", { mutability: "immutable", canonicalValues: ["User", "Group"] }),
      ],
      { multiValued: true },
    ),
  ],
};
