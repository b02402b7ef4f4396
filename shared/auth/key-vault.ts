// The one place a Key Vault SecretClient is built (managed identity on Azure). Tests swap the factory
// to reach a local stand-in of the secrets REST API; nothing else may.
import { SecretClient } from "@azure/keyvault-secrets";
import { DefaultAzureCredential } from "@azure/identity";

export type SecretClientFactory = (vaultUri: string, managedIdentityClientId?: string) => SecretClient;

const defaultFactory: SecretClientFactory = (vaultUri, managedIdentityClientId) =>
  new SecretClient(vaultUri, new DefaultAzureCredential(managedIdentityClientId ? { managedIdentityClientId } : {}));

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
