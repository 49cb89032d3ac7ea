// One bench server: a fresh data directory and SQLite file, the bench's API key and webhooks
// written into it, then the server `npm start` runs (scripts/server.mjs in front of Next),
// optionally with the dispatcher as its own process (--worker). The server is driven only
// through HTTP; the bench reads results from the database file and its receiver.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DIALECT, openDatabase, type DB } from "@/db";
import { createApiKeyUnchecked } from "@/lib/services/user/users";
import { insertWebhook, type WebhookFixture } from "@/lib/dispatcher/test-support";
import {
  cpuSecondsOf,
  descendants,
  eventBody,
  doc,
  freePort,
  memoryOf,
  postJson,
  serverPid,
  sleep,
  startBenchReceiver,
  type BenchReceiver,
} from "./bench-lib";

export const ROOT = path.resolve(__dirname, "..");
export const bin = (n: string) => path.join(ROOT, "node_modules", ".bin", n);

export function log(msg: string) {
  process.stdout.write(`[bench] ${msg}\n`);
}

export interface ServerOptions {
  label: string;
  /** --worker: the dispatcher runs as `npm run worker`, the server with WEBHOOK_WORKER=0. */
  workerMode: boolean;
  /** Webhooks to create, given the receiver's base URL. */
  webhooks: (base: string) => WebhookFixture[];
  /** Receiver paths whose deliveries are matched to documents (rec.byDoc / rec.answered). */
  trackPaths?: string[];
  /** Extra environment; variables the server does not know are ignored by it. */
  env?: Record<string, string>;
}

export interface BenchServer {
  port: number;
  /** The serving node process (all its threads). */
  pid: number;
  db: DB;
  auth: Record<string, string>;
  rec: BenchReceiver;
  env: NodeJS.ProcessEnv;
  /** Peak RSS (VmHWM) of the server process, and of the worker process in --worker mode. */
  peakRssMb: () => { server: number; worker: number };
  /** utime + stime so far, seconds: the server's process tree (+ the worker's in --worker mode). */
  cpuSeconds: () => number;
  output: () => string;
  stop: () => Promise<void>;
}

// Whatever ends this process (a crash included), the servers and workers it started end too.
const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** Kills `child` (SIGKILL) when this process exits, a crash included, as the servers here are. */
export function killOnExit(child: ChildProcess): ChildProcess {
  children.add(child);
  return child;
}

const READY_DOCTYPE = "Bench Ready";
const WARM_DOCTYPE = "Bench Warm";

/** Loads the route, the renderer, the dispatcher and the receiver: batches, then single events. */
async function warmUp(port: number, auth: Record<string, string>, rec: BenchReceiver): Promise<void> {
  const events = (i: number, n: number) =>
    Array.from({ length: n }, (_, j) => ({ doctype: WARM_DOCTYPE, event: "on_update", doc: doc(`WARM-${i}-${j}`) }));
  for (let i = 0; i < 10; i++) await postJson(port, "/api/events", JSON.stringify(events(i, 100)), auth);
  for (let i = 10; i < 110; i++) await postJson(port, "/api/events", JSON.stringify(events(i, 1)), auth);
  const by = Date.now() + 30_000;
  while ((rec.byPath.get("/warm")?.ids.size ?? 0) < 1100 && Date.now() < by) await sleep(20);
}

/**
 * The SQLite bench writes its fixtures through the app's data layer in this process, whose
 * dialect DATABASE_URL chose when it loaded: an inherited postgres:// URL would send them there.
 */
export function requireSqliteBench(): void {
  if (DIALECT !== "sqlite") throw new Error("the SQLite bench needs DATABASE_URL unset; use --postgres");
}

