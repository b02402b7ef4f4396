// HttpRequest ⇄ the pipeline's IncomingRequest / WireResponse for the Azure Functions host. Nothing else.
import { Readable } from "node:stream";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { Pipeline } from "../shared/http/pipeline";
import type { Route } from "../shared/http/routes";

export function azureHandler(pipeline: Pipeline, route: Route) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const text = await request.text();
    // The worker sees no socket: the platform front end's X-Forwarded-For is all there is, and the
    // pipeline uses it only where the settings say a front end sets it (SCIM_TRUST_FORWARDED_FOR).
    const forwardedFor = request.headers.get("x-forwarded-for") ?? undefined;
    const response = await pipeline.handle(
      {
        method: request.method.toUpperCase(),
        url: new URL(request.url),
        header: (name) => request.headers.get(name),
        body: text === "" ? undefined : text,
        route: { route, params: { ...request.params } },
        ...(forwardedFor ? { forwardedFor } : {}),
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
