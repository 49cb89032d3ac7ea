import dns from "node:dns";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { sendRequest } from "./http-send";
import { SsrfBlockedError, blockedReason, checkAddress, checkLiteralHost, guardedLookup, ownInterface, parsePolicy } from "./ssrf";

describe("blockedReason", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.20.0.1", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "cloud metadata"],
    ["169.254.10.1", "link-local"],
    ["100.64.0.1", "shared (carrier-grade NAT)"],
    ["0.0.0.0", "unspecified"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fd00:ec2::254", "cloud metadata"],
    ["fc00::1", "private (unique local)"],
    ["fe80::1%eth0", "link-local"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "cloud metadata"],
    ["::127.0.0.1", "loopback"],
    ["64:ff9b::10.0.0.1", "private"],
    ["2002:7f00:1::", "loopback"],
    ["ff02::1", "multicast"],
  ])("%s is %s", (addr, reason) => {
    expect(blockedReason(addr)).toBe(reason);
  });

  it.each(["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "172.32.0.1"])("%s is public", (addr) => {
    expect(blockedReason(addr)).toBeUndefined();
  });
});

describe("policy", () => {
  it("allows listed hosts, wildcard suffixes and CIDRs", () => {
    const p = parsePolicy(false, "hooks.internal, *.corp.example, 10.0.0.0/8, fd00::/8");
    expect(checkAddress(p, "hooks.internal", "10.9.9.9")).toBeUndefined();
    expect(checkAddress(p, "a.corp.example", "192.168.0.1")).toBeUndefined();
    expect(checkAddress(p, "other", "10.2.3.4")).toBeUndefined();
    expect(checkAddress(p, "other", "fd12::1")).toBeUndefined();
    expect(checkAddress(p, "other", "127.0.0.1")?.message).toMatch(/loopback/);
  });
  it("says how to allow a refused address", () => {
    const e = checkAddress(parsePolicy(false, ""), "localhost", "127.0.0.1");
    expect(e?.message).toContain("WEBHOOK_ALLOW_PRIVATE_NETWORK=1");
    expect(e?.message).toContain("WEBHOOK_ALLOWED_HOSTS");
  });
  it("WEBHOOK_ALLOW_PRIVATE_NETWORK=1 allows everything", () => {
    expect(checkAddress(parsePolicy(true, ""), "x", "127.0.0.1")).toBeUndefined();
  });
});

describe("sendRequest with the guard", () => {
  let server: http.Server;
  let port = 0;
  let hits = 0;
  const saved = { ...process.env };
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      hits += 1;
      res.end("ok");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise((r) => server.close(r));
  });

  it("refuses loopback by IP literal and by name (after DNS), without connecting", async () => {
    delete process.env.WEBHOOK_ALLOW_PRIVATE_NETWORK;
    delete process.env.WEBHOOK_ALLOWED_HOSTS;
    const a = await sendRequest({ method: "POST", url: `http://127.0.0.1:${port}/x`, headers: {}, body: "{}", timeoutMs: 2000 });
    expect(a.permanent).toBe(true);
    expect(a.error).toMatch(/loopback/);
    const b = await sendRequest({ method: "POST", url: `http://localhost:${port}/x`, headers: {}, body: "{}", timeoutMs: 2000 });
    expect(b.permanent).toBe(true);
    expect(b.error).toMatch(/WEBHOOK_ALLOW_PRIVATE_NETWORK/);
    const c = await sendRequest({ method: "POST", url: `http://[::ffff:127.0.0.1]:${port}/x`, headers: {}, body: "{}", timeoutMs: 2000 });
    expect(c.permanent).toBe(true);
    expect(hits).toBe(0);
  });

  it("sends when the host is allow-listed", async () => {
    process.env.WEBHOOK_ALLOWED_HOSTS = "localhost";
    const r = await sendRequest({ method: "POST", url: `http://localhost:${port}/x`, headers: {}, body: "{}", timeoutMs: 2000 });
    expect(r.httpStatus).toBe(200);
    process.env.WEBHOOK_ALLOWED_HOSTS = "127.0.0.0/8";
    const r2 = await sendRequest({ method: "POST", url: `http://127.0.0.1:${port}/x`, headers: {}, body: "{}", timeoutMs: 2000 });
    expect(r2.httpStatus).toBe(200);
    expect(hits).toBe(2);
  });

  it("opens nothing once shutdown has begun (no request destroyed without its error listener)", async () => {
    process.env.WEBHOOK_ALLOWED_HOSTS = "127.0.0.0/8";
    const stopping = new AbortController();
    stopping.abort();
    const before = hits;
    const r = await sendRequest(
      { method: "POST", url: `http://127.0.0.1:${port}/x`, headers: {}, body: "{}", timeoutMs: 2000 },
      stopping.signal,
    );
    expect(r.aborted).toBe(true);
    expect(hits).toBe(before);
    // The old order (destroy, then attach the listener) left a "socket hang up" uncaught, which
    // fails this run as an unhandled error, and in a worker would have crashed the process.
  });
});

