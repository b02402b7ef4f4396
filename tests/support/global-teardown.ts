import type { ChildProcess } from "node:child_process";
import { stopAzurite } from "../../scripts/azurite";

export default async function globalTeardown(): Promise<void> {
  await stopAzurite((globalThis as { __AZURITE__?: ChildProcess }).__AZURITE__);
}
