// A node:http server that serves the route table without Core Tools (npm start, HTTP tests, bench).
// It only translates: node:http ⇄ the pipeline's IncomingRequest / WireResponse.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Pipeline } from "./pipeline";
import type { IncomingRequest } from "./pipeline";
import type { WireResponse } from "./wire";

/** Reads the body, keeping at most `limit` bytes; a larger one is drained (so the client sees our 413, not a reset) and flagged. */
function readBody(req: http.IncomingMessage, limit: number): Promise<{ body?: string; oversized: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > limit) resolve({ oversized: true });
      else resolve(size === 0 ? { oversized: false } : { body: Buffer.concat(chunks).toString("utf8"), oversized: false });
    });
    req.on("error", reject);
  });
}

async function write(res: http.ServerResponse, response: WireResponse): Promise<void> {
  if (response.stream) {
    res.writeHead(response.status, response.headers);
    for await (const chunk of response.stream) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve)); // backpressure: hold one chunk at most
    }
    res.end();
    return;
  }
  const length = response.text === undefined ? {} : { "Content-Length": String(Buffer.byteLength(response.text)) };
  res.writeHead(response.status, { ...response.headers, ...length });
  res.end(response.text);
}

async function serve(pipeline: Pipeline, maxBodyBytes: number, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  // A request that announces no body (most GETs) is not read at all: ~3 % of a GET's cost.
  const bodiless = req.headers["content-length"] === undefined && req.headers["transfer-encoding"] === undefined;
  const { body, oversized } = bodiless ? (req.resume(), { oversized: false }) : await readBody(req, maxBodyBytes);
  const incoming: IncomingRequest = {
    method: (req.method ?? "GET").toUpperCase(),
    url: new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`),
    header: (name) => {
      const v = req.headers[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
    },
    body,
    oversized,
    ...(req.socket.remoteAddress ? { sourceIp: req.socket.remoteAddress } : {}),
  };
  await write(res, await pipeline.handle(incoming));
}

export interface LocalHost {
  server: http.Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Starts the local host on 127.0.0.1 (port 0 = any free port). */
export function startLocalHost(pipeline: Pipeline, options: { port: number; maxBodyBytes: number; onError(line: string): void }): Promise<LocalHost> {
  const inFlight = new Set<Promise<void>>();
  const server = http.createServer((req, res) => {
    const served = serve(pipeline, options.maxBodyBytes, req, res).catch((e: unknown) => {
      // The pipeline never throws; what fails here is the connection (a stream cut off after its headers).
      options.onError(JSON.stringify({ error: e instanceof Error ? e.stack : String(e) }));
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
    inFlight.add(served);
    void served.finally(() => inFlight.delete(served));
  });
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        server,
        port: actual,
        url: `http://127.0.0.1:${actual}`,
        // Stops accepting, cuts the connections, then waits for the requests still being answered.
        close: async () => {
          await new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          });
          await Promise.allSettled([...inFlight]);
        },
      });
    });
  });
}
