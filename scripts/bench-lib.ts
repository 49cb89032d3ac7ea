// Helpers for scripts/bench.ts: a loopback receiver, an HTTP client, percentiles and
// process inspection. Loopback only; every wait is bounded.
import http from "node:http";
import fs from "node:fs";
import type { AddressInfo, Socket } from "node:net";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

export interface BenchReceiver {
  port: number;
  /** webhook-id → first receive time (ms, performance.now() based). */
  firstSeen: Map<string, number>;
  /** doc name → receive time, for latency matching. */
  byDoc: Map<string, number>;
  total: number;
  close: () => Promise<void>;
}

/** Answers 200 at once; remembers when each delivery first arrived. */
export async function startBenchReceiver(): Promise<BenchReceiver> {
  const rec: BenchReceiver = { port: 0, firstSeen: new Map(), byDoc: new Map(), total: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const now = performance.now();
      rec.total += 1;
      const id = req.headers["webhook-id"];
      if (typeof id === "string" && !rec.firstSeen.has(id)) rec.firstSeen.set(id, now);
      if (req.url?.startsWith("/latency")) {
        const m = /"name":\s*"([^"]+)"/.exec(Buffer.concat(chunks).toString("utf8"));
        if (m?.[1] && !rec.byDoc.has(m[1])) rec.byDoc.set(m[1], now);
      }
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
    });
  });
  server.keepAliveTimeout = 30_000;
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  rec.port = (server.address() as AddressInfo).port;
  rec.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  };
  return rec;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function postJson(port: number, path: string, body: string, headers: Record<string, string>, timeoutMs = 30_000): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

export async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** pid and its descendants (from /proc). */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parentOf.set(Number(d), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [child, parent] of parentOf) if (parent === out[i]) out.push(child);
  return out;
}

/** VmHWM/VmRSS in MB for a pid, or undefined if it is gone. */
export function memoryOf(pid: number): { hwmMb: number; rssMb: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { hwmMb: kb("VmHWM") / 1024, rssMb: kb("VmRSS") / 1024 };
  } catch {
    return undefined;
  }
}

/** The node process actually serving (the largest descendant of the spawned `next start`). */
export function serverPid(rootPid: number): number {
  let best = rootPid;
  let bestRss = -1;
  for (const p of descendants(rootPid)) {
    const m = memoryOf(p);
    if (m && m.rssMb > bestRss) {
      best = p;
      bestRss = m.rssMb;
    }
  }
  return best;
}

/** The raw ceiling: a plain keep-alive client loop against the receiver, in its own process. */
export const RAW_CLIENT_SOURCE = `
const http = require("node:http");
const [port, concurrency, durationMs, bodyLen] = process.argv.slice(1).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const body = Buffer.alloc(bodyLen, 120);
let done = 0, failed = 0;
const end = Date.now() + durationMs;
const t0 = performance.now();
function one() {
  return new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port, path: "/raw", method: "POST", agent,
      headers: { "content-type": "application/json", "content-length": body.length, "webhook-id": "raw" } }, (res) => {
      res.resume(); res.on("end", () => { done++; resolve(); });
    });
    req.on("error", () => { failed++; resolve(); });
    req.end(body);
  });
}
async function loop() { while (Date.now() < end) await one(); }
Promise.all(Array.from({ length: concurrency }, loop)).then(() => {
  const s = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ done, failed, seconds: s, rate: done / s }));
  agent.destroy();
});
`;
