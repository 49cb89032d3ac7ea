// Helpers for scripts/bench*.ts: a loopback receiver, HTTP clients (in this process and in
// a child process), percentiles and process inspection (memory, CPU). Loopback only; every
// wait is bounded.
import { spawn, spawnSync } from "node:child_process";
import http from "node:http";
import fs from "node:fs";
import type { AddressInfo, Socket } from "node:net";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Target, ms, for the p95 of an event's accept→receive at 200 events/s (both benches). */
export const ACCEPT_TO_RECEIVE_P95_MS = 10;

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

export interface BenchReceiver {
  port: number;
  /** doc name → first receive time (performance.now()), for the tracked paths. */
  byDoc: Map<string, number>;
  /** "<path>|<doc name>" → when each request for it was answered (Date.now(), to compare with the DB). */
  answered: Map<string, number[]>;
  /** Per path: requests, and distinct webhook-ids (deliveries). */
  byPath: Map<string, { requests: number; ids: Set<string> }>;
  close: () => Promise<void>;
}

/**
 * Answers 200 at once; counts requests and distinct deliveries (webhook-ids) per path. For
 * the tracked paths it also reads the document name (the first "name" in the body) so the
 * bench can match a delivery to the event it posted.
 */
export async function startBenchReceiver(trackPaths: readonly string[] = ["/latency"]): Promise<BenchReceiver> {
  const rec: BenchReceiver = { port: 0, byDoc: new Map(), answered: new Map(), byPath: new Map(), close: async () => undefined };
  const tracked = new Set(trackPaths);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const now = performance.now();
      const id = req.headers["webhook-id"];
      const urlPath = (req.url ?? "/").split("?")[0] ?? "/";
      let perPath = rec.byPath.get(urlPath);
      if (!perPath) rec.byPath.set(urlPath, (perPath = { requests: 0, ids: new Set() }));
      perPath.requests += 1;
      if (typeof id === "string") perPath.ids.add(id);
      const m = tracked.has(urlPath) ? /"name":\s*"([^"]+)"/.exec(Buffer.concat(chunks).toString("utf8")) : null;
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
      if (m?.[1]) {
        if (!rec.byDoc.has(m[1])) rec.byDoc.set(m[1], now);
        const key = `${urlPath}|${m[1]}`;
        const times = rec.answered.get(key);
        if (times) times.push(Date.now());
        else rec.answered.set(key, [Date.now()]);
      }
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

// Free sockets go after 4 s, before the server's 5 s keep-alive timeout closes them.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 4000 });

/** Requests sent again because a reused keep-alive socket was reset before any answer. */
export const clientStats = { reusedSocketRetries: 0 };

export interface HttpAnswer {
  status: number;
  text: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * One request to 127.0.0.1:`port` on the bench's keep-alive agent; a request whose reused
 * socket was reset before any answer (the server closed it idle as we reused it: it never
 * read the request) is sent once more, and counted in clientStats.
 */
export async function httpRequest(
  port: number,
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string>,
  timeoutMs = 30_000,
): Promise<HttpAnswer> {
  const first = await requestOnce(port, method, path, body, headers, timeoutMs);
  if (first.ok) return first.answer;
  if (!first.reusedReset) throw first.error;
  clientStats.reusedSocketRetries += 1;
  const again = await requestOnce(port, method, path, body, headers, timeoutMs);
  if (again.ok) return again.answer;
  throw again.error;
}

export const postJson = (port: number, path: string, body: string, headers: Record<string, string>, timeoutMs = 30_000) =>
  httpRequest(port, "POST", path, body, { "content-type": "application/json", ...headers }, timeoutMs);

type Attempt = { ok: true; answer: HttpAnswer } | { ok: false; error: Error; reusedReset: boolean };

function requestOnce(
  port: number,
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Attempt> {
  return new Promise((resolve) => {
    let answered = false;
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path,
        method,
        agent,
        headers: { ...(body !== undefined ? { "content-length": Buffer.byteLength(body) } : {}), ...headers },
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            ok: true,
            answer: { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), headers: res.headers },
          }),
        );
        res.on("error", (error) => resolve({ ok: false, error, reusedReset: false }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
    req.on("error", (error: NodeJS.ErrnoException) => {
      const reset = error.code === "ECONNRESET" || error.code === "EPIPE";
      resolve({ ok: false, error, reusedReset: !answered && req.reusedSocket && reset });
    });
    req.end(body);
  });
}

// ─── The bench's documents and events ────────────────────────────────────────────────────

