// SSRF guard: webhook URLs are typed by users, so by default we refuse to connect to
// loopback, private, link-local and cloud-metadata addresses. The check runs inside the
// socket's DNS lookup, so the connection uses exactly the address that was checked (no
// window for DNS rebinding between check and connect).
import dns from "node:dns";
import net from "node:net";

export class SsrfBlockedError extends Error {
  readonly code = "ERR_WEBHOOK_SSRF";
  constructor(message: string) {
    super(message);
    this.name = "SsrfBlockedError";
  }
}

interface Cidr {
  v6: boolean;
  base: bigint;
  bits: number;
  label: string;
}

function parseV4(s: string): bigint | undefined {
  if (!net.isIPv4(s)) return undefined;
  return s.split(".").reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function parseV6(input: string): bigint | undefined {
  const s = input.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (!net.isIPv6(s)) return undefined;
  let head = s;
  let tailV4: bigint | undefined;
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    tailV4 = parseV4(s.slice(lastColon + 1));
    head = s.slice(0, lastColon + 1) + "0:0";
  }
  const [left = "", right] = head.split("::");
  const l = left ? left.split(":") : [];
  const r = right !== undefined && right !== "" ? right.split(":") : [];
  const fill = right !== undefined ? 8 - l.length - r.length : 0;
  const groups = [...l, ...Array<string>(Math.max(0, fill)).fill("0"), ...r];
  if (groups.length !== 8) return undefined;
  let v = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || "0", 16)), 0n);
  if (tailV4 !== undefined) v = (v & ~0xffffffffn) | tailV4;
  return v;
}

function parseCidr(entry: string, label = "allowed"): Cidr | undefined {
  const [addr = "", len] = entry.trim().split("/");
  const v4 = parseV4(addr);
  const v6 = v4 === undefined ? parseV6(addr) : undefined;
  if (v4 === undefined && v6 === undefined) return undefined;
  const max = v4 !== undefined ? 32 : 128;
  const bits = len === undefined ? max : Number(len);
  if (!Number.isInteger(bits) || bits < 0 || bits > max) return undefined;
  return { v6: v4 === undefined, base: (v4 ?? v6 ?? 0n), bits, label };
}

function inCidr(v: bigint, v6: boolean, c: Cidr): boolean {
  if (c.v6 !== v6) return false;
  const shift = BigInt((v6 ? 128 : 32) - c.bits);
  return v >> shift === c.base >> shift;
}

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
const MAPPED = cidrs("mapped", ["::ffff:0:0/96"])[0];
const COMPAT = cidrs("compatible", ["::/96"])[0];
const NAT64 = cidrs("nat64", ["64:ff9b::/96"])[0];
const SIX_TO_FOUR = cidrs("6to4", ["2002::/16"])[0];

/** Why `address` is off limits (e.g. "loopback"), or undefined when it is a public address. */
export function blockedReason(address: string): string | undefined {
  const v4 = parseV4(address);
  if (v4 !== undefined) return BLOCKED_V4.find((c) => inCidr(v4, false, c))?.label;
  const v6 = parseV6(address);
  if (v6 === undefined) return "unparseable";
  const embedded = embeddedV4(v6);
  if (embedded !== undefined) {
    const label = BLOCKED_V4.find((c) => inCidr(embedded, false, c))?.label;
    if (label) return label;
    // ::/96 also covers :: and ::1, which are judged as IPv6 below.
  }
  return BLOCKED_V6.find((c) => inCidr(v6, true, c))?.label;
}

function embeddedV4(v6: bigint): bigint | undefined {
  if ((MAPPED && inCidr(v6, true, MAPPED)) || (NAT64 && inCidr(v6, true, NAT64))) return v6 & 0xffffffffn;
  if (COMPAT && inCidr(v6, true, COMPAT) && v6 > 1n) return v6 & 0xffffffffn;
  if (SIX_TO_FOUR && inCidr(v6, true, SIX_TO_FOUR)) return (v6 >> 80n) & 0xffffffffn;
  return undefined;
}

export interface SsrfPolicy {
  allowAll: boolean;
  hosts: Set<string>;
  /** From "*.example.com" entries: matches sub.example.com. */
  suffixes: string[];
  cidrs: Cidr[];
}

export function parsePolicy(allowPrivate: string | undefined, allowedHosts: string | undefined): SsrfPolicy {
  const policy: SsrfPolicy = { allowAll: allowPrivate === "1" || allowPrivate === "true", hosts: new Set(), suffixes: [], cidrs: [] };
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
export function currentPolicy(env: NodeJS.ProcessEnv = process.env): SsrfPolicy {
  const key = `${env.WEBHOOK_ALLOW_PRIVATE_NETWORK ?? ""}|${env.WEBHOOK_ALLOWED_HOSTS ?? ""}`;
  if (cached?.key !== key) cached = { key, policy: parsePolicy(env.WEBHOOK_ALLOW_PRIVATE_NETWORK, env.WEBHOOK_ALLOWED_HOSTS) };
  return cached.policy;
}

export function hostAllowed(policy: SsrfPolicy, hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return policy.allowAll || policy.hosts.has(h) || policy.suffixes.some((s) => h.endsWith(s));
}

/** Undefined when `address` may be used for `hostname`, else the refusal. */
export function checkAddress(policy: SsrfPolicy, hostname: string, address: string): SsrfBlockedError | undefined {
  if (hostAllowed(policy, hostname)) return undefined;
  const reason = blockedReason(address);
  if (!reason) return undefined;
  const v4 = parseV4(address);
  const value = v4 ?? parseV6(address);
  if (value !== undefined && policy.cidrs.some((c) => inCidr(value, v4 === undefined, c))) return undefined;
  const shown = hostname === address ? address : `${hostname} (${address})`;
  return new SsrfBlockedError(
    `Refused to connect to ${shown}: ${reason} address. Requests to loopback, private, link-local and metadata ` +
      `addresses are blocked to prevent SSRF. To allow it, set WEBHOOK_ALLOW_PRIVATE_NETWORK=1, or add the host or ` +
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
