// SSRF guard: webhook URLs are typed by users, so by default we refuse to connect to
// loopback, private, link-local and cloud-metadata addresses, nor to this machine's own
// interface addresses. Addresses and ranges are ipaddr.js's. The check runs inside the
// socket's DNS lookup, so the connection uses exactly the address that was checked (no
// window for DNS rebinding between check and connect).
import dns from "node:dns";
import net from "node:net";
import os from "node:os";
import ipaddr from "ipaddr.js";
import { env } from "@/lib/env";

export class SsrfBlockedError extends Error {
  readonly code = "ERR_WEBHOOK_SSRF";
  constructor(message: string) {
    super(message);
    this.name = "SsrfBlockedError";
  }
}

type Ip = ipaddr.IPv4 | ipaddr.IPv6;

interface Cidr {
  range: [Ip, number];
  label: string;
}

/**
 * A standard dotted-quad IPv4 or IPv6 address (brackets and a zone id allowed, as in URLs
 * and link-local lookups), else undefined. net.isIP first: ipaddr.js alone would also read
 * "127.1" or "2130706433" as addresses, which a host name in the allow list may well be.
 */
function parseIp(input: string): Ip | undefined {
  const s = input.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (net.isIPv4(s)) return ipaddr.IPv4.parse(s);
  if (!net.isIPv6(s)) return undefined;
  // ipaddr.js reads "::a.b.c.d" as ::ffff:a.b.c.d; the URL parser writes the dotted tail in
  // hex, so ::0.0.0.1 stays ::1.
  try {
    return ipaddr.IPv6.parse(new URL(`http://[${s}]/`).hostname.slice(1, -1));
  } catch {
    return undefined;
  }
}

function parseCidr(entry: string, label = "allowed"): Cidr | undefined {
  const [addr = "", len] = entry.trim().split("/");
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const max = ip instanceof ipaddr.IPv4 ? 32 : 128;
  if (len !== undefined && !/^\d+$/.test(len)) return undefined;
  const bits = len === undefined ? max : Number(len);
  if (bits > max) return undefined;
  return { range: [ip, bits], label };
}

const inCidr = (ip: Ip, c: Cidr): boolean => ip.kind() === c.range[0].kind() && ip.match(c.range);

const cidrs = (label: string, list: string[]) => list.map((e) => parseCidr(e, label)).filter((c): c is Cidr => !!c);

// Most specific first, so the message names the metadata service rather than "link-local".
const BLOCKED_V4: Cidr[] = [
  ...cidrs("cloud metadata", ["169.254.169.254/32", "100.100.100.200/32", "192.0.0.192/32"]),
  ...cidrs("loopback", ["127.0.0.0/8"]),
  ...cidrs("unspecified", ["0.0.0.0/8"]),
  ...cidrs("private", ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]),
  ...cidrs("shared (carrier-grade NAT)", ["100.64.0.0/10"]),
  ...cidrs("link-local", ["169.254.0.0/16"]),
  ...cidrs("reserved", ["192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4"]),
  ...cidrs("multicast", ["224.0.0.0/4"]),
];
const BLOCKED_V6: Cidr[] = [
  ...cidrs("cloud metadata", ["fd00:ec2::254/128"]),
  ...cidrs("loopback", ["::1/128"]),
  ...cidrs("unspecified", ["::/128"]),
  ...cidrs("private (unique local)", ["fc00::/7"]),
  ...cidrs("link-local", ["fe80::/10"]),
  ...cidrs("site-local", ["fec0::/10"]),
  ...cidrs("multicast", ["ff00::/8"]),
  ...cidrs("reserved", ["100::/64", "64:ff9b:1::/48"]),
];
// IPv6 forms that carry an IPv4 address: judged by that address.
const [NAT64, COMPAT, UNSPECIFIED_OR_LOOPBACK, SIX_TO_FOUR, TEREDO] = cidrs("embedding", [
  "64:ff9b::/96",
  "::/96",
  "::/127",
  "2002::/16",
  "2001::/32",
]);

/** The IPv4 address inside an IPv4-mapped, IPv4-compatible, NAT64, 6to4 or Teredo address. */
function embeddedV4(ip: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const at = (from: number) => new ipaddr.IPv4(ip.toByteArray().slice(from, from + 4));
  const inside = (c: Cidr | undefined) => !!c && inCidr(ip, c);
  if (ip.isIPv4MappedAddress() || inside(NAT64)) return at(12);
  // ::/96 also covers :: and ::1, which are judged as IPv6.
  if (inside(COMPAT) && !inside(UNSPECIFIED_OR_LOOPBACK)) return at(12);
  if (inside(SIX_TO_FOUR)) return at(2);
  // Teredo: the client's address, stored inverted in the last 32 bits.
  if (inside(TEREDO)) return new ipaddr.IPv4(at(12).octets.map((o) => o ^ 0xff));
  return undefined;
}

/** The address itself and, for an IPv6 form that carries one, the IPv4 address inside. */
function forms(ip: Ip): Ip[] {
  const embedded = ip instanceof ipaddr.IPv6 ? embeddedV4(ip) : undefined;
  return embedded ? [ip, embedded] : [ip];
}

/** Why `address` is off limits (e.g. "loopback"), or undefined when it is a public address. */
export function blockedReason(address: string): string | undefined {
  const ip = parseIp(address);
  if (!ip) return "unparseable";
  if (ip instanceof ipaddr.IPv4) return BLOCKED_V4.find((c) => inCidr(ip, c))?.label;
  const embedded = embeddedV4(ip);
  const label = embedded && BLOCKED_V4.find((c) => inCidr(embedded, c))?.label;
  return label || BLOCKED_V6.find((c) => inCidr(ip, c))?.label;
}