describe("address forms (ipaddr.js)", () => {
  it.each([
    ["[::1]", "loopback"],
    ["::0.0.0.1", "loopback"],
    ["0:0:0:0:0:ffff:127.0.0.1", "loopback"],
    ["fe80::1%eth0.100", "link-local"],
    ["fec0::1", "site-local"],
    ["100::1", "reserved"],
    ["64:ff9b:1::1", "reserved"],
    ["100.100.100.200", "cloud metadata"],
    ["192.0.0.192", "cloud metadata"],
    ["198.18.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["224.0.0.1", "multicast"],
    ["::ffff:192.168.0.1", "private"],
    ["64:ff9b::169.254.169.254", "cloud metadata"],
    ["2002:a9fe:a9fe::1", "cloud metadata"],
    // Teredo: the client's IPv4 address, inverted, in the last 32 bits (here 127.0.0.1).
    ["2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"],
  ])("%s is %s", (addr, reason) => {
    expect(blockedReason(addr)).toBe(reason);
  });

  const carryPublic = ["2001:0:4136:e378:8000:63bf:f7f7:f7f7", "2002:808:808::1", "64:ff9b::8.8.8.8", "::8.8.8.8"];
  it.each(carryPublic)("%s carries a public address", (addr) => {
    expect(blockedReason(addr)).toBeUndefined();
  });

  it.each(["127.1", "2130706433", "0x7f.0.0.1", "010.0.0.1", "localhost", ""])("%s is not an address", (addr) => {
    expect(blockedReason(addr)).toBe("unparseable");
  });

  it("reads only well-formed CIDRs; anything else is a host name", () => {
    const p = parsePolicy(false, "10.0.0.0/, 10.0.0.0/33, 10.0.0.0/x, 127.1, 192.168.0.0/16");
    expect(p.cidrs).toHaveLength(1);
    expect([...p.hosts]).toEqual(["10.0.0.0/", "10.0.0.0/33", "10.0.0.0/x", "127.1"]);
    expect(checkAddress(p, "other", "10.1.1.1")?.message).toMatch(/private address/);
    expect(checkAddress(p, "other", "192.168.3.4")).toBeUndefined();
  });

  it("an allowed CIDR also covers the IPv4 address inside a mapped or NAT64 address", () => {
    const p = parsePolicy(false, "10.0.0.0/8");
    expect(checkAddress(p, "x", "::ffff:10.1.2.3")).toBeUndefined();
    expect(checkAddress(p, "x", "64:ff9b::10.1.2.3")).toBeUndefined();
    expect(checkAddress(p, "x", "::ffff:192.168.0.1")?.message).toMatch(/private address/);
  });
});

describe("this machine's own addresses", () => {
  const fakeInterfaces = (list: Record<string, string[]>): ReturnType<typeof os.networkInterfaces> =>
    Object.fromEntries(
      Object.entries(list).map(([name, addresses]) => [
        name,
        addresses.map((address) => {
          const v6 = address.includes(":");
          const common = { address, netmask: v6 ? "ffff:ffff:ffff:ffff::" : "255.255.255.0", mac: "02:00:00:00:00:01", internal: false };
          return v6
            ? { ...common, family: "IPv6" as const, cidr: `${address}/64`, scopeid: 0 }
            : { ...common, family: "IPv4" as const, cidr: `${address}/24` };
        }),
      ]),
    );
  // The interface list is cached for a few seconds: each test starts a minute after the last.
  let clock = Date.now();
  const none = parsePolicy(false, "");

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    clock += 60_000;
    vi.setSystemTime(clock);
    vi.spyOn(os, "networkInterfaces").mockReturnValue(fakeInterfaces({ eth0: ["203.0.113.7"], eth1: ["2001:db8::7"] }));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    clock = Date.now();
    vi.useRealTimers();
  });

  it("finds the interface of an address in any of its forms", () => {
    expect(ownInterface("203.0.113.7")).toBe("eth0");
    expect(ownInterface("::ffff:203.0.113.7")).toBe("eth0");
    expect(ownInterface("64:ff9b::203.0.113.7")).toBe("eth0");
    expect(ownInterface("2001:db8:0:0:0:0:0:7")).toBe("eth1");
    expect(ownInterface("[2001:db8::7]")).toBe("eth1");
    expect(ownInterface("203.0.113.8")).toBeUndefined();
    expect(ownInterface("not an address")).toBeUndefined();
  });

  it("refuses them with a message that says how to allow them", () => {
    expect(checkAddress(none, "203.0.113.7", "203.0.113.7")?.message).toBe(
      "Refused to connect to 203.0.113.7: an address of this machine (network interface eth0). Requests to the server's own " +
        "addresses reach its local services and are blocked to prevent SSRF. To allow it, set WEBHOOK_ALLOW_PRIVATE_NETWORK=1, " +
        "or add the host or a CIDR to WEBHOOK_ALLOWED_HOSTS (e.g. WEBHOOK_ALLOWED_HOSTS=203.0.113.7).",
    );
    const byName = checkAddress(none, "me.example", "2001:db8::7");
    expect(byName).toBeInstanceOf(SsrfBlockedError);
    expect(byName?.message).toMatch(
      /^Refused to connect to me\.example \(2001:db8::7\): an address of this machine \(network interface eth1\)\./,
    );
    expect(byName?.message).toContain("WEBHOOK_ALLOWED_HOSTS=me.example");
    expect(checkAddress(none, "other.example", "203.0.113.8")).toBeUndefined();
  });

  it("keeps the range's reason when an own address is also private", () => {
    vi.mocked(os.networkInterfaces).mockReturnValue(fakeInterfaces({ eth0: ["10.0.0.5"] }));
    expect(checkAddress(none, "10.0.0.5", "10.0.0.5")?.message).toMatch(/: private address\. Requests to loopback/);
  });

  it("allows them with the private-network opt-in, an allowed host or an allowed CIDR", () => {
    expect(checkAddress(parsePolicy(true, ""), "203.0.113.7", "203.0.113.7")).toBeUndefined();
    expect(checkAddress(parsePolicy(true, ""), "me.example", "2001:db8::7")).toBeUndefined();
    expect(checkAddress(parsePolicy(false, "me.example"), "me.example", "203.0.113.7")).toBeUndefined();
    expect(checkAddress(parsePolicy(false, "*.example"), "me.example", "203.0.113.7")).toBeUndefined();
    expect(checkAddress(parsePolicy(false, "203.0.113.7"), "me.example", "203.0.113.7")).toBeUndefined();
    expect(checkAddress(parsePolicy(false, "203.0.113.0/24"), "me.example", "::ffff:203.0.113.7")).toBeUndefined();
    expect(checkAddress(parsePolicy(false, "2001:db8::/32"), "me.example", "2001:db8::7")).toBeUndefined();
    expect(checkAddress(parsePolicy(false, "198.51.100.0/24"), "me.example", "203.0.113.7")).toBeInstanceOf(SsrfBlockedError);
  });

  it("re-reads the interface list after a few seconds, not on every check", () => {
    const read = vi.mocked(os.networkInterfaces);
    expect(ownInterface("203.0.113.7")).toBe("eth0");
    read.mockReturnValue(fakeInterfaces({ wlan0: ["198.51.100.20"] }));
    vi.setSystemTime(Date.now() + 1_000);
    expect(ownInterface("203.0.113.7")).toBe("eth0");
    expect(ownInterface("198.51.100.20")).toBeUndefined();
    expect(read).toHaveBeenCalledTimes(1);
    vi.setSystemTime(Date.now() + 10_000);
    expect(ownInterface("203.0.113.7")).toBeUndefined();
    expect(ownInterface("198.51.100.20")).toBe("wlan0");
    expect(read).toHaveBeenCalledTimes(2);
  });

  it("still refuses by range when the interface list cannot be read", () => {
    vi.mocked(os.networkInterfaces).mockImplementation(() => {
      throw Object.assign(new Error("uv_interface_addresses returned Unknown system error 1"), { code: "ERR_SYSTEM_ERROR" });
    });
    expect(ownInterface("203.0.113.7")).toBeUndefined();
    expect(checkAddress(none, "x", "203.0.113.7")).toBeUndefined();
    expect(checkAddress(none, "x", "127.0.0.1")?.message).toMatch(/loopback address/);
  });

  it("applies to IP literals in URLs", () => {
    expect(checkLiteralHost("203.0.113.7")?.message).toMatch(/network interface eth0/);
    expect(checkLiteralHost("[::ffff:203.0.113.7]")?.message).toMatch(
      /^Refused to connect to ::ffff:203\.0\.113\.7: an address of this machine/,
    );
    expect(checkLiteralHost("[2001:db8::7]")?.message).toMatch(/network interface eth1/);
    expect(checkLiteralHost("own.example")).toBeUndefined();
  });

  it("drops them in the DNS lookup hook, keeping the other addresses", async () => {
    const answers: Record<string, dns.LookupAddress[]> = {
      "mixed.example": [
        { address: "203.0.113.7", family: 4 },
        { address: "198.51.100.9", family: 4 },
      ],
      "own.example": [
        { address: "2001:db8::7", family: 6 },
        { address: "::ffff:203.0.113.7", family: 6 },
      ],
    };
    vi.spyOn(dns, "lookup").mockImplementation(((host: string, _options: unknown, cb: (e: null, a: dns.LookupAddress[]) => void) =>
      cb(null, answers[host] ?? [])) as unknown as typeof dns.lookup);
    const lookup = (host: string, all: boolean) =>
      new Promise<{ err: NodeJS.ErrnoException | null; address: string | dns.LookupAddress[] }>((resolve) =>
        guardedLookup(host, { all }, (err, address) => resolve({ err, address })),
      );
    expect(await lookup("mixed.example", false)).toEqual({ err: null, address: "198.51.100.9" });
    expect(await lookup("mixed.example", true)).toEqual({ err: null, address: [{ address: "198.51.100.9", family: 4 }] });
    const refused = await lookup("own.example", true);
    expect(refused.err).toBeInstanceOf(SsrfBlockedError);
    expect(refused.err?.message).toMatch(
      /^Refused to connect to own\.example \(2001:db8::7\): an address of this machine \(network interface eth1\)/,
    );
  });
});

describe("this machine's real interfaces", () => {
  // Addresses no range refuses (e.g. a public or documentation-range address on eth0). Only
  // checked, never connected to.
  const addresses = Object.values(os.networkInterfaces())
    .flatMap((infos) => infos ?? [])
    .filter((i) => !i.internal && !blockedReason(i.address))
    .map((i) => i.address);
  it.skipIf(addresses.length === 0)("are refused", () => {
    for (const address of addresses) {
      expect(checkAddress(parsePolicy(false, ""), address, address)?.message).toMatch(/an address of this machine/);
    }
  });
});
