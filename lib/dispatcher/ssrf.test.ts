import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendRequest } from "./http-send";
import { blockedReason, checkAddress, parsePolicy } from "./ssrf";

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
    const p = parsePolicy(undefined, "hooks.internal, *.corp.example, 10.0.0.0/8, fd00::/8");
    expect(checkAddress(p, "hooks.internal", "10.9.9.9")).toBeUndefined();
    expect(checkAddress(p, "a.corp.example", "192.168.0.1")).toBeUndefined();
    expect(checkAddress(p, "other", "10.2.3.4")).toBeUndefined();
    expect(checkAddress(p, "other", "fd12::1")).toBeUndefined();
    expect(checkAddress(p, "other", "127.0.0.1")?.message).toMatch(/loopback/);
  });
  it("says how to allow a refused address", () => {
    const e = checkAddress(parsePolicy(undefined, ""), "localhost", "127.0.0.1");
    expect(e?.message).toContain("WEBHOOK_ALLOW_PRIVATE_NETWORK=1");
    expect(e?.message).toContain("WEBHOOK_ALLOWED_HOSTS");
  });
  it("WEBHOOK_ALLOW_PRIVATE_NETWORK=1 allows everything", () => {
    expect(checkAddress(parsePolicy("1", ""), "x", "127.0.0.1")).toBeUndefined();
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
});
