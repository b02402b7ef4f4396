// A local stand-in for the Key Vault secrets REST API, enough for the SDK's real SecretClient: HTTPS on
// 127.0.0.1 with a throwaway self-signed certificate (openssl), the bearer challenge, PUT/GET/PATCH of
// secrets and versions, and paged listing. Nothing leaves loopback; the certificate is trusted per client.
import https from "node:https";
import { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import { SecretClient } from "@azure/keyvault-secrets";
import type { SecretClientFactory } from "../../shared/auth/key-vault";
import { loopbackCertificate } from "./loopback-tls";

interface Version {
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  attributes: Record<string, unknown>;
}

const TOKEN = "stand-in-access-token";
const NAME = /^[A-Za-z][0-9A-Za-z-]{0,126}$/;
const CHALLENGE = 'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"';

export interface KeyVaultStandIn {
  url: string;
  /** Every request with its answer's status (challenge round trips included). */
  requests: { method: string; path: string; status: number }[];
  /** Latest value of a secret, as the vault holds it. */
  value(name: string): string | undefined;
  names(): string[];
  client(): SecretClient;
  /** Answers every request with this status (a throttled or failing vault) until called with undefined. */
  outage(status: number | undefined): void;
  /** Makes every SecretClient the app builds talk to this stand-in. */
  /** The factory a service uses to reach this stand-in (createService / startTestHost option). */
  secretClients: SecretClientFactory;
  close(): Promise<void>;
}

export async function startKeyVaultStandIn(): Promise<KeyVaultStandIn> {
  const { key, cert } = loopbackCertificate();
  const secrets = new Map<string, Version[]>();
  const requests: KeyVaultStandIn["requests"] = [];
  let base = "";
  let failing: number | undefined;

  const bundle = (name: string, v: Version, withValue: boolean) => ({
    ...(withValue ? { value: v.value, id: `${base}/secrets/${name}/${v.version}` } : { id: `${base}/secrets/${name}` }),
    contentType: v.contentType,
    tags: v.tags,
    attributes: v.attributes,
  });
  const fail = (status: number, code: string, message: string) => ({ status, body: { error: { code, message } } });

  function handle(method: string, url: URL, body: string): { status: number; body: unknown } {
    const parts = url.pathname.split("/").slice(1); // ["secrets", name?, version?]
    if (parts[0] !== "secrets") return fail(404, "NotFound", "No such API.");
    const [, name, version] = parts;
    if (!name) {
      if (method !== "GET") return fail(405, "MethodNotAllowed", "Only GET lists secrets.");
      const all = [...secrets.entries()].sort(([a], [b]) => a.localeCompare(b));
      const size = Number(url.searchParams.get("maxresults") ?? 25);
      const skip = Number(url.searchParams.get("$skiptoken") ?? 0);
      const page = all.slice(skip, skip + size).map(([n, vs]) => bundle(n, vs[vs.length - 1]!, false));
      const next =
        skip + size < all.length
          ? `${base}/secrets?api-version=${String(url.searchParams.get("api-version"))}&$skiptoken=${skip + size}&maxresults=${size}`
          : null;
      return { status: 200, body: { value: page, nextLink: next } };
    }
    if (!NAME.test(name)) return fail(400, "BadParameter", "The secret name is invalid.");
    const versions = secrets.get(name) ?? [];
    if (method === "PUT") {
      const p = JSON.parse(body) as { value: string; contentType?: string; tags?: Record<string, string>; attributes?: Record<string, unknown> };
      const now = Math.floor(Date.now() / 1000);
      const v: Version = {
        version: randomBytes(16).toString("hex"),
        value: p.value,
        contentType: p.contentType,
        tags: p.tags,
        attributes: { enabled: true, ...p.attributes, created: now, updated: now, recoveryLevel: "Recoverable+Purgeable", recoverableDays: 90 },
      };
      secrets.set(name, [...versions, v]);
      return { status: 200, body: bundle(name, v, true) };
    }
    const v = version ? versions.find((x) => x.version === version) : versions[versions.length - 1];
    if (!v) return fail(404, "SecretNotFound", `A secret with (name/id) ${name} was not found in this key vault.`);
    if (method === "GET") {
      if (v.attributes.enabled === false) return fail(403, "Forbidden", "Operation get is not allowed on a disabled secret.");
      return { status: 200, body: bundle(name, v, true) };
    }
    if (method === "PATCH") {
      const p = JSON.parse(body) as { contentType?: string; tags?: Record<string, string>; attributes?: Record<string, unknown> };
      Object.assign(v.attributes, p.attributes ?? {}, { updated: Math.floor(Date.now() / 1000) });
      if (p.tags) v.tags = p.tags;
      if (p.contentType) v.contentType = p.contentType;
      return { status: 200, body: bundle(name, v, false) };
    }
    return fail(405, "MethodNotAllowed", `${method} is not supported by the stand-in.`);
  }

  const server = https.createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", base);
      // The SDK first sends no token (and no body), expects this challenge, then retries with a token.
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        requests.push({ method: req.method ?? "GET", path: url.pathname, status: 401 });
        res.writeHead(401, { "WWW-Authenticate": CHALLENGE, "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer token." } }));
        return;
      }
      const out = failing ? fail(failing, "Throttled", "Stand-in outage.") : handle(req.method ?? "GET", url, Buffer.concat(chunks).toString("utf8"));
      requests.push({ method: req.method ?? "GET", path: url.pathname, status: out.status });
      res.writeHead(out.status, { "Content-Type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const credential: TokenCredential = { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const client = () =>
    new SecretClient(base, credential, {
      disableChallengeResourceVerification: true,
      tlsOptions: { ca: cert },
      retryOptions: { maxRetries: 0 },
    });
  return {
    url: base,
    requests,
    value: (name) => secrets.get(name)?.at(-1)?.value,
    names: () => [...secrets.keys()],
    outage: (status) => {
      failing = status;
    },
    client,
    secretClients: () => client(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
