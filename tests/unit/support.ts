// Assertions for the pure protocol tests: a thrown ScimError with its status and scimType.
import { ScimError } from "../../shared/scim/errors";

export function thrownScimError(fn: () => unknown): { status: number; scimType?: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScimError) return { status: e.status, scimType: e.scimType };
    throw e;
  }
  throw new Error("expected a ScimError, nothing was thrown");
}
