// jose (JWTs, JWKs), required on first use: a static Secret Token never needs it, and the entry module's
// load is every instance's cold start. jose ships ES modules only; Node 20.19+ requires them natively.
import type * as Jose from "jose";

let loaded: typeof Jose | undefined;

export function jose(): typeof Jose {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (cold start)
  loaded ??= require("jose") as typeof Jose;
  return loaded;
}
