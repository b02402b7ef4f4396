// The string formats of RFC 7643 §2.3 data types (dateTime, reference, binary) and the integer range,
// as predicates shared by coercion (coerce.ts) and the stored-resource validator (validate.ts), so the
// two agree on what a valid value is. Pure: no I/O.

/** xsd:dateTime (RFC 7643 §2.3.5): `2008-01-23T04:56:22Z`, fraction and offset optional, calendar-checked. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$/;

export function isDateTime(text: string): boolean {
  const m = DATE_TIME.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (minute > 59 || second > 59) return false;
  // 24:00:00 is the end of the day (xsd allows it, with nothing after it).
  if (hour > 24 || (hour === 24 && (minute !== 0 || second !== 0 || /[1-9]/.test(m[7] ?? "")))) return false;
  if (m[9] !== undefined && m[10] !== undefined) {
    const offsetHours = Number(m[9]);
    const offsetMinutes = Number(m[10]);
    if (offsetMinutes > 59 || offsetHours > 14 || (offsetHours === 14 && offsetMinutes !== 0)) return false;
  }
  return true;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Only the characters RFC 3986 allows in a URI (§2): unreserved, reserved, and %-escapes. */
const URI_CHARACTERS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** A reference (RFC 7643 §2.3.7): an absolute or relative URI (RFC 3986 §4.1 URI-reference). */
export function isUriReference(text: string): boolean {
  if (!URI_CHARACTERS.test(text)) return false;
  if (SCHEME.test(text)) return true;
  // A relative reference's first segment has no ":" (RFC 3986 §4.2), or it would read as a scheme.
  return !(/^[^/?#]*/.exec(text)?.[0] ?? "").includes(":");
}

/** binary (RFC 7643 §2.3.6): base64 (RFC 4648 §4, padded), or base64url (§5, padding optional); no line breaks. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;

export function isBase64(text: string): boolean {
  return BASE64.test(text) || BASE64URL.test(text);
}

/** integer (RFC 7643 §2.3.4): a JSON integer that a JavaScript number holds exactly (stored exactly as sent, Q13). */
export const isExactInteger = (n: number): boolean => Number.isSafeInteger(n);

/** "a string", "a number", "null"… — how a detail message names the JSON type a client sent. */
export function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}
