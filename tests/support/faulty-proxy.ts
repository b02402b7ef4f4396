// A loopback proxy in front of Azurite that can answer like a throttled Table service (503 ServerBusy),
// drop connections, or let a request commit and then lose its answer, for fault tests. Requests pass
// through untouched until a fault is set.
import http from "node:http";
import { AddressInfo } from "node:net";

/**
 * `server-busy`: answered 503 ServerBusy, not forwarded. `connection-reset`: the connection is cut,
 * not forwarded. `lose-answer`: forwarded, Azurite answers (so a write has committed), then the
 * connection is cut instead of relaying that answer.
 */
export type Fault = "server-busy" | "connection-reset" | "lose-answer";

export interface ProxiedRequest {
  method: string;
  url: string;
  /** Whether this is an entity-group transaction (`POST …/$batch`). */
  isBatch: boolean;
  /** Running count of entity-group transactions since the proxy started (this one included). */
  batchNumber: number;
  /** Count of entity-group transactions since the current faults were set by fail() (this one included). */
  sinceArmed: number;
}

export type When = (req: ProxiedRequest) => boolean;
/**
 * Runs when a fault strikes, before the client learns anything: for `lose-answer` after Azurite has
 * answered, for the other faults before the request would have been forwarded (e.g. kill the host).
 */
export type Then = () => void | Promise<void>;

export interface FaultyProxy {
  /** A connection string for the same account, through the proxy. */
  connectionString: string;
  /** From now on, faults every request for which `when` is true (replacing earlier faults). */
  fail(fault: Fault, when?: When, then?: Then): void;
  /** Adds one more fault; the first fault whose `when` matches a request applies to it. */
  alsoFail(fault: Fault, when?: When, then?: Then): void;
  /** How many requests each fault has struck since fail() (in the order the faults were set). */
  struck(): number[];
  heal(): void;
  close(): Promise<void>;
}

/** The n-th entity-group transaction after the faults were set (n = 1: the first). */
export const nthBatch =
  (n: number): When =>
  (r) =>
    r.isBatch && r.sinceArmed === n;
/** Every entity-group transaction after the n-th since the faults were set. */
export const batchesAfter =
  (n: number): When =>
  (r) =>
    r.isBatch && r.sinceArmed > n;

const SERVER_BUSY = JSON.stringify({ "odata.error": { code: "ServerBusy", message: { lang: "en-US", value: "The server is busy." } } });

interface Rule {
  kind: Fault;
  when: When;
  then?: Then;
  count: number;
}

export async function startFaultyProxy(targetConnectionString: string): Promise<FaultyProxy> {
  const endpoint = /TableEndpoint=(http:\/\/[^;]+)/.exec(targetConnectionString)?.[1];
  if (!endpoint) throw new Error("the connection string has no TableEndpoint");
  const target = new URL(endpoint);
  let rules: Rule[] = [];
  let batches = 0;
  let armedAt = 0;
  const upstreams = new Set<http.ClientRequest>();

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, rule: Rule | undefined) => {
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      if (rule?.kind !== "lose-answer") {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        return;
      }
      up.resume(); // read Azurite's whole answer: the write has committed
      up.on("end", () => {
        void Promise.resolve(rule.then?.()).finally(() => req.socket.destroy());
      });
    });
    upstreams.add(upstream);
    upstream.on("close", () => upstreams.delete(upstream));
    upstream.on("error", () => res.destroy());
    // A client that dies mid-body (a killed host) must not leave Azurite waiting for the rest.
    req.on("close", () => {
      if (!req.complete) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const server = http.createServer((req, res) => {
    res.on("error", () => undefined); // the client may be gone (killed) before its answer is written
    const url = req.url ?? "";
    const isBatch = url.includes("$batch");
    if (isBatch) batches++;
    const seen: ProxiedRequest = { method: req.method ?? "", url, isBatch, batchNumber: batches, sinceArmed: batches - armedAt };
    const rule = rules.find((r) => r.when(seen));
    if (rule) rule.count++;
    if (!rule || rule.kind === "lose-answer") {
      forward(req, res, rule);
      return;
    }
    req.resume();
    void Promise.resolve(rule.then?.()).finally(() => {
      if (rule.kind === "connection-reset") {
        req.socket.destroy();
        return;
      }
      res.writeHead(503, { "Content-Type": "application/json", "x-ms-error-code": "ServerBusy" });
      res.end(SERVER_BUSY);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const rule = (kind: Fault, when: When = () => true, then?: Then): Rule => ({ kind, when, then, count: 0 });
  return {
    connectionString: targetConnectionString.replace(endpoint, `http://127.0.0.1:${port}${target.pathname}`),
    fail: (kind, when, then) => {
      rules = [rule(kind, when, then)];
      armedAt = batches;
    },
    alsoFail: (kind, when, then) => {
      rules.push(rule(kind, when, then));
    },
    struck: () => rules.map((r) => r.count),
    heal: () => {
      rules = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const u of upstreams) u.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
