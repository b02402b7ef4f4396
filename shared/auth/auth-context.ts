// The per-process authentication state, built once from the settings: the credential cache, signing
// keys, JWKS cache, replay cache and failure throttle. Everything here is shared by all requests.
import { Config } from "../config";
import { CachedCredentials, credentialStore } from "./credentials";
import { JwksCache } from "./jwks";
import { AssertionReplayCache } from "../store/assertion-replays";
import { SigningKeys, signingKeyStore } from "./signing-keys";
import { FailureThrottle } from "./throttle";

export interface AuthContext {
  cfg: Config;
  credentials: CachedCredentials;
  signingKeys: SigningKeys;
  jwks: JwksCache;
  replay: AssertionReplayCache;
  throttle: FailureThrottle;
}

let current: AuthContext | undefined;

export function authContext(cfg: Config): AuthContext {
  if (current?.cfg === cfg) return current;
  current = {
    cfg,
    credentials: new CachedCredentials(credentialStore(cfg), cfg.credentialCacheSeconds),
    signingKeys: new SigningKeys(signingKeyStore(cfg)),
    jwks: new JwksCache(),
    replay: new AssertionReplayCache(cfg),
    throttle: new FailureThrottle(cfg.authFailureLimit, cfg.authFailureWindowSeconds),
  };
  return current;
}

/** For tests: forget all cached state (the next request rebuilds it from the settings). */
export function resetAuthContext(): void {
  current = undefined;
}

/** The public origin tokens are issued for: the configured base URL, else the request's own origin. */
export const publicOrigin = (cfg: Config, requestOrigin: string) => cfg.publicBaseUrl ?? requestOrigin;
