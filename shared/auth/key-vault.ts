// The one place a Key Vault SecretClient is built (managed identity on Azure). Tests swap the factory
// to reach a local stand-in of the secrets REST API; nothing else may.
import type { SecretClient } from "@azure/keyvault-secrets";

export type SecretClientFactory = (vaultUri: string, managedIdentityClientId?: string) => SecretClient;

// The two SDKs are loaded when the first client is built, not at import: only the Key Vault credential
// store and the signing keys use them, and loading both costs ~50 ms (docs/performance.md). In the
// deployment bundle each has a bundle of its own that this require() loads (scripts/build.mjs, LAZY).
const defaultFactory: SecretClientFactory = (vaultUri, managedIdentityClientId) => {
  /* eslint-disable @typescript-eslint/no-require-imports -- a synchronous load on first use (see above) */
  const { SecretClient } = require("@azure/keyvault-secrets") as typeof import("@azure/keyvault-secrets");
  const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
  /* eslint-enable @typescript-eslint/no-require-imports */
  return new SecretClient(vaultUri, new DefaultAzureCredential(managedIdentityClientId ? { managedIdentityClientId } : {}));
};

let factory: SecretClientFactory = defaultFactory;

export function secretClient(vaultUri: string, managedIdentityClientId?: string): SecretClient {
  return factory(vaultUri, managedIdentityClientId);
}

/** For tests: route every SecretClient to a stand-in; pass undefined to restore the default. */
export function useSecretClientFactory(next: SecretClientFactory | undefined): void {
  factory = next ?? defaultFactory;
}

/** HTTP status of an SDK error, if it has one. */
export const statusOf = (e: unknown) => (e as { statusCode?: number } | undefined)?.statusCode;

/** A service error (Key Vault or Table Storage answered badly or not at all), not a bug of ours. */
export const isServiceError = (e: unknown) => e instanceof Error && (e.name === "RestError" || e.name === "StoreError");
