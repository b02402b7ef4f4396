// SSRF rules for webhook URLs: where a delivery may go. Checked twice: when an endpoint is registered
// (scheme, an IP literal's range) and at every attempt AFTER DNS resolution — the connection is made to
// the very address that was checked (the request's `lookup` hands it over), so a name that resolves to
// loopback, or re-resolves to it later (DNS rebinding), is refused like the literal address.
//
// Hand-written on node:net's BlockList (no library does "resolve, check every address, pin the socket"
// for node:http's own agent without replacing it); the ranges are IANA's special-purpose registries.
import { BlockList, isIP } from "node:net";

/** Addresses a delivery never goes to, whatever the endpoint's flags: the cloud metadata and platform services. */
const ALWAYS_BLOCKED = new BlockList();
ALWAYS_BLOCKED.addSubnet("169.254.0.0", 16, "ipv4"); // link-local, the instance metadata service (169.254.169.254)
ALWAYS_BLOCKED.addAddress("168.63.129.16", "ipv4"); // Azure's platform wire server
ALWAYS_BLOCKED.addSubnet("fe80::", 10, "ipv6"); // link-local
ALWAYS_BLOCKED.addAddress("fd00:ec2::254", "ipv6"); // a metadata service's IPv6 address

/** Addresses a delivery goes to only when the endpoint was registered with allow-private-network. */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["172.16.0.0", 12],
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const)
  PRIVATE.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["64:ff9b::", 96], // NAT64: may translate to any IPv4 address, private ones included
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local
  ["ff00::", 8], // multicast
] as const)
  PRIVATE.addSubnet(net, bits, "ipv6");

/** Why an address is refused, or undefined when a delivery may go there. */
export function refusal(address: string, allowPrivateNetwork: boolean): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]; // IPv4-mapped IPv6: judged as the IPv4 address
  const ip = mapped ?? address;
  const family = isIP(ip) === 6 ? "ipv6" : isIP(ip) === 4 ? "ipv4" : undefined;
  if (!family) return `${address} is not an IP address`;
  if (ALWAYS_BLOCKED.check(ip, family)) return `${address} is link-local or a platform metadata address (never allowed)`;
  if (!allowPrivateNetwork && PRIVATE.check(ip, family)) return `${address} is a private, loopback or reserved address`;
  return undefined;
}

/** A URL as registered: absolute http(s), no credentials in it, https unless private networks are allowed. Throws with the reason. */
export function checkEndpointUrl(raw: string, allowPrivateNetwork: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`'${raw}' is not an absolute URL.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`The webhook URL must be https (got ${url.protocol}).`);
  if (url.protocol === "http:" && !allowPrivateNetwork) throw new Error("The webhook URL must be https (http only with --allow-private-network).");
  if (url.username || url.password) throw new Error("The webhook URL must not hold credentials (user:password@).");
  if (url.hash) throw new Error("The webhook URL must not have a #fragment.");
  const host = hostOf(url);
  if (isIP(host)) {
    const why = refusal(host, allowPrivateNetwork);
    if (why) throw new Error(`The webhook URL is refused: ${why}${allowPrivateNetwork ? "" : " (allowed only with --allow-private-network)"}.`);
  }
  return url;
}

/** The URL's host as a name or a bare IP address ([::1] → ::1). */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1");

/** What may be shown of a URL (status page, logs, CLI lists): its origin and path, never its query. */
export const labelOf = (raw: string) => {
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}`;
  } catch {
    return "(invalid URL)";
  }
};
