// Request bodies: media type (application/scim+json or application/json), size limit, JSON syntax.
import { ScimError } from "../scim/errors";
import { ScimRequest } from "./types";

export function readJsonBody(req: ScimRequest, maxBytes: number): unknown {
  const type = req.header("content-type");
  if (type && !/^application\/(scim\+)?json\s*(;|$)/i.test(type.trim())) {
    throw ScimError.unsupportedMediaType("Send the body as application/scim+json or application/json.");
  }
  const text = req.body;
  if (text === undefined || text.trim() === "") throw ScimError.invalidSyntax("A JSON request body is required.");
  if (Buffer.byteLength(text, "utf8") > maxBytes) throw ScimError.payloadTooLarge(`The request body is larger than ${maxBytes} bytes.`);
  try {
    return JSON.parse(text);
  } catch {
    throw ScimError.invalidSyntax("The request body is not valid JSON.");
  }
}
