// A node:http server that serves the route table without Core Tools (npm start, HTTP tests, bench).
import http from "node:http";
import { AddressInfo } from "node:net";
import { config } from "../config";
import { ScimError } from "../scim/errors";
import { errorResponse } from "./respond";
import { Logger, runPipeline } from "./pipeline";
import { routeMatcher } from "./routes";
import { ScimRequest, ScimResponse } from "./types";

function readBody(req: http.IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true; // keep draining so the client sees our 413, not a reset
      else chunks.push(chunk);
    });
    req.on("end", () => {
      if (tooLarge) reject(ScimError.payloadTooLarge(`The request body is larger than ${limit} bytes.`));
      else resolve(size === 0 ? undefined : Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", reject);
  });
}

async function write(res: http.ServerResponse, response: ScimResponse): Promise<void> {
  if (response.stream) {
    res.writeHead(response.status, response.headers);
    for await (const chunk of response.stream) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve)); // backpressure: hold one chunk at most
    }
    res.end();
    return;
  }
  const payload = response.text ?? (response.body === undefined || response.status === 204 || response.status === 304 ? undefined : JSON.stringify(response.body));
  res.writeHead(response.status, { ...response.headers, ...(payload === undefined ? {} : { "Content-Length": Buffer.byteLength(payload) }) });
  res.end(payload);
}

async function serve(req: http.IncomingMessage, res: http.ServerResponse, logger?: Logger): Promise<void> {
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
  const match = routeMatcher.match(req.method ?? "GET", url.pathname);
  if (!match || "allowed" in match) {
    const err = match ? ScimError.methodNotAllowed("Method not allowed.", match.allowed) : ScimError.notFound(`No endpoint at ${url.pathname}.`);
    req.resume();
    await write(res, errorResponse(err).response);
    return;
  }
  let body: string | undefined;
  try {
    body = await readBody(req, config().maxBodyBytes);
  } catch (e) {
    await write(res, errorResponse(e).response);
    return;
  }
  const scimRequest: ScimRequest = {
    method: (req.method ?? "GET").toUpperCase(),
    url,
    params: match.params,
    header: (name) => {
      const v = req.headers[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
    },
    body,
    sourceIp: req.socket.remoteAddress,
  };
  await write(res, await runPipeline(match.item.name, match.item.auth, match.item.handler, scimRequest, logger));
}

export interface LocalHost { server: http.Server; port: number; url: string; close(): Promise<void> }

/** Starts the local host on 127.0.0.1 (port 0 = any free port). */
export function startLocalHost(port: number, logger?: Logger): Promise<LocalHost> {
  const server = http.createServer((req, res) => {
    serve(req, res, logger).catch((e) => {
      // A stream that fails after its headers went out can only be cut off; the client sees a truncated body.
      (logger ?? console).error(JSON.stringify({ error: (e as Error)?.stack ?? String(e) }));
      if (!res.headersSent) void write(res, errorResponse(e).response);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        server, port: actual, url: `http://127.0.0.1:${actual}`,
        close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}
