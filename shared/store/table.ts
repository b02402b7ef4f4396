// The TableClient for the configured account (connection string locally, managed identity on Azure).
// Built by the composition root; @azure/identity is loaded only when the endpoint form needs it.
import type { TableClient } from "@azure/data-tables";
import type * as DataTables from "@azure/data-tables";
import type { TokenCredential } from "@azure/core-auth";
import { fromTableError } from "./errors";

export interface TableSettings {
  /** Table Storage by connection string (Azurite or an account); wins over the endpoint. */
  storageConnectionString?: string;
  /** Table Storage by endpoint with Entra ID auth (managed identity on Azure). */
  storageTableEndpoint?: string;
  tableName: string;
  managedIdentityClientId?: string;
}

/**
 * The SDK retries throttling (503 ServerBusy), timeouts and network errors itself; its default backs
 * off 1, 2, 4 s per call, which a request making several calls could not afford within Entra's 60 s.
 * Two quick retries, then the store answers 503 + Retry-After and Entra retries the whole request.
 */
const RETRY = { maxRetries: 2, retryDelayInMs: 250, maxRetryDelayInMs: 2000 };

/**
 * The Table SDK, required on first use rather than at import: the entry module's load is every
 * instance's cold start, and Test Connection is the first thing that needs storage anyway.
 */
export function dataTables(): typeof DataTables {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (cold start)
  return require("@azure/data-tables") as typeof DataTables;
}

export function createTableClient(s: TableSettings): TableClient {
  const { TableClient } = dataTables();
  if (s.storageConnectionString) {
    return TableClient.fromConnectionString(s.storageConnectionString, s.tableName, {
      allowInsecureConnection: isLoopback(s.storageConnectionString),
      retryOptions: RETRY,
    });
  }
  if (s.storageTableEndpoint) {
    // Loaded here only: @azure/identity is large, and a connection string never needs it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
    const credential: TokenCredential = new DefaultAzureCredential(s.managedIdentityClientId ? { managedIdentityClientId: s.managedIdentityClientId } : {});
    return new TableClient(s.storageTableEndpoint, s.tableName, credential, { retryOptions: RETRY });
  }
  throw new Error("No Table Storage configured: set SCIM_STORAGE_CONNECTION_STRING or SCIM_STORAGE_TABLE_ENDPOINT.");
}

/** The account's table service (the event log lists and drops its day tables through it). */
export function createTableServiceClient(s: TableSettings): DataTables.TableServiceClient {
  const { TableServiceClient } = dataTables();
  if (s.storageConnectionString) {
    return TableServiceClient.fromConnectionString(s.storageConnectionString, {
      allowInsecureConnection: isLoopback(s.storageConnectionString),
      retryOptions: RETRY,
    });
  }
  if (s.storageTableEndpoint) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
    const credential: TokenCredential = new DefaultAzureCredential(s.managedIdentityClientId ? { managedIdentityClientId: s.managedIdentityClientId } : {});
    return new TableServiceClient(s.storageTableEndpoint, credential, { retryOptions: RETRY });
  }
  throw new Error("No Table Storage configured: set SCIM_STORAGE_CONNECTION_STRING or SCIM_STORAGE_TABLE_ENDPOINT.");
}

function isLoopback(connectionString: string): boolean {
  return /UseDevelopmentStorage=true|=http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/i.test(connectionString);
}

/** Creates the table once (409 = exists); a failure is retried by the next caller. Infra creates it on Azure. */
export function tableReadiness(table: TableClient): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () => {
    ready ??= table.createTable().catch((e: unknown) => {
      ready = undefined;
      throw fromTableError(e);
    });
    return ready;
  };
}