// The machine's own addresses (its LAN or public IP) reach services listening on it, though
// no range above covers them. The list can change (DHCP, VPN up), so it is re-read every few seconds.
const INTERFACES_TTL_MS = 5_000;
let interfaces: { readAt: number; byAddress: Map<string, string> } | undefined;

const addressKey = (ip: Ip): string => ip.toNormalizedString();

function ownAddresses(): Map<string, string> {
  const now = Date.now();
  const age = interfaces ? now - interfaces.readAt : Infinity;
  // A clock stepped back (age < 0) also re-reads.
  if (interfaces && age >= 0 && age < INTERFACES_TTL_MS) return interfaces.byAddress;
  const byAddress = new Map<string, string>();
  let list: ReturnType<typeof os.networkInterfaces> = {};
  try {
    list = os.networkInterfaces();
  } catch {
    // Unreadable (some sandboxes): the ranges above still refuse loopback and private addresses.
  }
  for (const [name, infos] of Object.entries(list)) {
    for (const info of infos ?? []) {
      const ip = parseIp(info.address);
      if (ip) byAddress.set(addressKey(ip), name);
    }
  }
  interfaces = { readAt: now, byAddress };
  return byAddress;
}

/** The name of this machine's network interface that has `address` (or the IPv4 address it carries), else undefined. */
export function ownInterface(address: string): string | undefined {
  const ip = parseIp(address);
  if (!ip) return undefined;
  const own = ownAddresses();
  for (const form of forms(ip)) {
    const name = own.get(addressKey(form));
    if (name) return name;
  }
  return undefined;
}

export interface SsrfPolicy {
  allowAll: boolean;
  hosts: Set<string>;
  /** From "*.example.com" entries: matches sub.example.com. */
  suffixes: string[];
  cidrs: Cidr[];
}

export function parsePolicy(allowPrivate: boolean, allowedHosts: string | undefined): SsrfPolicy {
  const policy: SsrfPolicy = { allowAll: allowPrivate, hosts: new Set(), suffixes: [], cidrs: [] };
  for (const raw of (allowedHosts ?? "").split(",")) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    const cidr = parseCidr(entry);
    if (cidr) policy.cidrs.push(cidr);
    else if (entry.startsWith("*.")) policy.suffixes.push(entry.slice(1));
    else policy.hosts.add(entry.replace(/^\[|\]$/g, ""));
  }
  return policy;
}

let cached: { key: string; policy: SsrfPolicy } | undefined;
/** The policy from WEBHOOK_ALLOW_PRIVATE_NETWORK and WEBHOOK_ALLOWED_HOSTS, re-read when they change. */
function currentPolicy(): SsrfPolicy {
  const raw = process.env;
  const key = `${raw.WEBHOOK_ALLOW_PRIVATE_NETWORK ?? ""}|${raw.WEBHOOK_ALLOWED_HOSTS ?? ""}`;
  if (cached?.key !== key) {
    const e = env();
    cached = { key, policy: parsePolicy(e.WEBHOOK_ALLOW_PRIVATE_NETWORK, e.WEBHOOK_ALLOWED_HOSTS) };
  }
  return cached.policy;
}

function hostAllowed(policy: SsrfPolicy, hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return policy.allowAll || policy.hosts.has(h) || policy.suffixes.some((s) => h.endsWith(s));
}

/** Undefined when `address` may be used for `hostname`, else the refusal. */
export function checkAddress(policy: SsrfPolicy, hostname: string, address: string): SsrfBlockedError | undefined {
  if (hostAllowed(policy, hostname)) return undefined;
  const reason = blockedReason(address);
  const iface = reason ? undefined : ownInterface(address);
  if (!reason && !iface) return undefined;
  const ip = parseIp(address);
  if (ip && forms(ip).some((form) => policy.cidrs.some((c) => inCidr(form, c)))) return undefined;
  const shown = hostname === address ? address : `${hostname} (${address})`;
  const why = reason
    ? `${reason} address. Requests to loopback, private, link-local and metadata addresses are blocked to prevent SSRF.`
    : `an address of this machine (network interface ${iface}). Requests to the server's own addresses reach its local ` +
      `services and are blocked to prevent SSRF.`;
  return new SsrfBlockedError(
    `Refused to connect to ${shown}: ${why} To allow it, set WEBHOOK_ALLOW_PRIVATE_NETWORK=1, or add the host or ` +
      `a CIDR to WEBHOOK_ALLOWED_HOSTS (e.g. WEBHOOK_ALLOWED_HOSTS=${hostname.includes(":") ? `${address}/128` : hostname}).`,
  );
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request: resolves, drops refused addresses, and fails with an
 * SsrfBlockedError when none is left. Handles both the single and the `all` form
 * (Node's autoSelectFamily asks for all addresses).
 */
export function guardedLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  const policy = currentPolicy();
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, "", 0);
    const list = addresses as dns.LookupAddress[];
    let refusal: SsrfBlockedError | undefined;
    const ok = list.filter((a) => {
      const e = checkAddress(policy, hostname, a.address);
      refusal ??= e;
      return !e;
    });
    const first = ok[0];
    if (!first) {
      return callback(refusal ?? Object.assign(new Error(`No address for ${hostname}`), { code: "ENOTFOUND" }), "", 0);
    }
    if (options.all) callback(null, ok);
    else callback(null, first.address, first.family);
  });
}

/** For IP-literal URLs, which never reach the lookup hook. */
export function checkLiteralHost(hostname: string): SsrfBlockedError | undefined {
  const h = hostname.replace(/^\[|\]$/g, "");
  return net.isIP(h) ? checkAddress(currentPolicy(), h, h) : undefined;
}
