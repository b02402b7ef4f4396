// Request bodies: media type (application/scim+json or application/json), size limit, JSON syntax.
import { ScimError } from "../scim/errors";
import type { HandlerContext } from "./types";

export function readJsonBody(ctx: HandlerContext): unknown {
  const type = ctx.req.header("content-type");
  if (type && !/^application\/(scim\+)?json\s*(;|$)/i.test(type.trim())) {
    throw ScimError.unsupportedMediaType("Send the body as application/scim+json or application/json.");
  }
  const text = ctx.req.body;
  if (text === undefined || text.trim() === "") throw ScimError.invalidSyntax("A JSON request body is required.");
  if (Buffer.byteLength(text, "utf8") > ctx.maxBodyBytes) throw ScimError.payloadTooLarge(`The request body is larger than ${ctx.maxBodyBytes} bytes.`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw ScimError.invalidSyntax("The request body is not valid JSON.");
  }
}
