// A webhook receiver on 127.0.0.1 (http, or https with the loopback certificate): records every request it
// gets (headers, raw body, arrival time) and answers as the test's `answer` says.
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

export interface Received {
  headers: Record<string, string>;
  body: string;
  at: number;
  path: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** Wait this long before answering (a slow receiver). */
  delayMs?: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** What to answer to the n-th request (0-based) with this body; 200 by default. */
  answer: (r: Received, n: number) => Answer;
  close(): Promise<void>;
}

export async function startReceiver(tls?: { key: string; cert: string }): Promise<Receiver> {
  const received: Received[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const receiver: Receiver = { url: "", received, answer: () => ({ status: 200 }), close: async () => undefined };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      const r: Received = { headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now(), path: req.url ?? "/" };
      const n = received.length;
      received.push(r);
      const a = receiver.answer(r, n);
      const reply = () => {
        res.writeHead(a.status, a.headers ?? {});
        res.end();
      };
      if (!a.delayMs) return reply();
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) reply();
      }, a.delayMs);
      timers.add(timer);
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  receiver.url = `${tls ? "https" : "http"}://127.0.0.1:${port}/hook`;
  receiver.close = async () => {
    for (const t of timers) clearTimeout(t);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

/** Polls `check` every 25 ms until it holds (bounded: fails after `ms`). */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000, what = "the condition"): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
