// Resource versions (meta.version, the ETag header): an opaque token renewed on every write, including
// the membership "touch" that cannot read the group first (so a counter would not do).
import { randomBytes } from "node:crypto";

/** Time-ordered for readability in storage, random so two writes in one millisecond still differ. */
export const newVersion = (): string => Date.now().toString(36) + randomBytes(3).toString("hex");
