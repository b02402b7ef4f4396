// HttpRequest ⇄ the pipeline's IncomingRequest / WireResponse for the Azure Functions host. Nothing else.
import { Readable } from "node:stream";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { Pipeline } from "../shared/http/pipeline";
import type { Route } from "../shared/http/routes";

export function azureHandler(pipeline: Pipeline, route: Route) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const text = await request.text();
    // On Azure the platform's front end sets X-Forwarded-For; the first entry is the client.
    const sourceIp = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
    const response = await pipeline.handle(
      {
        method: request.method.toUpperCase(),
        url: new URL(request.url),
        header: (name) => request.headers.get(name),
        body: text === "" ? undefined : text,
        route: { route, params: { ...request.params } },
        ...(sourceIp ? { sourceIp } : {}),
      },
      { info: (line) => context.log(line), error: (line) => context.error(line) },
    );
    if (response.stream) return { status: response.status, headers: response.headers, body: Readable.from(encode(response.stream)) };
    return { status: response.status, headers: response.headers, ...(response.text === undefined ? {} : { body: response.text }) };
  };
}

async function* encode(chunks: AsyncIterable<string>): AsyncIterable<Buffer> {
  for await (const chunk of chunks) yield Buffer.from(chunk, "utf8");
}
