import type { ChildProcess } from "node:child_process";
import { stopAzurite } from "./azurite";

export default async function globalTeardown(): Promise<void> {
  await stopAzurite((globalThis as { __AZURITE__?: ChildProcess }).__AZURITE__);
}
