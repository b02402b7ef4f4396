// PartitionKey/RowKey builders and key escaping. Table keys forbid / \ # ? and control characters and
// are limited to 512 UTF-16 units in Azurite (1 KiB on Azure), so values are percent-escaped and long
// ones replaced by a SHA-256 digest.
import { createHash } from "node:crypto";

// eslint-disable-next-line no-control-regex -- Table keys forbid U+0000–U+001F and U+007F–U+009F: they are escaped
const FORBIDDEN = /[%/\\#?\u0000-\u001f\u007f-\u009f]/g;
const MAX_ENCODED = 400;

// eslint-disable-next-line no-control-regex -- as above, and ":" for separable values
const FORBIDDEN_AND_COLON = /[%/\\#?:\u0000-\u001f\u007f-\u009f]/g;

/**
 * Escapes a value for use inside a key; values too long for a key become `~<sha256>`. With
 * `separable`, ':' is escaped too, so `<value>:` is an exact prefix (index rows keyed value + id).
 */
export function encodeKeyPart(value: string, separable = false): string {
  const escaped = value.replace(separable ? FORBIDDEN_AND_COLON : FORBIDDEN, (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase());
  if (escaped.length <= MAX_ENCODED) return escaped;
  return "~" + createHash("sha256").update(value, "utf8").digest("base64url");
}

/** The partition of a tenant: everything of one tenant lives in it, so one tenant's writes are one transaction. */
export function tenantPartition(tenant: string): string {
  return "t:" + encodeKeyPart(tenant);
}

/** The tenant key of a tenant partition (keys over 400 characters, kept as a digest, stay the digest). */
export function tenantOfPartition(partitionKey: string): string {
  return partitionKey.slice(2).replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Case-insensitive index values (userName, displayName) are keyed on their NFC lower-case form. */
export const foldCase = (value: string) => value.normalize("NFC").toLowerCase();

/** Row-key prefixes: one letter per row kind, so each kind is one contiguous range. */
export const ROW = {
  user: "U:",
  group: "G:",
  userName: "N:",
  userExternalId: "X:",
  displayName: "D:",
  groupExternalId: "Y:",
  member: "M:",
  memberOf: "R:",
  deletedGroup: "Z:",
  settings: "P:",
  outbox: "E:",
  eventLog: "Q:",
  webhook: "W:",
} as const;

/** Upper bound of a prefix range: `RowKey ge 'U:' and RowKey lt 'U;'`. */
export function rangeEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
