// A stand-in for an Entra tenant's signing side: RSA keys generated in the test, their JWKS served on
// 127.0.0.1 (fetches counted), and JWTs shaped like Entra's client assertions and provisioning tokens.
import http from "node:http";
import { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { ENTRA_PROVISIONING_APP_ID } from "../../shared/auth/entra-token";
import { startTestHost, TestHost } from "./scim-client";

interface Key {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface SignOptions {
  kid?: string;
  alg?: string;
  key?: CryptoKey | Uint8Array;
}

export interface EntraStandIn {
  tenantId: string;
  jwksUri: string;
  issuerV2: string;
  issuerV1: string;
  /** The workload identity's subject and audience a federation is configured with. */
  subject: string;
  audience: string;
  /** JWKS documents served so far. */
  fetches(): number;
  /** Creates a key; it is published unless told otherwise. Returns its kid. */
  addKey(publish?: boolean): Promise<string>;
  /** A client assertion as Entra's WIF sends it; `claims` override (undefined removes a claim). */
  assertion(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;
  /** The token Entra sends when the Secret Token field is empty. */
  provisioningToken(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

export async function startEntraStandIn(): Promise<EntraStandIn> {
  const tenantId = randomUUID();
  const keys = new Map<string, Key>();
  const published = new Set<string>();
  let fetches = 0;
  const server = http.createServer((req, res) => {
    if (new URL(req.url ?? "/", "http://x").pathname !== `/${tenantId}/discovery/v2.0/keys`) {
      res.writeHead(404).end();
      return;
    }
    fetches++;
    const body = JSON.stringify({ keys: [...published].map((kid) => keys.get(kid)!.publicJwk) });
    res.writeHead(200, { "Content-Type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${tenantId}/discovery/v2.0/keys`;

  const addKey = async (publish = true) => {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const kid = randomUUID().replace(/-/g, "").slice(0, 20);
    // Like Entra's JWKS: kty/use/kid/n/e, no "alg".
    keys.set(kid, { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, use: "sig" } });
    if (publish) published.add(kid);
    return kid;
  };
  const firstKid = await addKey();

  const sign = async (defaults: Record<string, unknown>, claims: Record<string, unknown>, o: SignOptions) => {
    const payload = Object.fromEntries(Object.entries({ ...defaults, ...claims }).filter(([, v]) => v !== undefined));
    const kid = o.kid ?? firstKid;
    const key = o.key ?? keys.get(kid)?.privateKey;
    if (!key) throw new Error(`no key ${kid}`);
    return new SignJWT(payload).setProtectedHeader({ alg: o.alg ?? "RS256", kid, typ: "JWT" }).sign(key);
  };
  const now = () => Math.floor(Date.now() / 1000);
  const subject = randomUUID();
  const audience = `api://${randomUUID()}`;
  const issuerV2 = `https://login.microsoftonline.com/${tenantId}/v2.0`;
  const issuerV1 = `https://sts.windows.net/${tenantId}/`;

  return {
    tenantId,
    jwksUri,
    issuerV2,
    issuerV1,
    subject,
    audience,
    fetches: () => fetches,
    addKey,
    assertion: (claims = {}, o = {}) =>
      sign(
        {
          iss: issuerV2,
          sub: subject,
          aud: audience,
          tid: tenantId,
          oid: randomUUID(),
          ver: "2.0",
          iat: now(),
          nbf: now(),
          exp: now() + 3900,
          jti: randomUUID(),
        },
        claims,
        o,
      ),
    provisioningToken: (claims = {}, o = {}) =>
      sign(
        {
          iss: issuerV1,
          aud: ENTRA_PROVISIONING_APP_ID,
          tid: tenantId,
          appid: randomUUID(),
          iat: now(),
          nbf: now(),
          exp: now() + 3600,
        },
        claims,
        o,
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A test host with a short credential cache and throttling out of the way, beside an Entra stand-in:
 * the setup the federation and Entra-token suites share.
 */
export async function startHostWithEntra(): Promise<{ host: TestHost; entra: EntraStandIn; close: () => Promise<void> }> {
  const host = await startTestHost({ SCIM_CREDENTIAL_CACHE_SECONDS: "2", SCIM_AUTH_FAILURE_LIMIT: "1000" });
  const entra = await startEntraStandIn();
  return {
    host,
    entra,
    close: async () => {
      await host.close();
      await entra.close();
    },
  };
}
