// The TableClient for the configured account (connection string locally, managed identity on Azure),
// created once per process, and a per-request round-trip counter.
import { TableClient } from "@azure/data-tables";
import { DefaultAzureCredential } from "@azure/identity";
import { Config } from "../config";
import { fromTableError } from "./errors";

let client: TableClient | undefined;
let ready: Promise<void> | undefined;
let clientKey = "";

/**
 * The SDK retries throttling (503 ServerBusy), timeouts and network errors itself; its default backs
 * off 1, 2, 4 s per call, which a request making several calls could not afford within Entra's 60 s.
 * Two quick retries, then the store answers 503 + Retry-After and Entra retries the whole request.
 */
const RETRY = { maxRetries: 2, retryDelayInMs: 250, maxRetryDelayInMs: 2000 };

export function tableClient(cfg: Config): TableClient {
  const key = `${cfg.storageConnectionString ?? ""}|${cfg.storageTableEndpoint ?? ""}|${cfg.tableName}`;
  if (client && clientKey === key) return client;
  if (cfg.storageConnectionString) {
    client = TableClient.fromConnectionString(cfg.storageConnectionString, cfg.tableName, { allowInsecureConnection: isLoopback(cfg.storageConnectionString), retryOptions: RETRY });
  } else if (cfg.storageTableEndpoint) {
    const credential = new DefaultAzureCredential(cfg.managedIdentityClientId ? { managedIdentityClientId: cfg.managedIdentityClientId } : {});
    client = new TableClient(cfg.storageTableEndpoint, cfg.tableName, credential, { retryOptions: RETRY });
  } else {
    throw new Error("No Table Storage configured: set SCIM_STORAGE_CONNECTION_STRING or SCIM_STORAGE_TABLE_ENDPOINT.");
  }
  clientKey = key;
  ready = undefined;
  return client;
}

function isLoopback(connectionString: string): boolean {
  return /UseDevelopmentStorage=true|=http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/i.test(connectionString);
}

/** Creates the table once per process (409 = exists). Infra creates it on Azure; this covers local runs. */
export function ensureTable(table: TableClient): Promise<void> {
  ready ??= table.createTable().catch((e) => {
    ready = undefined;
    throw fromTableError(e);
  });
  return ready;
}
