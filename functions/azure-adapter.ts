// HttpRequest ⇄ ScimRequest/ScimResponse for the Azure Functions host. Nothing else.
import { Readable } from "node:stream";
import { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { runPipeline } from "../shared/http/pipeline";
import { Route } from "../shared/http/routes";
import { ScimRequest } from "../shared/http/types";

export async function toScimRequest(request: HttpRequest): Promise<ScimRequest> {
  const text = await request.text();
  return {
    method: request.method.toUpperCase(),
    url: new URL(request.url),
    params: { ...request.params },
    header: (name) => request.headers.get(name),
    body: text === "" ? undefined : text,
    sourceIp: request.headers.get("x-forwarded-for")?.split(",")[0]?.trim() ?? undefined,
  };
}

export function azureHandler(route: Route) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const response = await runPipeline(route.name, route.auth, route.handler, await toScimRequest(request), {
      info: (line) => context.log(line),
      error: (line) => context.error(line),
    });
    if (response.stream) return { status: response.status, headers: response.headers, body: Readable.from(encode(response.stream)) };
    const body = response.text ?? (response.body === undefined || response.status === 204 || response.status === 304 ? undefined : JSON.stringify(response.body));
    return { status: response.status, headers: response.headers, body };
  };
}

async function* encode(chunks: AsyncIterable<string>): AsyncIterable<Buffer> {
  for await (const chunk of chunks) yield Buffer.from(chunk, "utf8");
}
