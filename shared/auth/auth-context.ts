// The per-host authentication state, built once by the composition root: the credential cache, signing
// keys, JWKS cache, replay guard, failure throttle and the auth log. Shared by all requests of a host.
import { CachedCredentials, CredentialStore } from "./credentials";
import { JwksCache } from "./jwks";
import type { ReplayGuard } from "./assertions";
import { SigningKeys, SigningKeyStore } from "./signing-keys";
import { FailureThrottle } from "./throttle";
import { AuthLog } from "./auth-log";

export interface AuthSettings {
  credentialCacheSeconds: number;
  accessTokenMinutes: number;
  authFailureLimit: number;
  authFailureWindowSeconds: number;
  /** Public base URL (scheme + host): the token issuer and audience when a proxy hides the real host. */
  publicBaseUrl?: string;
}

export interface AuthContext {
  settings: AuthSettings;
  credentials: CachedCredentials;
  signingKeys: SigningKeys;
  jwks: JwksCache;
  replay: ReplayGuard;
  throttle: FailureThrottle;
  log: AuthLog;
}

export interface AuthDependencies {
  settings: AuthSettings;
  credentialStore: CredentialStore;
  signingKeyStore: SigningKeyStore;
  replay: ReplayGuard;
  log: AuthLog;
}

export function createAuthContext(d: AuthDependencies): AuthContext {
  return {
    settings: d.settings,
    credentials: new CachedCredentials(d.credentialStore, d.settings.credentialCacheSeconds),
    signingKeys: new SigningKeys(d.signingKeyStore, d.log),
    jwks: new JwksCache(d.log),
    replay: d.replay,
    throttle: new FailureThrottle(d.settings.authFailureLimit, d.settings.authFailureWindowSeconds),
    log: d.log,
  };
}

/** The public origin tokens are issued for: the configured base URL, else the request's own origin. */
export const publicOrigin = (s: AuthSettings, requestOrigin: string) => s.publicBaseUrl ?? requestOrigin;
