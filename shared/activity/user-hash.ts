// userName as the activity log keeps it: HMAC-SHA256 of its folded form (NFC, lower case: the same
// userName Entra sends in another case finds the same entries) under the stamp's activity key, so support
// can search by userName while no row holds one. Without the key (a Key Vault secret) a hash says nothing.
import { createHmac } from "node:crypto";

export interface UserHasher {
  hash(userName: string): Promise<string>;
}

export function userHasher(key: () => Promise<Buffer>): UserHasher {
  return {
    hash: async (userName) =>
      createHmac("sha256", await key())
        .update(userName.normalize("NFC").toLowerCase(), "utf8")
        .digest("base64url"),
  };
}
