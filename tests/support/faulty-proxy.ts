// A loopback proxy in front of Azurite that can answer like a throttled Table service (503 ServerBusy)
// or drop connections, for fault tests. Requests pass through untouched until a fault is set.
import http from "node:http";
import { AddressInfo } from "node:net";

export type Fault = "server-busy" | "connection-reset";

export interface FaultyProxy {
  /** A connection string for the same account, through the proxy. */
  connectionString: string;
  /** Faults every request for which `when` is true (with a running count of entity-group transactions). */
  fail(fault: Fault, when?: (req: { method: string; url: string; batchNumber: number }) => boolean): void;
  heal(): void;
  close(): Promise<void>;
}

const SERVER_BUSY = JSON.stringify({ "odata.error": { code: "ServerBusy", message: { lang: "en-US", value: "The server is busy." } } });

export async function startFaultyProxy(targetConnectionString: string): Promise<FaultyProxy> {
  const endpoint = /TableEndpoint=(http:\/\/[^;]+)/.exec(targetConnectionString)?.[1];
  if (!endpoint) throw new Error("the connection string has no TableEndpoint");
  const target = new URL(endpoint);
  let fault: { kind: Fault; when: (r: { method: string; url: string; batchNumber: number }) => boolean } | undefined;
  let batches = 0;
  const server = http.createServer((req, res) => {
    const isBatch = (req.url ?? "").includes("$batch");
    if (isBatch) batches++;
    if (fault?.when({ method: req.method ?? "", url: req.url ?? "", batchNumber: batches })) {
      req.resume();
      if (fault.kind === "connection-reset") { req.socket.destroy(); return; }
      res.writeHead(503, { "Content-Type": "application/json", "x-ms-error-code": "ServerBusy" });
      res.end(SERVER_BUSY);
      return;
    }
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    connectionString: targetConnectionString.replace(endpoint, `http://127.0.0.1:${port}${target.pathname}`),
    fail: (kind, when = () => true) => { fault = { kind, when }; },
    heal: () => { fault = undefined; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