export const doc = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  customer_name: "Acme Corporation",
  status: "Open",
  transaction_date: "2026-11-02",
  currency: "USD",
  grand_total: 1234.5,
  items: [{ item_code: "LAPTOP-14", qty: 2, rate: 600, amount: 1200 }],
  ...extra,
});

export const eventBody = (doctype: string, name: string) => JSON.stringify({ doctype, event: "on_update", doc: doc(name) });

/** Events per batch the benches post to /api/events. */
export const BATCH = 100;

/** A batch of BATCH events, documents `<prefix>-0` … `<prefix>-99`. */
export const batchBody = (doctype: string, prefix: string) =>
  JSON.stringify(Array.from({ length: BATCH }, (_, j) => ({ doctype, event: "on_update", doc: doc(`${prefix}-${j}`) })));

/**
 * Posts `batches` batches (prefixes `<prefix>-<i>`), `inFlight` at a time; throws unless every
 * one is accepted (202). Returns the documents posted.
 */
export async function postBatches(
  port: number,
  auth: Record<string, string>,
  doctype: string,
  prefix: string,
  batches: number,
  inFlight: number,
): Promise<string[]> {
  const names: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < batches) {
        const p = `${prefix}-${next++}`;
        const r = await postJson(port, "/api/events", batchBody(doctype, p), auth);
        if (r.status !== 202) throw new Error(`${doctype} ingest answered ${r.status}: ${r.text.slice(0, 300)}`);
        for (let j = 0; j < BATCH; j++) names.push(`${p}-${j}`);
      }
    }),
  );
  return names;
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

let clockTicks: number | undefined;

/** USER_HZ, the unit of utime/stime in /proc/<pid>/stat (almost always 100). */
function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
    const n = Number(r.stdout?.trim());
    clockTicks = Number.isInteger(n) && n > 0 ? n : 100;
  }
  return clockTicks;
}

/** utime + stime (seconds) of these processes, every thread included; gone ones count 0. */
export function cpuSecondsOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    } catch {
      // exited
    }
  }
  return ticks / clockTicksPerSecond();
}

/**
 * CPU seconds the whole machine spent busy (every core: user, nice, system, irq, softirq,
 * steal) since boot, from /proc/stat. A difference over a window, divided by its length, is
 * how many cores were busy: it counts what per-process samples miss (processes that exited
 * in between, such as PostgreSQL backends, whose ticks leave with them).
 */
export function machineBusySeconds(): number {
  const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / clockTicksPerSecond();
}

/**
 * Open loop: calls `fire(i)` at `ratePerS`, on schedule whatever earlier calls are doing,
 * while `more(i)` says so; resolves when every call has settled (rejects with the first failure).
 */
export async function openLoop(ratePerS: number, more: (i: number) => boolean, fire: (i: number) => Promise<unknown>): Promise<void> {
  const pending: Promise<unknown>[] = [];
  let failure: { error: unknown } | undefined;
  const t0 = performance.now();
  for (let i = 0; more(i); i++) {
    const wait = t0 + (i * 1000) / ratePerS - performance.now();
    if (wait > 0) await sleep(wait);
    // Handled at once (not only by the Promise.all below), so a failure can't go unhandled meanwhile.
    pending.push(fire(i).catch((error: unknown) => void (failure ??= { error })));
  }
  await Promise.all(pending);
  if (failure) throw failure.error;
}