export async function startBenchServer(opts: ServerOptions): Promise<BenchServer> {
  requireSqliteBench();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `webhook-desk-bench-${opts.label}-`));
  const dbFile = path.join(dir, "desk.db");
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: `file:${dbFile}`,
    DATA_DIR: dir,
    ADMIN_PASSWORD: "bench-admin-password",
    WEBHOOK_DESK_ENCRYPTION_KEY: "bench-encryption-key",
    NEXTAUTH_SECRET: "bench-nextauth-secret",
    NEXTAUTH_URL: `http://localhost:${port}`,
    WEBHOOK_ALLOW_PRIVATE_NETWORK: "1",
    NEXT_TELEMETRY_DISABLED: "1",
    PORT: String(port),
    ...opts.env,
  };
  delete env.WEBHOOK_WORKER;
  if (opts.workerMode) env.WEBHOOK_WORKER = "0";
  // insertWebhook encrypts webhook secrets in this process with the server's key.
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = env.WEBHOOK_DESK_ENCRYPTION_KEY;
  const boot = spawnSync(bin("tsx"), ["--conditions=react-server", "scripts/bootstrap.ts"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (boot.status !== 0) throw new Error("bootstrap failed");

  const db = openDatabase(dbFile);
  const key = await createApiKeyUnchecked(db, "Administrator");
  const auth = { authorization: `token ${key.key}:${key.secret}` };
  const rec = await startBenchReceiver([...(opts.trackPaths ?? []), "/ready"]);
  const base = `http://127.0.0.1:${rec.port}`;
  const own = [
    { name: "bench-ready", doctype: READY_DOCTYPE, url: `${base}/ready` },
    { name: "bench-warm", doctype: WARM_DOCTYPE, url: `${base}/warm`, secret: "bench-secret" },
  ];
  for (const w of [...opts.webhooks(base), ...own]) await insertWebhook(db, w);

  let server: ChildProcess | undefined;
  let worker: ChildProcess | undefined;
  let out = "";
  let pid = 0;
  let peak = { server: 0, worker: 0 };
  const sample = () => {
    const m = memoryOf(pid);
    const w = worker?.pid ? memoryOf(worker.pid) : undefined;
    peak = { server: Math.max(peak.server, m?.hwmMb ?? 0), worker: Math.max(peak.worker, w?.hwmMb ?? 0) };
  };
  let sampler: NodeJS.Timeout | undefined;
  const stop = async () => {
    if (sampler) clearInterval(sampler);
    const running = [worker, server].filter((p): p is ChildProcess => !!p && p.exitCode === null && p.signalCode === null);
    for (const p of running) p.kill("SIGTERM");
    const by = Date.now() + 15_000;
    while (running.some((p) => p.exitCode === null && p.signalCode === null) && Date.now() < by) await sleep(100);
    for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    await rec.close();
    db.$client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    // BENCH_NODE_ARGS: extra node flags for the server (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p").
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
    server = spawn(process.execPath, [...nodeArgs, "scripts/server.mjs"], {
      cwd: ROOT,
      env: { ...env, HOST: "127.0.0.1", NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(server);
    const collect = (c: Buffer) => (out = (out + c.toString()).slice(-200_000));
    server.stdout?.on("data", collect);
    server.stderr?.on("data", collect);
    if (opts.workerMode) {
      // node itself runs the worker (not the tsx wrapper), so its pid is the one to sample.
      worker = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/worker.ts"], {
        cwd: ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.add(worker);
      worker.stdout?.on("data", collect);
      worker.stderr?.on("data", collect);
    }
    // Ready = the API answers and an event makes the round trip to the receiver (whoever
    // dispatches it, and whatever the server prints).
    const readyBy = Date.now() + 90_000;
    for (let i = 0; rec.byDoc.size === 0; i++) {
      if (Date.now() > readyBy) throw new Error(`server did not become ready:\n${out.slice(-5000)}`);
      if (server.exitCode !== null) throw new Error(`server exited:\n${out.slice(-5000)}`);
      if (worker && worker.exitCode !== null) throw new Error(`worker exited:\n${out.slice(-5000)}`);
      const r = await postJson(port, "/api/events", eventBody(READY_DOCTYPE, `READY-${i}`), auth, 5000).catch(() => undefined);
      if (r && r.status !== 202 && r.status < 500) throw new Error(`ready check answered ${r.status}: ${r.text.slice(0, 200)}`);
      const by = Date.now() + (r?.status === 202 ? 3000 : 200);
      while (rec.byDoc.size === 0 && Date.now() < by) await sleep(20);
    }
    pid = serverPid(server.pid ?? 0);
    sampler = setInterval(sample, 250);
    await warmUp(port, auth, rec);
    log(`${opts.label}: server ready on :${port} (pid ${pid}${worker?.pid ? `, worker pid ${worker.pid}` : ""}); receiver on :${rec.port}`);
  } catch (e) {
    await stop();
    throw e;
  }
  const rootPid = server.pid ?? 0;
  return {
    port,
    pid,
    db,
    auth,
    rec,
    env,
    peakRssMb: () => {
      sample();
      return peak;
    },
    cpuSeconds: () => cpuSecondsOf([...descendants(rootPid), ...(worker?.pid ? descendants(worker.pid) : [])]),
    output: () => out,
    stop,
  };
}
