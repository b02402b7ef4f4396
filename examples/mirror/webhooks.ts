// The webhook receiver: verifies each delivery's Standard Webhooks signature with the `standardwebhooks`
// package, hands the event to the Sync, and answers 2xx only once it is applied and saved (so a crash
// before that is a retry, not a loss). Webhooks arrive unordered and possibly twice: applyEvent's
// per-resource sequence makes that harmless. They never move the cursor; the Events API follower does.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import type { ChangeEvent } from "./mirror";
import type { Sync } from "./sync";

export interface WebhookReceiver {
  url: string;
  close(): Promise<void>;
}

/** The most a delivery body may be (events are a few KiB). */
const MAX_BODY = 1024 * 1024;

/** Listens on 127.0.0.1:`port` (0: any free port); `secret` is the endpoint's whsec_… secret. */
export async function startWebhookReceiver(options: {
  port: number;
  secret: string;
  sync: Sync;
  onEvent?: (e: ChangeEvent) => void;
}): Promise<WebhookReceiver> {
  const verifier = new Webhook(options.secret);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
      let event: ChangeEvent;
      try {
        event = verifier.verify(body, headers) as ChangeEvent; // throws unless a current secret signed id.timestamp.body within 5 minutes
      } catch (e) {
        res.writeHead(e instanceof WebhookVerificationError ? 401 : 400).end();
        return;
      }
      options.sync.apply([event]).then(
        () => {
          options.onEvent?.(event);
          res.writeHead(204).end();
        },
        () => res.writeHead(503).end(), // not saved: the sender retries
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
