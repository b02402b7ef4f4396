// Enterprise User extension (RFC 7643 §4.3).
import { ENTERPRISE_USER } from "../urns";
import { SchemaDef, complex, ref, str } from "./attribute";

export const enterpriseUserSchema: SchemaDef = {
  id: ENTERPRISE_USER,
  name: "EnterpriseUser",
  description: "Enterprise User",
  attributes: [
    str("employeeNumber", "Numeric or alphanumeric identifier assigned to a person by the organization."),
    str("costCenter", "Identifies the name of a cost center."),
    str("organization", "Identifies the name of an organization."),
    str("division", "Identifies the name of a division."),
    str("department", "Identifies the name of a department."),
    complex("manager", "The User's manager.", [
      str("value", "The id of the SCIM resource representing the User's manager.", { caseExact: true }),
      ref("$ref", "The URI of the SCIM resource representing the User's manager.", ["User"]),
      str("displayName", "The displayName of the User's manager.", { mutability: "readOnly" }),
    ]),
  ],
};
