// The one place a Key Vault SecretClient is built (managed identity on Azure). The composition root
// passes a factory; tests pass one that reaches a local stand-in of the secrets REST API. The SDKs
// are loaded only when a Key Vault is configured (they are large and a local run never needs them).
import type { SecretClient } from "@azure/keyvault-secrets";

export type SecretClientFactory = (vaultUri: string, managedIdentityClientId?: string) => SecretClient;

export const defaultSecretClient: SecretClientFactory = (vaultUri, managedIdentityClientId) => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { SecretClient: Client } = require("@azure/keyvault-secrets") as typeof import("@azure/keyvault-secrets");
  const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
  /* eslint-enable @typescript-eslint/no-require-imports */
  return new Client(vaultUri, new DefaultAzureCredential(managedIdentityClientId ? { managedIdentityClientId } : {}));
};

/** HTTP status of an SDK error, if it has one. */
export const statusOf = (e: unknown) => (e as { statusCode?: number } | undefined)?.statusCode;

/** A service error (Key Vault or Table Storage answered badly or not at all), not a bug of ours. */
export const isServiceError = (e: unknown) => e instanceof Error && (e.name === "RestError" || e.name === "StoreError");
