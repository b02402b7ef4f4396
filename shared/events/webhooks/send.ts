// One delivery attempt: a POST with node:http(s), no redirects followed, a deadline over the whole exchange,
// and the SSRF check in the socket's own `lookup`: every address the name resolves to is checked and the
// socket connects to the one checked (no second resolution between check and connect). The answer's body
// is drained up to a small limit and never kept (it is the receiver's, not ours to log).
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { hostOf, refusal } from "./addresses";

export interface Attempt {
  url: string;
  allowPrivateNetwork: boolean;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Extra trusted CA certificates (tests' loopback TLS receivers). */
  ca?: string | Buffer;
}

/** How an attempt ended: only a 2xx is delivered. */
export type Outcome = "delivered" | "http-error" | "redirect" | "throttled" | "gone" | "timeout" | "unreachable" | "refused";

export interface AttemptResult {
  outcome: Outcome;
  status?: number;
  /** A short reason safe to store and show (a status code or a network reason; never a body or a URL). */
  reason: string;
  /** The receiver's Retry-After (429, 503), in ms from now. */
  retryAfterMs?: number;
  ms: number;
}

class Refused extends Error {
  constructor(why: string) {
    super(why);
    this.name = "Refused";
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for the request's socket: resolves, refuses when any address is off-limits, hands over the checked one. */
function guardedLookup(allowPrivateNetwork: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback) => {
    dnsLookup(hostname, { all: true, verbatim: true, ...(options.family ? { family: options.family } : {}) }, (err, addresses) => {
      if (err) return callback(err, []);
      if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), []);
      for (const a of addresses) {
        const why = refusal(a.address, allowPrivateNetwork);
        if (why) return callback(new Refused(`${hostname} resolves to ${why}`), []);
      }
      const chosen = addresses[0] as LookupAddress;
      if (options.all) callback(null, [chosen]);
      else callback(null, chosen.address, chosen.family);
    });
  };
}

const MAX_DRAIN = 64 * 1024;

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfter(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const s = header.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function send(a: Attempt): Promise<AttemptResult> {
  const started = performance.now();
  const done = (r: Omit<AttemptResult, "ms">): AttemptResult => ({ ...r, ms: Math.round(performance.now() - started) });
  let url: URL;
  try {
    url = new URL(a.url);
  } catch {
    return Promise.resolve(done({ outcome: "refused", reason: "refused: the URL is invalid" }));
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && a.allowPrivateNetwork))
    return Promise.resolve(done({ outcome: "refused", reason: "refused: only https URLs (http needs allow-private-network)" }));
  const host = hostOf(url);
  if (isIP(host)) {
    // A literal address is never looked up: check it here.
    const why = refusal(host, a.allowPrivateNetwork);
    if (why) return Promise.resolve(done({ outcome: "refused", reason: `refused: ${why}` }));
  }
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: Omit<AttemptResult, "ms">) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(done(r));
    };
    const req = client.request(
      url,
      {
        method: "POST",
        headers: { ...a.headers, "content-length": String(Buffer.byteLength(a.body)) },
        lookup: guardedLookup(a.allowPrivateNetwork) as never,
        agent: false, // a socket per attempt: the checked address is the one connected to
        ...(a.ca ? { ca: a.ca } : {}),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let drained = 0;
        res.on("data", (chunk: Buffer) => {
          drained += chunk.length;
          if (drained > MAX_DRAIN) res.destroy();
        });
        const settle = () => {
          if (status >= 200 && status < 300) return finish({ outcome: "delivered", status, reason: `${status}` });
          if (status === 410) return finish({ outcome: "gone", status, reason: "410 Gone" });
          if (status >= 300 && status < 400) return finish({ outcome: "redirect", status, reason: `${status} (redirects are not followed)` });
          if (status === 429 || status === 503 || status === 502 || status === 504) {
            const wait = status === 429 || status === 503 ? retryAfter(header(res.headers["retry-after"])) : undefined;
            return finish({ outcome: "throttled", status, reason: `${status}`, ...(wait !== undefined ? { retryAfterMs: wait } : {}) });
          }
          finish({ outcome: "http-error", status, reason: `${status}` });
        };
        res.on("end", settle);
        res.on("close", settle);
        res.on("error", settle);
      },
    );
    const deadline = setTimeout(() => {
      finish({ outcome: "timeout", reason: `timeout (no answer within ${Math.round(a.timeoutMs / 100) / 10} s)` });
      req.destroy();
    }, a.timeoutMs);
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (e instanceof Refused || e.name === "Refused") return finish({ outcome: "refused", reason: `refused: ${e.message}` });
      finish({ outcome: "unreachable", reason: networkReason(e) });
    });
    req.end(a.body);
  });
}

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** A network failure in a few words: its code (ECONNREFUSED, ENOTFOUND, a TLS code), never a URL. */
function networkReason(e: NodeJS.ErrnoException): string {
  if (e.code) return `unreachable (${e.code})`;
  return `unreachable (${e.message.replace(/https?:\/\/\S+/g, "<url>").slice(0, 120)})`;
}