/** Runs `node <args>` with extra environment; resolves with its stdout (killed after timeoutMs). */
function runNode(args: string[], timeoutMs: number, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** What CLIENT_SOURCE does, given as JSON in BENCH_CLIENT. */
export interface ClientJob {
  /** "loop": `concurrency` keep-alive clients send back to back; "probe": one request on a fresh connection every intervalMs. */
  mode: "loop" | "probe";
  port: number;
  path: string;
  headers: Record<string, string>;
  /** The request body; "%n" becomes a number unique within the job (for document names). */
  body: string;
  durationMs: number;
  concurrency?: number;
  intervalMs?: number;
  timeoutMs?: number;
}

export interface ClientResult {
  done: number;
  failed: number;
  seconds: number;
  rate: number;
  /** HTTP status → count. */
  statuses: Record<string, number>;
  /** probe: time to first byte of each answered request, ms, from opening the connection. */
  ttfb?: number[];
  /** loop: request → response end, ms, of the answered requests. */
  latency?: { p50: number; p99: number };
  errors?: string[];
}

/** Runs a ClientJob in its own node process, so the bench's own event loop doesn't skew it. */
export async function runClient(job: ClientJob): Promise<ClientResult> {
  const out = await runNode(["-e", CLIENT_SOURCE], job.durationMs + 60_000, { BENCH_CLIENT: JSON.stringify(job) });
  try {
    return JSON.parse(out) as ClientResult;
  } catch {
    return { done: 0, failed: 0, seconds: 0, rate: NaN, statuses: {}, errors: [`client printed no result: ${out.slice(0, 200)}`] };
  }
}

/** A plain node:http client (the raw ceiling, the keep-alive load, the fresh-connection probe). */
const CLIENT_SOURCE = `
const http = require("node:http");
const job = JSON.parse(process.env.BENCH_CLIENT);
const agent = job.mode === "loop" ? new http.Agent({ keepAlive: true, maxSockets: job.concurrency }) : false;
let done = 0, ok = 0, failed = 0, seq = 0;
const statuses = {}, ttfb = [], times = [], errors = [];
const end = Date.now() + job.durationMs;
const t0 = performance.now();
function one() {
  return new Promise((resolve) => {
    const body = Buffer.from(job.body.split("%n").join(String(seq++)));
    const start = performance.now();
    const headers = { "content-type": "application/json", "content-length": body.length, ...job.headers };
    if (!agent) headers.connection = "close";
    const req = http.request({ host: "127.0.0.1", port: job.port, path: job.path, method: "POST", agent, headers }, (res) => {
      if (!agent) ttfb.push(performance.now() - start);
      statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
      if (res.statusCode < 300) ok++;
      res.resume();
      // A 503 asks the client to come back after Retry-After, as a host app does.
      const backoff = res.statusCode === 503 && agent ? Math.min(5, Number(res.headers["retry-after"]) || 1) * 1000 : 0;
      res.on("end", () => { done++; if (agent && !backoff) times.push(performance.now() - start); if (backoff) setTimeout(resolve, backoff); else resolve(); });
      res.on("error", () => { failed++; resolve(); });
    });
    if (job.timeoutMs) req.setTimeout(job.timeoutMs, () => req.destroy(new Error("timed out after " + job.timeoutMs + " ms")));
    req.on("error", (e) => { failed++; if (errors.length < 5) errors.push(String(e.message || e)); resolve(); });
    req.end(body);
  });
}
async function loop() { while (Date.now() < end) await one(); }
async function probe() {
  const pending = [];
  for (let i = 0; Date.now() < end; i++) {
    const wait = t0 + i * job.intervalMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(one());
  }
  await Promise.all(pending);
}
const work = job.mode === "loop" ? Promise.all(Array.from({ length: job.concurrency }, loop)) : probe();
work.then(() => {
  const seconds = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.max(0, Math.ceil(p * times.length) - 1))];
  const latency = times.length ? { p50: at(0.5), p99: at(0.99) } : undefined;
  process.stdout.write(JSON.stringify({ done, failed, seconds, rate: ok / seconds, statuses, ttfb, latency, errors }));
  if (agent) agent.destroy();
});
`;

// ─── The scale bench's receiver (scripts/bench-scale.ts) ─────────────────────────────────

/** One request as the delayed receiver saw it. */
export interface Receipt {
  /** webhook-id header ("" if none). */
  id: string;
  /** The first "name" in the body (the document), for the tracked paths. */
  doc?: string;
  path: string;
  /** The receiver's socket it came on (ReceiverSocket.id). */
  socket: number;
  /** performance.now(): request headers read, body read, answered (undefined: not yet, or never). */
  startedAt: number;
  receivedAt?: number;
  answeredAt?: number;
  /** The connection closed before the answer went out (the sender died or gave up). */
  aborted?: boolean;
}

export interface ReceiverSocket {
  id: number;
  /** The sender's port: with /proc (receiverPortsOf) this names the process that holds the socket. */
  remotePort: number;
  openedAt: number;
  closedAt?: number;
  /** Set by whoever attributes sockets to processes. */
  pid?: number;
  /** Requests on it received and not yet answered. */
  pending: Set<Receipt>;
  /** Every request on it, in order. */
  receipts: Receipt[];
}

interface PathLedger {
  requests: number;
  /** webhook-id → its receipts, first one first. */
  ids: Map<string, Receipt[]>;
  /** document name → the distinct webhook-ids it came with (tracked paths). */
  docs: Map<string, Set<string>>;
  /** document name → performance.now() of its first complete request (tracked paths). */
  firstByDoc: Map<string, number>;
}

export interface DelayedReceiver {
  port: number;
  delayMs: number;
  byPath: Map<string, PathLedger>;
  sockets: Map<number, ReceiverSocket>;
  /** Open sockets by the sender's port. */
  openByRemotePort: () => Map<number, ReceiverSocket>;
  /** Requests received (headers read) and not yet answered, all sockets. */
  pendingCount: () => number;
  ledger: (path: string) => PathLedger;
  close: () => Promise<void>;
}

/**
 * Answers every request 200 after `delayMs` (from the end of its body), so a sender's rate is
 * bound by how many requests it keeps open, not by this process's CPU. Records every request
 * per socket (with the sender's port, to tell which process sent it) and per webhook-id, and
 * for the tracked paths the document it carried.
 */
export async function startDelayedReceiver(delayMs: number, trackPaths: readonly string[]): Promise<DelayedReceiver> {
  const tracked = new Set(trackPaths);
  const byPath = new Map<string, PathLedger>();
  const sockets = new Map<number, ReceiverSocket>();
  const open = new Map<number, ReceiverSocket>();
  const raw = new Set<Socket>();
  const ledger = (p: string) => {
    let l = byPath.get(p);
    if (!l) byPath.set(p, (l = { requests: 0, ids: new Map(), docs: new Map(), firstByDoc: new Map() }));
    return l;
  };
  let nextSocket = 1;
  const info = new WeakMap<Socket, ReceiverSocket>();
  const server = http.createServer((req, res) => {
    const sock = info.get(req.socket);
    const id = req.headers["webhook-id"];
    const urlPath = (req.url ?? "/").split("?")[0] ?? "/";
    const r: Receipt = { id: typeof id === "string" ? id : "", path: urlPath, socket: sock?.id ?? 0, startedAt: performance.now() };
    sock?.pending.add(r);
    sock?.receipts.push(r);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      r.receivedAt = performance.now();
      const l = ledger(urlPath);
      l.requests += 1;
      const seen = l.ids.get(r.id);
      if (seen) seen.push(r);
      else l.ids.set(r.id, [r]);
      if (tracked.has(urlPath)) {
        const m = /"name":\s*"([^"]+)"/.exec(Buffer.concat(chunks).toString("utf8"));
        if (m?.[1]) {
          r.doc = m[1];
          const ids = l.docs.get(r.doc);
          if (ids) ids.add(r.id);
          else l.docs.set(r.doc, new Set([r.id]));
          if (!l.firstByDoc.has(r.doc)) l.firstByDoc.set(r.doc, r.receivedAt);
        }
      }
      setTimeout(() => {
        sock?.pending.delete(r);
        if (req.socket.destroyed) {
          r.aborted = true;
          return;
        }
        r.answeredAt = performance.now();
        res.writeHead(200, { "content-type": "text/plain", "content-length": "2" });
        res.end("ok");
      }, delayMs);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on("connection", (s: Socket) => {
    const rs: ReceiverSocket = {
      id: nextSocket++,
      remotePort: s.remotePort ?? 0,
      openedAt: performance.now(),
      pending: new Set(),
      receipts: [],
    };
    info.set(s, rs);
    sockets.set(rs.id, rs);
    open.set(rs.remotePort, rs);
    raw.add(s);
    s.on("close", () => {
      rs.closedAt = performance.now();
      // Requests still waiting for their answer will never get it.
      for (const r of rs.pending) r.aborted = true;
      rs.pending.clear();
      if (open.get(rs.remotePort) === rs) open.delete(rs.remotePort);
      raw.delete(s);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    delayMs,
    byPath,
    sockets,
    openByRemotePort: () => open,
    pendingCount: () => {
      let n = 0;
      for (const s of open.values()) n += s.pending.size;
      return n;
    },
    ledger,
    close: async () => {
      for (const s of raw) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * The local ports of process `pid`'s TCP sockets connected to 127.0.0.1:`remotePort` (its
 * open file descriptors matched to /proc/net/tcp{,6} by inode). Empty if the process is gone.
 * The reader must share the process's network namespace and be allowed to read its fds.
 */
export function receiverPortsOf(pid: number, remotePort: number): number[] {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  const hexRemote = remotePort.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = fs.readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      const local = f[1];
      const rem = f[2];
      const inode = f[9];
      if (!local || !rem || !inode || !rem.endsWith(`:${hexRemote}`) || !inodes.has(inode)) continue;
      ports.push(parseInt(local.slice(local.lastIndexOf(":") + 1), 16));
    }
  }
  return ports;
}
