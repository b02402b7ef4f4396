// Jest global setup: one in-memory Azurite for the whole run; workers read its connection string.
import { startAzurite } from "../../scripts/azurite";

export default async function globalSetup(): Promise<void> {
  const { child, connectionString } = await startAzurite();
  process.env.SCIM_STORAGE_CONNECTION_STRING = connectionString;
  (globalThis as { __AZURITE__?: unknown }).__AZURITE__ = child;
}
