// `npm run bench -- --postgres [--workers 1,2,4]`: how delivery scales with worker processes.
// A private PostgreSQL cluster (scripts/pg-cluster.sh), and for each worker count a fresh
// database, one web process (what `npm start` serves, WEBHOOK_WORKER=0) and N worker
// processes (`npm run worker`, each its own process), sending to a loopback receiver that
// answers every request after 100 ms, so a worker's rate is bound by its concurrency (the
// same per worker in every run), not by CPU. Per run:
//   1. the bench's API key and webhooks are made through the web process's API (sign in,
//      POST /api/resource/User/Administrator/api-key, POST /api/resource/Webhook);
//   2. the workers start; the bench posts "ready" events until every worker has sent one
//      (a worker's connections to the receiver are told apart by /proc: fd inode → port);
//   3. the workers are paused (SIGSTOP) and a backlog is ingested (ingest events/s), then
//      resumed together (SIGCONT): deliveries/s is measured at the receiver between the 10%
//      and the 90% mark of the backlog's distinct webhook-ids;
//   4. 202→received latency at 200 events/s (p95 target as the SQLite bench's; also from the
//      POST's start); a ledger (every event received exactly once, by webhook-id and by
//      document, against the request log's statuses): no duplicate, no failure, nothing left
//      queued. A run that keeps ≥ 85% of the machine's cores busy (/proc/stat) is CPU-bound: its ratio is
//      printed (⚠) but not judged, since it measures the machine rather than the slots.
// One more run with 2 workers (--kill-workers) kills one with SIGKILL at the halfway mark;
// once it is gone, the database says which of the requests it sent still have their delivery
// row (no outcome recorded). The run passes when nothing is missing or left queued and every
// duplicate is one of those requests, sent again with its original webhook-id.
// Prints a table and writes bench/results/scale.json.
//   --workers 1,2,4          worker counts (default 1,2,4); ratios are to the smallest
//   --kill-workers N         workers in the kill run (default 2; 0 skips it)
//   --concurrency N          per-worker concurrency of the "default" queue (default 32)
//   --backlog-per-worker N   events ingested per worker in each run (default 4000)
//   --kill-wait S            how long the kill run waits for the killed worker's jobs (default 300)
//   --selftest               checks the bench's own parts without the app (cluster, fresh
//                            databases, receiver, process plumbing, cleanup, results file);
//                            writes bench/results/scale-selftest.json
//   --scale-on-sqlite        the same runs on SQLite (one file for the web process and the
//                            workers): a check of the plumbing, not a measure of scaling
//                            (SQLite has one writer); writes bench/results/scale-sqlite.json
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import {
  ACCEPT_TO_RECEIVE_P95_MS,
  BATCH,
  clientStats,
  cpuSecondsOf,
  machineBusySeconds,
  descendants,
  eventBody,
  freePort,
  httpRequest,
  openLoop,
  percentile,
  postBatches,
  postJson,
  receiverPortsOf,
  sleep,
  startDelayedReceiver,
  type DelayedReceiver,
  type Receipt,
  type ReceiverSocket,
} from "./bench-lib";
import { ROOT, bin, killOnExit, log } from "./bench-server";
import { round } from "./bench-throughput";

const RECEIVER_DELAY_MS = 100;
const WEBHOOK_TIMEOUT_S = 2;
/** Lease (pg-boss expiry on PostgreSQL) = the webhook's timeout + this. */
const LEASE_MARGIN_MS = 2000;
/** Far above every slot of every worker: the per-webhook in-flight cap never binds here. */
const MAX_INFLIGHT_PER_WEBHOOK = 100_000;
const INGEST_IN_FLIGHT = 4;
const LATENCY_RATE = 200;
const LATENCY_SECONDS = 10;
/** After the killed worker is gone: time for the receiver to read what its sockets still held. */
const KILL_DRAIN_MS = 100;
const WINDOW = { fromPct: 10, toPct: 90 };
const ADMIN_PASSWORD = "bench-admin-password";
const SECRET = "bench-secret";
const TARGETS = {
  ingestPerS: 3000,
  ratio: { 2: 1.8, 4: 3.2 } as Record<number, number>,
  missing: 0,
  // 202 → received, the SQLite bench's accept→receive target (scripts/bench.ts).
  acceptedToReceiveP95Ms: ACCEPT_TO_RECEIVE_P95_MS,
};
/** A run whose processes keep this share of the cores busy is CPU-bound: its ratio says nothing about slots. */
const CPU_BOUND_SHARE = 0.85;
/** Deliveries/s n workers' slots allow: each slot sends one request per RECEIVER_DELAY_MS. */
const slotRate = (n: number, concurrency: number) => (n * concurrency * 1000) / RECEIVER_DELAY_MS;

const PATHS = { scale: "/scale", latency: "/latency", ready: "/ready" } as const;
const HOOKS = { scale: "bench-scale", latency: "bench-scale-latency", ready: "bench-scale-ready" } as const;
// Seeded DocTypes (a webhook needs one); a DocType each, so an event reaches one webhook.
const DOCTYPES = { scale: "Quotation", latency: "Customer", ready: "Note", warm: "Bench Scale Warm" } as const;
const TEMPLATE = '{ "name": {{ doc.name | tojson }}, "status": {{ doc.status | tojson }}, "doc": {{ doc | tojson }} }';

// ─── Options ────────────────────────────────────────────────────────────────────────────

export interface ScaleOptions {
  dialect: "postgres" | "sqlite";
  workers: number[];
  killWorkers: number;
  concurrency: number;
  backlogPerWorker: number;
  killWaitS: number;
  selftest: boolean;
  /** Internal (the selftest's cleanup check): "throw" or "signal", then the state file. */
  crash?: { mode: "throw" | "signal"; file: string };
}

function flag(argv: string[], name: string): string | undefined {
  let value: string | undefined;
  argv.forEach((a, i) => {
    if (a === name) value = argv[i + 1] ?? "";
    else if (a.startsWith(`${name}=`)) value = a.slice(name.length + 1);
  });
  return value;
}

function positiveInt(argv: string[], name: string, fallback: number, min = 1): number {
  const v = flag(argv, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} takes a whole number ≥ ${min}; got ${JSON.stringify(v)}`);
  return n;
}

/** The scale bench's options, or undefined when the arguments ask for the SQLite bench. */
export function scaleOptions(argv: string[]): ScaleOptions | undefined {
  const crashArg = flag(argv, "--selftest-crash");
  const postgres = argv.includes("--postgres") || argv.includes("--selftest") || crashArg !== undefined;
  const sqlite = argv.includes("--scale-on-sqlite");
  const workersArg = flag(argv, "--workers");
  if (!postgres && !sqlite) {
    if (workersArg !== undefined) throw new Error("--workers is for the scale bench: add --postgres");
    return undefined;
  }
  if (postgres && sqlite) throw new Error("--postgres and --scale-on-sqlite exclude each other");
  const workers = (workersArg ?? "1,2,4").split(",").map((s) => Number(s.trim()));
  if (!workers.length || workers.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`--workers takes worker counts ≥ 1, comma-separated; got ${JSON.stringify(workersArg)}`);
  const killWorkers = positiveInt(argv, "--kill-workers", 2, 0);
  if (killWorkers === 1) throw new Error("--kill-workers needs 2 or more (a survivor sends the killed worker's jobs), or 0");
  let crash: ScaleOptions["crash"];
  if (crashArg !== undefined) {
    const [mode, file] = [crashArg.slice(0, crashArg.indexOf(":")), crashArg.slice(crashArg.indexOf(":") + 1)];
    if ((mode !== "throw" && mode !== "signal") || !file) throw new Error("--selftest-crash takes throw:<file> or signal:<file>");
    crash = { mode, file };
  }
  return {
    dialect: sqlite ? "sqlite" : "postgres",
    workers: [...new Set(workers)].sort((a, b) => a - b),
    killWorkers,
    concurrency: positiveInt(argv, "--concurrency", 32),
    backlogPerWorker: positiveInt(argv, "--backlog-per-worker", 4000, BATCH),
    killWaitS: positiveInt(argv, "--kill-wait", 300),
    selftest: argv.includes("--selftest"),
    crash,
  };
}

/** Whether the run needs the app built (the selftest does not run it). */
export const scaleNeedsApp = (o: ScaleOptions) => !o.selftest && !o.crash;

/** The environment every process of every run gets (the same in each, so runs compare). */
function settingsEnv(o: ScaleOptions): Record<string, string> {
  return {
    // Per worker: N workers have N times the slots.
    WEBHOOK_QUEUE_CONCURRENCY: `default=${o.concurrency}`,
    WEBHOOK_MAX_INFLIGHT_PER_WEBHOOK: String(MAX_INFLIGHT_PER_WEBHOOK),
    WEBHOOK_LEASE_MARGIN_MS: String(LEASE_MARGIN_MS),
    WEBHOOK_ALLOW_PRIVATE_NETWORK: "1",
  };
}

// ─── Processes and cleanup ──────────────────────────────────────────────────────────────

/** Ctrl-C, SIGTERM, SIGHUP: exit, so the exit handlers stop the processes and the cluster. */
function exitOnSignals() {
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping the processes and the cluster`);
      process.exit(sig === "SIGINT" ? 130 : 143);
    });
  }
}

const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

const exited = (c: ChildProcess, timeoutMs: number) =>
  new Promise<boolean>((resolve) => {
    if (!running(c)) return resolve(true);
    const t = setTimeout(() => resolve(false), timeoutMs);
    c.once("exit", () => {
      clearTimeout(t);
      resolve(true);
    });
  });

/** SIGTERM, then SIGKILL after `graceMs`. */
async function stopProcesses(procs: ChildProcess[], graceMs = 15_000) {
  const live = procs.filter(running);
  for (const p of live) {
    p.kill("SIGCONT"); // a paused process cannot act on SIGTERM
    p.kill("SIGTERM");
  }
  await Promise.all(live.map((p) => exited(p, graceMs)));
  for (const p of live) if (running(p)) p.kill("SIGKILL");
}

/**
 * A child whose output is kept (the tail) for error messages. BENCH_CPU_PROF=<dir> runs each
 * with --cpu-prof into that directory (a profile per process, written when it exits).
 */
function spawnKept(args: string[], env: NodeJS.ProcessEnv) {
  const prof = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const proc = killOnExit(spawn(process.execPath, [...prof, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] }));
  let out = "";
  const keep = (c: Buffer) => (out = (out + c.toString()).slice(-100_000));
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  return { proc, output: () => out };
}

// ─── Databases ──────────────────────────────────────────────────────────────────────────

interface FreshDb {
  url: string;
  /** webhook → status → rows, from webhook_request_log. */
  statuses: (webhooks: string[]) => Promise<Record<string, Record<string, number>>>;
  /** A few log rows of `webhook` that did not end Delivered (for the report). */
  failures: (webhook: string) => Promise<Failure[]>;
  /** Which of these delivery ids (webhook-ids) still have their `delivery` row: no outcome recorded yet. */
  pendingDeliveries: (ids: string[]) => Promise<Set<string>>;
  drop: () => Promise<void>;
}

interface Backend {
  dialect: "postgres" | "sqlite";
  /** What the figures are measured on. */
  describe: string;
  fresh: (name: string) => Promise<FreshDb>;
  /** The server's root pid (its backends are its children), for CPU figures. */
  serverPid?: number;
  stop: () => void;
}

interface Failure {
  status: string;
  http_status: number | null;
  attempts: number;
  error: string | null;
}

const FAILURES_SQL = (param: string) =>
  `SELECT status, http_status, attempts, substr(coalesce(error, ''), 1, 300) AS error FROM webhook_request_log
   WHERE webhook = ${param} AND status IN ('Exhausted', 'Error', 'Failed') LIMIT 10`;

const byWebhook = (rows: { webhook: string; status: string; n: number }[]) => {
  const out: Record<string, Record<string, number>> = {};
  for (const r of rows) (out[r.webhook] ??= {})[r.status] = Number(r.n);
  return out;
};

async function pgQuery<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

const CLUSTER_SCRIPT = path.join(ROOT, "scripts", "pg-cluster.sh");

/** Starts a private cluster; it is stopped (and its directory removed) when this process exits. */
function startCluster(): { dir: string; url: string; stop: () => void } {
  // Short: the server's Unix socket path must fit in 107 bytes.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wd-scale-pg-"));
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    const r = spawnSync("bash", [CLUSTER_SCRIPT, "stop", dir], { stdio: ["ignore", "ignore", "inherit"], timeout: 90_000 });
    if (r.status !== 0) process.stderr.write(`[bench] could not stop the cluster in ${dir}\n`);
  };
  // Registered first: a crash while it starts stops it too.
  process.on("exit", stop);
  const r = spawnSync("bash", [CLUSTER_SCRIPT, "start", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 300_000 });
  const url = (r.stdout ?? "").trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !url.startsWith("postgres://")) {
    stop();
    throw new Error(`scripts/pg-cluster.sh start ${dir} failed (status ${r.status})`);
  }
  return { dir, url, stop };
}

function postmasterPid(clusterDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(clusterDir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

const databaseUrl = (clusterUrl: string, db: string) => {
  const u = new URL(clusterUrl);
  u.pathname = `/${db}`;
  return u.toString();
};

async function postgresBackend(): Promise<Backend> {
  const cluster = startCluster();
  const [version] = await pgQuery<{ v: string }>(cluster.url, "SELECT current_setting('server_version') AS v");
  log(`PostgreSQL ${version?.v} at ${cluster.url} (cluster in ${cluster.dir})`);
  return {
    dialect: "postgres",
    describe: `PostgreSQL ${version?.v ?? "?"} (scripts/pg-cluster.sh: fsync off, loopback)`,
    serverPid: postmasterPid(cluster.dir),
    stop: cluster.stop,
    fresh: async (name) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      await pgQuery(cluster.url, `CREATE DATABASE "${name}"`);
      const url = databaseUrl(cluster.url, name);
      return {
        url,
        statuses: async (webhooks) =>
          byWebhook(
            await pgQuery(
              url,
              "SELECT webhook, status, count(*)::int AS n FROM webhook_request_log WHERE webhook = ANY($1) GROUP BY webhook, status",
              [webhooks],
            ),
          ),
        failures: (webhook) => pgQuery<Failure & pg.QueryResultRow>(url, FAILURES_SQL("$1"), [webhook]),
        pendingDeliveries: async (ids) =>
          new Set((await pgQuery<{ id: string }>(url, "SELECT id FROM delivery WHERE id = ANY($1)", [ids])).map((r) => r.id)),
        // FORCE: the run's processes are stopped, but a connection may linger.
        drop: async () => void (await pgQuery(cluster.url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
      };
    },
  };
}

function sqliteBackend(): Backend {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wd-scale-sqlite-"));
  const stop = () => fs.rmSync(dir, { recursive: true, force: true });
  process.on("exit", stop);
  const read = <T>(file: string, fn: (db: Database.Database) => T): T => {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  return {
    dialect: "sqlite",
    describe: "SQLite (one file; plumbing check only: one writer, so no scaling)",
    stop,
    fresh: async (name) => {
      const file = path.join(dir, `${name}.db`);
      return {
        url: `file:${file}`,
        statuses: async (webhooks) =>
          read(file, (db) =>
            byWebhook(
              db
                .prepare(
                  `SELECT webhook, status, count(*) AS n FROM webhook_request_log WHERE webhook IN (${webhooks.map(() => "?").join(",")}) GROUP BY webhook, status`,
                )
                .all(...webhooks) as { webhook: string; status: string; n: number }[],
            ),
          ),
        failures: async (webhook) => read(file, (db) => db.prepare(FAILURES_SQL("?")).all(webhook) as Failure[]),
        pendingDeliveries: async (ids) =>
          read(file, (db) => {
            const found = new Set<string>();
            const one = db.prepare("SELECT 1 FROM delivery WHERE id = ?").pluck();
            for (const id of ids) if (one.get(id)) found.add(id);
            return found;
          }),
        drop: async () => {
          for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
        },
      };
    },
  };
}

// ─── HTTP to the web process ────────────────────────────────────────────────────────────

interface Web {
  port: number;
  env: NodeJS.ProcessEnv;
  proc: ChildProcess;
  output: () => string;
}

/** Migrate + seed (scripts/bootstrap.ts, as `npm start` does), then the server, WEBHOOK_WORKER=0. */
async function startWeb(dbUrl: string, dataDir: string, settings: Record<string, string>): Promise<Web> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: dbUrl,
    DATA_DIR: dataDir,
    ADMIN_PASSWORD,
    WEBHOOK_DESK_ENCRYPTION_KEY: "bench-encryption-key",
    NEXTAUTH_SECRET: "bench-nextauth-secret",
    NEXTAUTH_URL: `http://localhost:${port}`,
    NEXT_TELEMETRY_DISABLED: "1",
    PORT: String(port),
    ...settings,
    WEBHOOK_WORKER: "0",
  };
  const boot = spawnSync(bin("tsx"), ["--conditions=react-server", "scripts/bootstrap.ts"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "ignore", "inherit"],
    timeout: 120_000,
  });
  if (boot.status !== 0) throw new Error("scripts/bootstrap.ts failed");
  const { proc, output } = spawnKept(["scripts/server.mjs"], { ...env, HOST: "127.0.0.1", NODE_ENV: "production" });
  const by = Date.now() + 90_000;
  for (;;) {
    if (!running(proc)) throw new Error(`the web process exited:\n${output().slice(-5000)}`);
    if (Date.now() > by) throw new Error(`the web process did not answer in 90 s:\n${output().slice(-5000)}`);
    const r = await httpRequest(port, "GET", "/login", undefined, {}, 5000).catch(() => undefined);
    if (r && r.status < 500) break;
    await sleep(200);
  }
  return { port, env, proc, output };
}

const hook = (name: string, doctype: string, url: string) => ({
  name,
  webhook_doctype: doctype,
  webhook_docevent: "on_update",
  request_url: url,
  request_structure: "JSON",
  webhook_json: TEMPLATE,
  timeout: WEBHOOK_TIMEOUT_S,
  background_jobs_queue: "default",
  enable_security: 1,
  webhook_secret: SECRET,
  max_retries: 5,
});

/** Signs in, makes an API key and the bench's webhooks, all through the web process's API. */
async function setUpThroughApi(port: number, receiverPort: number): Promise<Record<string, string>> {
  const json = { "content-type": "application/json", accept: "application/json" };
  const login = await postJson(port, "/api/login", JSON.stringify({ usr: "Administrator", pwd: ADMIN_PASSWORD }), json);
  if (login.status !== 200) throw new Error(`sign-in answered ${login.status}: ${login.text.slice(0, 300)}`);
  const cookie = (login.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
  // A session's writes must come from the desk's own origin (NEXTAUTH_URL).
  const key = await httpRequest(port, "POST", "/api/resource/User/Administrator/api-key", undefined, {
    cookie,
    origin: `http://localhost:${port}`,
    accept: "application/json",
  });
  if (key.status !== 201) throw new Error(`API key creation answered ${key.status}: ${key.text.slice(0, 300)}`);
  const { data } = JSON.parse(key.text) as { data: { api_key: string; api_secret: string } };
  const auth = { authorization: `token ${data.api_key}:${data.api_secret}` };
  const base = `http://127.0.0.1:${receiverPort}`;
  for (const k of ["scale", "latency", "ready"] as const) {
    const r = await postJson(port, "/api/resource/Webhook", JSON.stringify(hook(HOOKS[k], DOCTYPES[k], base + PATHS[k])), {
      ...json,
      ...auth,
    });
    if (r.status !== 201) throw new Error(`creating webhook ${HOOKS[k]} answered ${r.status}: ${r.text.slice(0, 300)}`);
  }
  return auth;
}

// ─── Workers, and which receiver socket is whose ────────────────────────────────────────

interface WorkerProc {
  pid: number;
  proc: ChildProcess;
  output: () => string;
  killed: boolean;
}

function startWorkers(n: number, webEnv: NodeJS.ProcessEnv): WorkerProc[] {
  const env: NodeJS.ProcessEnv = { ...webEnv };
  delete env.WEBHOOK_WORKER;
  delete env.PORT;
  return Array.from({ length: n }, () => {
    // node itself (tsx as a loader, not the tsx CLI), so the pid is the worker's own: the one
    // /proc lists the sockets of, and the one SIGKILL hits.
    const { proc, output } = spawnKept(["--conditions=react-server", "--import", "tsx", "scripts/worker.ts"], env);
    if (!proc.pid) throw new Error("a worker did not start");
    return { pid: proc.pid, proc, output, killed: false };
  });
}

/** Gives the receiver's open sockets that have no owner yet the pid of the worker holding them. */
function attributeSockets(rec: DelayedReceiver, workers: WorkerProc[]): void {
  const open = rec.openByRemotePort();
  if (![...open.values()].some((s) => s.pid === undefined)) return;
  for (const w of workers) {
    if (w.killed) continue;
    for (const port of receiverPortsOf(w.pid, rec.port)) {
      const s = open.get(port);
      if (s && s.pid === undefined) s.pid = w.pid;
    }
  }
}

function checkAlive(workers: WorkerProc[], web?: Web) {
  if (web && !running(web.proc)) throw new Error(`the web process exited:\n${web.output().slice(-5000)}`);
  for (const w of workers)
    if (!w.killed && !running(w.proc))
      throw new Error(`worker ${w.pid} exited (${w.proc.exitCode ?? w.proc.signalCode}):\n${w.output().slice(-5000)}`);
}

const sendersSeen = (rec: DelayedReceiver) => new Set([...rec.sockets.values()].map((s) => s.pid));

/**
 * Posts "ready" events until every worker has sent one, then waits for the receiver to be idle
 * and the ready webhook to have no Queued rows (no delivery of it left to send or record
 * while the workers are paused).
 */
async function untilEveryWorkerSends(web: Web, auth: Record<string, string>, rec: DelayedReceiver, workers: WorkerProc[], db: FreshDb) {
  const by = Date.now() + 120_000;
  let posted = 0;
  for (;;) {
    attributeSockets(rec, workers);
    const seen = sendersSeen(rec);
    if (workers.every((w) => seen.has(w.pid))) break;
    checkAlive(workers, web);
    if (Date.now() > by) {
      const silent = workers.filter((w) => !seen.has(w.pid)).map((w) => w.pid);
      throw new Error(`workers ${silent.join(", ")} sent nothing in 120 s:\n${workers[0]?.output().slice(-3000) ?? ""}`);
    }
    const r = await postJson(web.port, "/api/events", eventBody(DOCTYPES.ready, `READY-${posted++}`), auth, 10_000).catch(() => undefined);
    if (r && r.status !== 202 && r.status < 500) throw new Error(`a ready event answered ${r.status}: ${r.text.slice(0, 300)}`);
    await sleep(25);
  }
  await untilIdle(rec, PATHS.ready, posted, 30_000);
  const queuedBy = Date.now() + 30_000;
  for (;;) {
    const queued = (await db.statuses([HOOKS.ready]))[HOOKS.ready]?.Queued ?? 0;
    if (queued === 0) break;
    checkAlive(workers, web);
    if (Date.now() > queuedBy) throw new Error(`${queued} ready deliveries still Queued 30 s after every worker sent one`);
    await sleep(100);
  }
}

/** Waits (bounded) until `docs` documents have come on `urlPath` and no request is open. */
async function untilIdle(rec: DelayedReceiver, urlPath: string, docs: number, timeoutMs: number) {
  const by = Date.now() + timeoutMs;
  while ((rec.ledger(urlPath).docs.size < docs || rec.pendingCount() > 0) && Date.now() < by) await sleep(20);
}

/**
 * SIGSTOP every worker, then checks an event is still accepted within 5 s (a worker paused
 * inside a transaction could hold a lock ingest needs: then resume, and pause again).
 */
async function pauseWorkers(web: Web, auth: Record<string, string>, workers: WorkerProc[]) {
  for (let attempt = 1; ; attempt++) {
    for (const w of workers) w.proc.kill("SIGSTOP");
    const r = await postJson(web.port, "/api/events", eventBody(DOCTYPES.ready, `PAUSE-PROBE-${attempt}`), auth, 5000).catch(
      () => undefined,
    );
    if (r?.status === 202) return;
    for (const w of workers) w.proc.kill("SIGCONT");
    if (attempt === 5)
      throw new Error(`with the workers paused, an event was not accepted within 5 s (${r?.status ?? "no answer"}), 5 times`);
    await sleep(300);
  }
}

// ─── The kill ───────────────────────────────────────────────────────────────────────────

interface KillSnapshot {
  pid: number;
  /** performance.now() just before the SIGKILL. */
  at: number;
  /** Distinct documents received on /scale when it was killed. */
  receivedBefore: number;
  sockets: ReceiverSocket[];
  /** Requests on its connections received (headers read) and not answered at the kill. */
  inflight: Receipt[];
  /**
   * What may be sent again: requests on its connections, or on a connection no live process
   * holds that started after the kill, whose `delivery` row still existed once it was gone
   * (recording an outcome deletes the row). Answered or not: the answer may have come after
   * the worker's last commit.
   */
  unrecorded: Receipt[];
}

/**
 * SIGKILLs the worker with the most open requests on its connections (read from /proc in the
 * same tick as the kill: the receiver, in this process, cannot move meanwhile); once it is
 * gone and the receiver has read what its sockets still held, asks the database which of the
 * requests it (or a connection no one owns, since the kill) sent have no outcome recorded.
 */
async function killBusiestWorker(
  rec: DelayedReceiver,
  workers: WorkerProc[],
  scalePath: string,
  /** Which ids still have their delivery row; `killedAt` for stand-ins that have no database. */
  pendingDeliveries: (ids: string[], killedAt: number) => Promise<Set<string>>,
): Promise<KillSnapshot> {
  attributeSockets(rec, workers);
  const pendingOf = (pid: number) => [...rec.sockets.values()].filter((s) => s.pid === pid).reduce((n, s) => n + s.pending.size, 0);
  const live = workers.filter((w) => !w.killed);
  const victim = live.reduce((best, w) => (pendingOf(w.pid) > pendingOf(best.pid) ? w : best), live[0] as WorkerProc);
  const ports = new Set(receiverPortsOf(victim.pid, rec.port));
  for (const s of rec.openByRemotePort().values()) if (ports.has(s.remotePort)) s.pid = victim.pid;
  const at = performance.now();
  const inflight = [...rec.sockets.values()].filter((s) => s.pid === victim.pid).flatMap((s) => [...s.pending]);
  const receivedBefore = rec.ledger(scalePath).docs.size;
  victim.proc.kill("SIGKILL");
  victim.killed = true;
  if (!(await exited(victim.proc, 10_000))) throw new Error(`worker ${victim.pid} did not exit 10 s after SIGKILL`);
  await sleep(KILL_DRAIN_MS);
  // The survivors' new connections get their owner; what is left unowned may be the victim's.
  attributeSockets(rec, workers);
  const sockets = [...rec.sockets.values()].filter((s) => s.pid === victim.pid);
  const candidates = [
    ...sockets.flatMap((s) => s.receipts),
    ...[...rec.sockets.values()].filter((s) => s.pid === undefined).flatMap((s) => s.receipts.filter((r) => r.startedAt >= at)),
  ].filter((r) => r.path === scalePath);
  const pending = await pendingDeliveries([...new Set(candidates.map((r) => r.id))], at);
  return { pid: victim.pid, at, receivedBefore, sockets, inflight, unrecorded: candidates.filter((r) => pending.has(r.id)) };
}

/** Answers the killed worker never read: on its connections, written at or after the kill. */
const deadAnswer = (k: KillSnapshot | undefined) => {
  if (!k) return () => false;
  const victim = new Set(k.sockets.map((s) => s.id));
  return (r: Receipt) => victim.has(r.socket) && r.answeredAt !== undefined && r.answeredAt >= k.at;
};

/** The duplicates of a kill run against what the killed worker left unrecorded. */
function killVerdict(
  rec: DelayedReceiver,
  scalePath: string,
  k: KillSnapshot,
  ledger: Pick<Ledger, "missing" | "still_queued" | "new_id_resends">,
) {
  const { missing, still_queued: stillQueued, new_id_resends: newIdResends } = ledger;
  const victimSockets = new Set(k.sockets.map((s) => s.id));
  const inflight = new Set(k.inflight);
  const unrecorded = new Set(k.unrecorded);
  const dups = [...rec.ledger(scalePath).ids].filter(([, rs]) => rs.length > 1);
  const duplicates = dups.map(([id, rs]) => {
    const first = rs[0] as Receipt;
    return {
      webhook_id: id,
      document: first.doc,
      receipts: rs.length,
      // Same webhook-id by construction (keyed by it); each is also checked to be one document.
      first_on_killed_worker: victimSockets.has(first.socket),
      first_in_flight_at_kill: inflight.has(first),
      // Every receipt but the last one was left without an outcome by the kill.
      earlier_unrecorded: rs.slice(0, -1).every((r) => unrecorded.has(r)),
      first_aborted: !!first.aborted,
      first_answered_ms_before_kill: first.answeredAt !== undefined && first.answeredAt <= k.at ? round(k.at - first.answeredAt) : null,
      resent_after_kill_ms: round((rs[1]?.receivedAt ?? NaN) - k.at),
    };
  });
  const explained = duplicates.every((d) => d.earlier_unrecorded);
  return {
    killed_pid: k.pid,
    killed_at_received: k.receivedBefore,
    killed_worker_connections: k.sockets.length,
    // "In flight" seen from the receiver: sent on the killed worker's connections, unanswered.
    killed_worker_in_flight: k.inflight.length,
    // Its requests whose delivery row was still there after it died: the ones that may come again.
    killed_worker_unrecorded: {
      requests: k.unrecorded.length,
      answered_before_kill: k.unrecorded.filter((r) => r.answeredAt !== undefined && r.answeredAt < k.at).length,
      read_after_ms: KILL_DRAIN_MS,
    },
    duplicates: duplicates.length,
    duplicate_bound: k.unrecorded.length,
    duplicates_explained: explained,
    new_id_resends: newIdResends,
    missing,
    still_queued: stillQueued,
    duplicate_list: duplicates.slice(0, 500),
    pass: missing === 0 && stillQueued === 0 && newIdResends === 0 && duplicates.length <= k.unrecorded.length && explained,
  };
}

// ─── One run ────────────────────────────────────────────────────────────────────────────

type PathLedger = ReturnType<DelayedReceiver["ledger"]>;

/** How many of `sent` the receiver answered 200 for, not counting answers `unread` (their sender was dead). */
function receivedDocs(l: PathLedger, sent: string[], unread: (r: Receipt) => boolean): number {
  const answered = (r: Receipt) => r.answeredAt !== undefined && !unread(r);
  return sent.filter((d) => [...(l.docs.get(d) ?? [])].some((id) => (l.ids.get(id) ?? []).some(answered))).length;
}

/**
 * What was sent and received on one path, balanced against the request log. `unread`: answers
 * the killed worker never read (its connections, at or after the kill) do not count as received.
 */
async function ledgerOf(
  db: FreshDb,
  rec: DelayedReceiver,
  webhook: string,
  urlPath: string,
  sent: string[],
  waitMs: number,
  unread: (r: Receipt) => boolean = () => false,
) {
  const by = Date.now() + waitMs;
  let statuses: Record<string, number> = {};
  for (;;) {
    statuses = (await db.statuses([webhook]))[webhook] ?? {};
    const open = (statuses.Queued ?? 0) + (statuses.Failed ?? 0);
    if (open === 0 || Date.now() > by) break;
    await sleep(200);
  }
  const l = rec.ledger(urlPath);
  const received = receivedDocs(l, sent, unread);
  const failed = (statuses.Exhausted ?? 0) + (statuses.Error ?? 0) + (statuses.Failed ?? 0);
  const duplicates = [...l.ids.values()].reduce((n, rs) => n + rs.length - 1, 0);
  return {
    events_sent: sent.length,
    // Documents the receiver answered 200 for (a request cut off by a kill is not one, nor an
    // answer written to a killed worker's connection).
    deliveries_received: received,
    distinct_webhook_ids: l.ids.size,
    receiver_requests: l.requests,
    duplicates,
    // A document that came with two webhook-ids: sent again as a new delivery.
    new_id_resends: [...l.docs.values()].filter((ids) => ids.size > 1).length,
    failed,
    missing: sent.length - received - failed,
    // Log rows never finished (received or not): a delivery whose outcome was lost.
    still_queued: statuses.Queued ?? 0,
    log_statuses: statuses,
    failures: failed ? await db.failures(webhook) : [],
  };
}

type Ledger = Awaited<ReturnType<typeof ledgerOf>>;

interface RunResult {
  kind: "scale" | "kill";
  workers: number;
  worker_pids: number[];
  ingest: { events: number; seconds: number; events_per_s: number };
  delivery: {
    events: number;
    window: { from_pct: number; to_pct: number; seconds: number; deliveries: number };
    deliveries_per_s: number;
    resume_to_last_s: number;
    /** Distinct deliveries first received from each worker (by pid); unattributed: a socket /proc never showed. */
    by_worker: Record<string, number>;
    /** Per process group (as sampled), the window, and the whole machine's busy cores. */
    cpu_s?: { workers: number; database: number; web: number; seconds: number; cores_busy: number };
    /** deliveries_per_s over what the slots allow: n × concurrency requests per RECEIVER_DELAY_MS. */
    slot_efficiency: number;
    /** The processes kept ≥ CPU_BOUND_SHARE of the machine's cores busy: the rate says more about CPU than slots. */
    cpu_bound: boolean;
  };
  latency?: {
    rate_per_s: number;
    events: number;
    received: number;
    /** From the POST's start to the receiver's (conservative, as the SQLite bench's accept→receive). */
    post_to_receive_p50_ms: number;
    post_to_receive_p95_ms: number;
    post_to_receive_p99_ms: number;
    /** The POST itself (start → 202). */
    post_p50_ms: number;
    post_p95_ms: number;
    /** 202 → received: what the target is on. */
    accepted_to_receive_p50_ms: number;
    accepted_to_receive_p95_ms: number;
    accepted_to_receive_p99_ms: number;
  };
  ledger: Ledger;
  latency_ledger?: Ledger;
  kill?: ReturnType<typeof killVerdict> & { recovered_after_s: number };
}

/** Distinct documents per second between the WINDOW marks of their first receipt. */
function steadyRate(firstTimes: number[]): { seconds: number; deliveries: number; perS: number } {
  const t = [...firstTimes].sort((a, b) => a - b);
  const lo = Math.floor((WINDOW.fromPct / 100) * (t.length - 1));
  const hi = Math.ceil((WINDOW.toPct / 100) * (t.length - 1));
  const seconds = ((t[hi] ?? NaN) - (t[lo] ?? NaN)) / 1000;
  return { seconds, deliveries: hi - lo, perS: (hi - lo) / seconds };
}

async function runOnce(backend: Backend, o: ScaleOptions, kind: "scale" | "kill", n: number, seq: number): Promise<RunResult> {
  const label = `${kind} ${n} worker${n > 1 ? "s" : ""}`;
  const dbName = `bench_scale_${seq}_${kind}_${n}w`;
  const db = await backend.fresh(dbName);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "wd-scale-data-"));
  const rec = await startDelayedReceiver(RECEIVER_DELAY_MS, [PATHS.scale, PATHS.latency, PATHS.ready]);
  let web: Web | undefined;
  let workers: WorkerProc[] = [];
  let sampler: NodeJS.Timeout | undefined;
  try {
    web = await startWeb(db.url, dataDir, settingsEnv(o));
    const auth = await setUpThroughApi(web.port, rec.port);
    workers = startWorkers(n, web.env);
    sampler = setInterval(() => attributeSockets(rec, workers), 100);
    await untilEveryWorkerSends(web, auth, rec, workers, db);
    log(
      `${label}: web :${web.port} (pid ${web.proc.pid}), workers ${workers.map((w) => w.pid).join(", ")} all sending; database ${dbName}`,
    );

    // Backlog, workers paused: ingest alone, then every worker starts on a full queue at once.
    await pauseWorkers(web, auth, workers);
    await postBatches(web.port, auth, DOCTYPES.warm, `WARM-${seq}`, 10, INGEST_IN_FLIGHT);
    const events = o.backlogPerWorker * n;
    const i0 = performance.now();
    const sent = await postBatches(web.port, auth, DOCTYPES.scale, `S${seq}`, Math.ceil(events / BATCH), INGEST_IN_FLIGHT);
    const ingestS = (performance.now() - i0) / 1000;
    log(`${label}: ingested ${sent.length} events in ${ingestS.toFixed(2)} s = ${(sent.length / ingestS).toFixed(0)} events/s`);

    const cpuPids = () => ({
      workers: workers.filter((w) => !w.killed).flatMap((w) => descendants(w.pid)),
      database: backend.serverPid ? descendants(backend.serverPid) : [],
      web: descendants(web?.proc.pid ?? 0),
    });
    const cpu = () => {
      const p = cpuPids();
      // machine: busy cores of the whole machine (bench client and receiver included), which
      // also counts processes that exited in between (PostgreSQL backends take their ticks
      // with them, so the per-process sums can even fall): it decides "CPU-bound".
      return {
        workers: cpuSecondsOf(p.workers),
        database: cpuSecondsOf(p.database),
        web: cpuSecondsOf(p.web),
        machine: machineBusySeconds(),
      };
    };
    const cpu0 = cpu();
    const r0 = performance.now();
    for (const w of workers) w.proc.kill("SIGCONT");
    const scale = rec.ledger(PATHS.scale);
    const expectedS = events / slotRate(n, o.concurrency);
    const by = Date.now() + (kind === "kill" ? o.killWaitS * 1000 : 0) + expectedS * 5000 + 60_000;
    let killed: KillSnapshot | undefined;
    let cpuWindow: ReturnType<typeof cpu> | undefined;
    while (scale.docs.size < sent.length) {
      if (Date.now() > by) throw new Error(`${label}: ${scale.docs.size} of ${sent.length} deliveries received in time`);
      checkAlive(workers, web);
      if (kind === "kill" && !killed && scale.docs.size >= sent.length / 2) {
        cpuWindow = cpu(); // before the victim's CPU is gone with it
        killed = await killBusiestWorker(rec, workers, PATHS.scale, db.pendingDeliveries);
        log(
          `${label}: killed worker ${killed.pid} (SIGKILL) at ${killed.receivedBefore} of ${sent.length}; ${killed.inflight.length} requests in flight on its ${killed.sockets.length} connections, ${killed.unrecorded.length} of its requests without an outcome once it was gone`,
        );
      }
      await sleep(20);
    }
    const last = Math.max(...sent.map((d) => scale.firstByDoc.get(d) ?? 0));
    const cpu1 = cpuWindow ?? cpu();
    const rate = steadyRate(sent.map((d) => scale.firstByDoc.get(d) ?? NaN));
    const byWorker: Record<string, number> = {};
    const owner = new Map([...rec.sockets.values()].map((s) => [s.id, s.pid]));
    for (const [, rs] of scale.ids) {
      const pid = owner.get((rs[0] as Receipt).socket);
      const k = pid === undefined ? "unattributed" : String(pid);
      byWorker[k] = (byWorker[k] ?? 0) + 1;
    }
    const windowS = ((killed?.at ?? last) - r0) / 1000;
    const coresBusy = round((cpu1.machine - cpu0.machine) / windowS, 2);
    const delivery: RunResult["delivery"] = {
      events: sent.length,
      window: { from_pct: WINDOW.fromPct, to_pct: WINDOW.toPct, seconds: round(rate.seconds, 2), deliveries: rate.deliveries },
      deliveries_per_s: Math.round(rate.perS),
      resume_to_last_s: round((last - r0) / 1000, 2),
      by_worker: byWorker,
      cpu_s: {
        workers: round(cpu1.workers - cpu0.workers, 2),
        database: round(cpu1.database - cpu0.database, 2),
        web: round(cpu1.web - cpu0.web, 2),
        seconds: round(windowS, 2),
        cores_busy: coresBusy,
      },
      slot_efficiency: round(rate.perS / slotRate(n, o.concurrency), 2),
      cpu_bound: coresBusy >= CPU_BOUND_SHARE * os.cpus().length,
    };
    log(
      `${label}: ${delivery.deliveries_per_s} deliveries/s over the ${WINDOW.fromPct}–${WINDOW.toPct}% window (${delivery.window.seconds} s; ${delivery.slot_efficiency} of what the slots allow); all received ${delivery.resume_to_last_s} s after resuming; cores busy ${coresBusy} of ${os.cpus().length}${delivery.cpu_bound ? " (CPU-bound)" : ""}`,
    );

    let latency: RunResult["latency"];
    let latencyLedger: Ledger | undefined;
    if (kind === "scale") {
      const postedAt = new Map<string, number>();
      const acceptedAt = new Map<string, number>();
      await openLoop(
        LATENCY_RATE,
        (i) => i < LATENCY_RATE * LATENCY_SECONDS,
        (i) => {
          const name = `L${seq}-${i}`;
          postedAt.set(name, performance.now());
          return postJson(web?.port ?? 0, "/api/events", eventBody(DOCTYPES.latency, name), auth).then((r) => {
            if (r.status !== 202) throw new Error(`a latency event answered ${r.status}: ${r.text.slice(0, 300)}`);
            acceptedAt.set(name, performance.now());
          });
        },
      );
      await untilIdle(rec, PATHS.latency, postedAt.size, 60_000);
      const firsts = rec.ledger(PATHS.latency).firstByDoc;
      const sorted = (from: Map<string, number>, to: (d: string) => number | undefined) =>
        [...from]
          .map(([d, t]) => (to(d) ?? NaN) - t)
          .filter((v) => !Number.isNaN(v))
          .sort((a, b) => a - b);
      // From the POST's start (conservative, as the SQLite bench), the POST itself, and 202 → received.
      const lat = sorted(postedAt, (d) => firsts.get(d));
      const post = sorted(postedAt, (d) => acceptedAt.get(d));
      const after = sorted(acceptedAt, (d) => firsts.get(d));
      latency = {
        rate_per_s: LATENCY_RATE,
        events: postedAt.size,
        received: lat.length,
        post_to_receive_p50_ms: round(percentile(lat, 50)),
        post_to_receive_p95_ms: round(percentile(lat, 95)),
        post_to_receive_p99_ms: round(percentile(lat, 99)),
        post_p50_ms: round(percentile(post, 50)),
        post_p95_ms: round(percentile(post, 95)),
        accepted_to_receive_p50_ms: round(percentile(after, 50)),
        accepted_to_receive_p95_ms: round(percentile(after, 95)),
        accepted_to_receive_p99_ms: round(percentile(after, 99)),
      };
      log(
        `${label}: at ${LATENCY_RATE}/s, 202→received p50 ${latency.accepted_to_receive_p50_ms} / p95 ${latency.accepted_to_receive_p95_ms} / p99 ${latency.accepted_to_receive_p99_ms} ms; POST start→received p50 ${latency.post_to_receive_p50_ms} / p95 ${latency.post_to_receive_p95_ms} / p99 ${latency.post_to_receive_p99_ms} ms (the POST p50 ${latency.post_p50_ms} / p95 ${latency.post_p95_ms})`,
      );
      latencyLedger = await ledgerOf(db, rec, HOOKS.latency, PATHS.latency, [...postedAt.keys()], 60_000);
    }
    const ledger = await ledgerOf(
      db,
      rec,
      HOOKS.scale,
      PATHS.scale,
      sent,
      kind === "kill" ? o.killWaitS * 1000 : 60_000,
      deadAnswer(killed),
    );
    const result: RunResult = {
      kind,
      workers: n,
      worker_pids: workers.map((w) => w.pid),
      ingest: { events: sent.length, seconds: round(ingestS, 2), events_per_s: Math.round(sent.length / ingestS) },
      delivery,
      ...(latency ? { latency, latency_ledger: latencyLedger } : {}),
      ledger,
    };
    if (killed) {
      result.kill = {
        ...killVerdict(rec, PATHS.scale, killed, ledger),
        recovered_after_s: round((last - killed.at) / 1000, 2),
      };
      log(
        `${label}: missing ${ledger.missing}, still queued ${ledger.still_queued}; ${result.kill.duplicates} duplicates (bound ${result.kill.duplicate_bound}: the killed worker's requests left without an outcome, ${killed.inflight.length} of them in flight at the kill); all received ${result.kill.recovered_after_s} s after the kill`,
      );
    }
    return result;
  } catch (e) {
    if (web) process.stderr.write(`[bench] web process output (tail):\n${web.output().slice(-3000)}\n`);
    for (const w of workers) process.stderr.write(`[bench] worker ${w.pid} output (tail):\n${w.output().slice(-2000)}\n`);
    throw e;
  } finally {
    if (sampler) clearInterval(sampler);
    await stopProcesses([...workers.map((w) => w.proc), ...(web ? [web.proc] : [])]);
    await rec.close();
    await db.drop().catch((e: unknown) => log(`could not drop ${dbName}: ${String(e)}`));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// ─── Results ────────────────────────────────────────────────────────────────────────────

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2 : NaN;
};

const NOT_COMPARABLE = "not comparable (CPU-bound)";

/** A scale run's ledgers (its backlog's and its latency step's). */
const ledgersOf = (r: RunResult) => [r.ledger, ...(r.latency_ledger ? [r.latency_ledger] : [])];

function summarize(o: ScaleOptions, database: string, runs: RunResult[], started: number) {
  const scaleRuns = runs.filter((r) => r.kind === "scale");
  const base = scaleRuns[0];
  const ratios: Record<string, number> = {};
  for (const r of scaleRuns.slice(1))
    if (base) ratios[`${r.workers}/${base.workers}`] = round(r.delivery.deliveries_per_s / base.delivery.deliveries_per_s, 2);
  const ingestPerS = Math.round(median(runs.map((r) => r.ingest.events_per_s)));
  const kill = runs.find((r) => r.kind === "kill")?.kill;
  const every = runs.flatMap(ledgersOf);
  const missing = every.reduce((n, l) => n + l.missing, 0);
  const stillQueued = every.reduce((n, l) => n + l.still_queued, 0);
  const pass: Record<string, boolean> = { ingest: ingestPerS >= TARGETS.ingestPerS };
  // Targets that could not be judged, and why (still measured and reported).
  const notJudged: Record<string, string> = {};
  if (base?.workers === 1) {
    for (const r of scaleRuns.slice(1)) {
      const target = TARGETS.ratio[r.workers];
      const key = `ratio_${r.workers}_to_1`;
      if (target === undefined) continue;
      // A CPU-bound run measures the machine, not the slots: its ratio cannot show scaling.
      if (r.delivery.cpu_bound || base.delivery.cpu_bound) notJudged[key] = NOT_COMPARABLE;
      else pass[key] = (ratios[`${r.workers}/1`] ?? 0) >= target;
    }
  }
  for (const r of scaleRuns)
    if (r.latency) pass[`accepted_to_receive_p95_${r.workers}w`] = r.latency.accepted_to_receive_p95_ms <= TARGETS.acceptedToReceiveP95Ms;
  pass.missing = missing <= TARGETS.missing && stillQueued === 0;
  // Without a kill every delivery is sent once, with one webhook-id per document.
  pass.no_duplicates = scaleRuns.flatMap(ledgersOf).every((l) => l.duplicates === 0 && l.new_id_resends === 0);
  pass.no_failures = every.every((l) => l.failed === 0);
  if (kill) pass.kill = kill.pass;
  return {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      node: process.version,
      load_avg_end: os.loadavg().map((v) => round(v, 2)),
    },
    database,
    bench_seconds: Math.round((performance.now() - started) / 1000),
    settings: {
      receiver_delay_ms: RECEIVER_DELAY_MS,
      per_worker_concurrency: { queue: "default", slots: o.concurrency, env: `WEBHOOK_QUEUE_CONCURRENCY=default=${o.concurrency}` },
      max_inflight_per_webhook: {
        value: MAX_INFLIGHT_PER_WEBHOOK,
        env: "WEBHOOK_MAX_INFLIGHT_PER_WEBHOOK",
        why: "far above every slot: the cap never binds",
      },
      webhook_timeout_s: WEBHOOK_TIMEOUT_S,
      lease_margin_ms: LEASE_MARGIN_MS,
      backlog_per_worker: o.backlogPerWorker,
      ingest: { batch_size: BATCH, in_flight: INGEST_IN_FLIGHT, workers: "paused (SIGSTOP)" },
      window_pct: [WINDOW.fromPct, WINDOW.toPct],
      workers: o.workers,
      kill_workers: o.killWorkers,
      network: "loopback, one namespace (a worker's connections are told apart through /proc)",
    },
    ingest: {
      events_per_s: ingestPerS,
      of: "median of the runs",
      by_run: runs.map((r) => ({ kind: r.kind, workers: r.workers, ...r.ingest })),
    },
    delivery: {
      // Distinct documents per second (first receipt of each), over the window.
      deliveries_per_s: Object.fromEntries(scaleRuns.map((r) => [String(r.workers), r.delivery.deliveries_per_s])),
      ratios,
      // deliveries/s ÷ (workers × slots × 1000 / receiver delay): 1 = every slot always busy.
      slot_efficiency: Object.fromEntries(scaleRuns.map((r) => [String(r.workers), r.delivery.slot_efficiency])),
      cpu_bound: Object.fromEntries(scaleRuns.map((r) => [String(r.workers), r.delivery.cpu_bound])),
      cpu_bound_at_cores_busy: round(CPU_BOUND_SHARE * os.cpus().length, 2),
      by_run: scaleRuns.map((r) => ({ workers: r.workers, ...r.delivery })),
    },
    latency: {
      rate_per_s: LATENCY_RATE,
      // 202 → received (the target); and from the POST's start, the POST included.
      accepted_to_receive_p95_ms: Object.fromEntries(
        scaleRuns.map((r) => [String(r.workers), r.latency?.accepted_to_receive_p95_ms ?? NaN]),
      ),
      post_to_receive_p95_ms: Object.fromEntries(scaleRuns.map((r) => [String(r.workers), r.latency?.post_to_receive_p95_ms ?? NaN])),
      by_run: scaleRuns.map((r) => ({ workers: r.workers, ...r.latency })),
    },
    ...(kill ? { kill: { workers: o.killWorkers, ...kill } } : {}),
    ledgers: runs.map((r) => ({ kind: r.kind, workers: r.workers, scale: r.ledger, latency: r.latency_ledger })),
    missing,
    still_queued: stillQueued,
    // The bench's own POSTs sent again after a reused keep-alive socket was reset unanswered.
    client_reused_socket_retries: clientStats.reusedSocketRetries,
    targets: {
      ingest_per_s: TARGETS.ingestPerS,
      ratio_to_1_worker: TARGETS.ratio,
      ratio_judged: `only when neither run is CPU-bound (cores busy ≥ ${CPU_BOUND_SHARE} × cpus)`,
      accepted_to_receive_p95_ms: TARGETS.acceptedToReceiveP95Ms,
      missing: TARGETS.missing,
      still_queued: 0,
      no_duplicates: "scale runs: duplicates 0 and new-id resends 0",
      no_failures: "failed 0 in every run",
      kill: "missing 0, still queued 0, no new-id resend; every duplicate's earlier receipts are requests the killed worker left without an outcome (their delivery row still there once it was gone)",
    },
    pass,
    not_judged: notJudged,
    // Every target judged and met: a target that could not be judged is not a pass.
    all_pass: Object.values(pass).every(Boolean) && Object.keys(notJudged).length === 0,
  };
}

type ScaleResults = ReturnType<typeof summarize>;

function printScaleTable(s: ScaleResults) {
  const v = (k: string) => s.not_judged[k] ?? (s.pass[k] === undefined ? "" : s.pass[k] ? "ok" : "FAIL");
  const rows: [string, string, string, string][] = [
    [
      `ingest on ${s.database.split(" (")[0]}`,
      `${s.ingest.events_per_s} events/s (median of ${s.ingest.by_run.length} runs)`,
      `≥ ${TARGETS.ingestPerS}`,
      v("ingest"),
    ],
  ];
  const base = s.delivery.by_run[0];
  for (const r of s.delivery.by_run) {
    const ratio = s.delivery.ratios[`${r.workers}/${base?.workers}`];
    const key = `ratio_${r.workers}_to_1`;
    const warn = r.cpu_bound || (ratio !== undefined && base?.cpu_bound) ? " ⚠" : "";
    rows.push([
      `deliveries, ${r.workers} worker${r.workers > 1 ? "s" : ""}`,
      `${r.deliveries_per_s} /s${ratio !== undefined ? ` = ${ratio} ×${warn}` : warn} (${r.slot_efficiency} of the slots; cores busy ${r.cpu_s?.cores_busy ?? "?"}${r.cpu_bound ? ", CPU-bound" : ""})`,
      s.pass[key] === undefined && s.not_judged[key] === undefined ? "" : `≥ ${TARGETS.ratio[r.workers]} ×`,
      v(key),
    ]);
  }
  for (const r of s.latency.by_run)
    rows.push([
      `202→received @${r.rate_per_s}/s, ${r.workers} w`,
      `p50 ${r.accepted_to_receive_p50_ms} / p95 ${r.accepted_to_receive_p95_ms} / p99 ${r.accepted_to_receive_p99_ms} ms (from the POST's start p95 ${r.post_to_receive_p95_ms})`,
      `p95 ≤ ${TARGETS.acceptedToReceiveP95Ms}`,
      v(`accepted_to_receive_p95_${r.workers}w`),
    ]);
  const k = s.kill;
  if (k)
    rows.push([
      `kill -9 of 1 of ${k.workers} at half`,
      `missing ${k.missing}; duplicates ${k.duplicates} ≤ ${k.duplicate_bound} left without an outcome (${k.killed_worker_in_flight} in flight at the kill)${k.new_id_resends ? `; ${k.new_id_resends} sent with a new id` : ""}; recovered in ${k.recovered_after_s} s`,
      "missing 0, dup ≤ unrecorded",
      v("kill"),
    ]);
  const all = s.ledgers.flatMap((l) => [l.scale, ...(l.latency ? [l.latency] : [])]);
  const scaleOnly = s.ledgers.filter((l) => l.kind === "scale").flatMap((l) => [l.scale, ...(l.latency ? [l.latency] : [])]);
  const sum = (ls: Ledger[], k: "events_sent" | "failed" | "duplicates" | "new_id_resends") => ls.reduce((n, l) => n + l[k], 0);
  rows.push(
    [
      "ledger (every run)",
      `sent ${sum(all, "events_sent")}; missing ${s.missing}; still queued ${s.still_queued}`,
      `missing = ${TARGETS.missing}`,
      v("missing"),
    ],
    [
      "duplicates (scale runs)",
      `${sum(scaleOnly, "duplicates")} duplicates, ${sum(scaleOnly, "new_id_resends")} sent with a new id`,
      "= 0",
      v("no_duplicates"),
    ],
    ["failures (every run)", `${sum(all, "failed")} failed`, "= 0", v("no_failures")],
  );
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((x) => x[i]?.length ?? 0)));
  console.log("");
  for (const row of rows)
    console.log(`  ${row[0].padEnd(w[0] ?? 0)}  ${row[1].padEnd(w[1] ?? 0)}  ${row[2].padEnd(w[2] ?? 0)}  ${row[3]}`.trimEnd());
  if (Object.keys(s.not_judged).length)
    console.log(
      `\n  ⚠ CPU-bound (cores busy ≥ ${s.delivery.cpu_bound_at_cores_busy} of ${s.machine.cpus}): its ratio is printed but not judged; all_pass stays false`,
    );
  console.log("");
}

function writeResults(file: string, results: unknown) {
  fs.mkdirSync(path.join(ROOT, "bench", "results"), { recursive: true });
  fs.writeFileSync(path.join(ROOT, "bench", "results", file), JSON.stringify(results, null, 2) + "\n");
  log(`wrote bench/results/${file}`);
}

// ─── Entry ──────────────────────────────────────────────────────────────────────────────

export async function runScale(o: ScaleOptions): Promise<void> {
  exitOnSignals();
  if (o.crash) return crashChild(o.crash);
  if (o.selftest) return selftest();
  const started = performance.now();
  const load = os.loadavg()[0] ?? 0;
  if (load > 1) log(`warning: load average ${load.toFixed(2)} before the bench: other work on this machine will skew the figures`);
  const backend = o.dialect === "postgres" ? await postgresBackend() : sqliteBackend();
  try {
    const runs: RunResult[] = [];
    let seq = 0;
    for (const n of o.workers) runs.push(await runOnce(backend, o, "scale", n, ++seq));
    if (o.killWorkers) runs.push(await runOnce(backend, o, "kill", o.killWorkers, ++seq));
    const results = summarize(o, backend.describe, runs, started);
    printScaleTable(results);
    writeResults(o.dialect === "postgres" ? "scale.json" : "scale-sqlite.json", results);
  } finally {
    backend.stop();
  }
}

// ─── Selftest: the bench's parts, without the app ───────────────────────────────────────

/** A stand-in worker: `SLOTS` keep-alive connections to the receiver, each always sending. */
const FAKE_WORKER = `
const http = require("node:http");
const port = Number(process.env.RECEIVER_PORT), slots = Number(process.env.SLOTS);
const agent = new http.Agent({ keepAlive: true, maxSockets: slots });
let n = 0;
function one() {
  const id = process.pid + "-" + n++;
  const body = JSON.stringify({ name: "D-" + id });
  const req = http.request({ host: "127.0.0.1", port, path: "/scale", method: "POST", agent,
    headers: { "webhook-id": id, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
    (res) => { res.resume(); res.on("end", one); });
  req.on("error", () => setTimeout(one, 50));
  req.end(body);
}
for (let i = 0; i < slots; i++) one();
`;

function spawnFakeWorker(receiverPort: number, slots: number): WorkerProc {
  const { proc, output } = spawnKept(["-e", FAKE_WORKER], { ...process.env, RECEIVER_PORT: String(receiverPort), SLOTS: String(slots) });
  if (!proc.pid) throw new Error("the fake worker did not start");
  return { pid: proc.pid, proc, output, killed: false };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    const state = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
};

/** For the selftest's cleanup check: a cluster and a child, then a crash or a wait for a signal. */
async function crashChild(c: { mode: "throw" | "signal"; file: string }): Promise<void> {
  const cluster = startCluster();
  const child = killOnExit(spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }));
  fs.writeFileSync(c.file, JSON.stringify({ dir: cluster.dir, postmaster: postmasterPid(cluster.dir), child: child.pid }));
  if (c.mode === "throw") throw new Error("selftest: a deliberate crash");
  await sleep(120_000);
}

async function selftest(): Promise<void> {
  const started = performance.now();
  const checks: { check: string; ok: boolean; detail: string }[] = [];
  const check = (name: string, ok: boolean, detail: string) => {
    checks.push({ check: name, ok, detail });
    log(`${ok ? "ok  " : "FAIL"} ${name}: ${detail}`);
  };

  // 1. Cluster, fresh databases (isolated, dropped), statuses read back.
  const cluster = startCluster();
  check("cluster starts", /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/.test(cluster.url), cluster.url);
  const clusterPort = Number(new URL(cluster.url).port);
  // The bench's own backend starts a second cluster, used from here on.
  const backend = await postgresBackend();
  cluster.stop();
  check("cluster stop removes its directory", !fs.existsSync(cluster.dir), cluster.dir);
  const portClosed = await new Promise<boolean>((r) => {
    const req = http.get({ host: "127.0.0.1", port: clusterPort, timeout: 1000 }, () => r(false));
    req.on("error", () => r(true));
  });
  check("cluster stop closes its port", portClosed, `port ${clusterPort}`);
  const a = await backend.fresh("bench_selftest_a");
  const b = await backend.fresh("bench_selftest_b");
  await pgQuery(a.url, "CREATE TABLE webhook_request_log (webhook text, status text)");
  await pgQuery(
    a.url,
    "INSERT INTO webhook_request_log VALUES ('h1','Delivered'),('h1','Delivered'),('h1','Queued'),('h2','Error'),('h3','Delivered')",
  );
  const st = await a.statuses(["h1", "h2"]);
  check(
    "statuses per webhook",
    JSON.stringify(st) === JSON.stringify({ h1: { Delivered: 2, Queued: 1 }, h2: { Error: 1 } }),
    JSON.stringify(st),
  );
  const inB = await pgQuery<{ n: number }>(
    b.url,
    "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'webhook_request_log'",
  );
  check("fresh databases are separate", inB[0]?.n === 0, `${b.url}: ${inB[0]?.n} tables named webhook_request_log`);
  await a.drop();
  await b.drop();
  const left = await pgQuery<{ n: number }>(
    databaseUrl(a.url, "postgres"),
    "SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE 'bench_selftest_%'",
  );
  check("fresh databases are dropped", left[0]?.n === 0, `${left[0]?.n} left`);

  // 2. The receiver: answers after 100 ms, counts requests, webhook-ids, documents, open requests.
  const rec = await startDelayedReceiver(RECEIVER_DELAY_MS, ["/t"]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 40 });
  const send = (id: string) =>
    new Promise<number>((resolve, reject) => {
      const t = performance.now();
      const body = JSON.stringify({ name: `DOC-${id}`, other: { name: "inner" } });
      const req = http.request(
        {
          host: "127.0.0.1",
          port: rec.port,
          path: "/t",
          method: "POST",
          agent,
          headers: { "webhook-id": id, "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(performance.now() - t));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  let peak = 0;
  const peakTimer = setInterval(() => (peak = Math.max(peak, rec.pendingCount())), 5);
  const times = await Promise.all(Array.from({ length: 40 }, (_, i) => send(`id-${i}`)));
  const again = await Promise.all(Array.from({ length: 5 }, (_, i) => send(`id-${i}`)));
  clearInterval(peakTimer);
  const all = [...times, ...again].sort((x, y) => x - y);
  check(
    "receiver answers after its delay",
    (all[0] ?? 0) >= RECEIVER_DELAY_MS && (all[all.length - 1] ?? 1e9) < RECEIVER_DELAY_MS + 300,
    `${round(all[0] ?? NaN)}–${round(all[all.length - 1] ?? NaN)} ms`,
  );
  const t = rec.ledger("/t");
  check(
    "receiver counts",
    t.requests === 45 &&
      t.ids.size === 40 &&
      t.docs.size === 40 &&
      [...t.ids.values()].filter((rs) => rs.length > 1).length === 5 &&
      t.docs.has("DOC-id-3"),
    `requests ${t.requests}, ids ${t.ids.size}, documents ${t.docs.size}`,
  );
  check("receiver open requests", peak >= 35 && rec.pendingCount() === 0, `peak ${peak} of 40 concurrent, ${rec.pendingCount()} now`);
  agent.destroy();
  await rec.close();

  // 3. Processes: two stand-in workers; /proc tells their connections apart; the kill accounting.
  const SLOTS = 8;
  const frec = await startDelayedReceiver(RECEIVER_DELAY_MS, ["/scale"]);
  const fakes = [spawnFakeWorker(frec.port, SLOTS), spawnFakeWorker(frec.port, SLOTS)];
  const sampler = setInterval(() => attributeSockets(frec, fakes), 100);
  await sleep(1500);
  attributeSockets(frec, fakes);
  const scale = frec.ledger("/scale");
  const misattributed = [...frec.sockets.values()]
    .flatMap((s) => s.receipts)
    .filter((r) => !r.id.startsWith(`${frec.sockets.get(r.socket)?.pid}-`));
  const perFake = fakes.map((f) => [...frec.sockets.values()].filter((s) => s.pid === f.pid && s.closedAt === undefined).length);
  check(
    "connections attributed to their process (/proc)",
    misattributed.length === 0 && perFake.every((n) => n === SLOTS),
    `${perFake.join(" + ")} open connections (${SLOTS} each expected); ${misattributed.length} of ${scale.requests} requests on a socket of another pid`,
  );
  // The database's part, for stand-ins: a request answered before the kill had its outcome recorded.
  const fakePending = async (ids: string[], killedAt: number) => {
    const recorded = new Set(
      [...frec.sockets.values()]
        .flatMap((s) => s.receipts)
        .filter((r) => r.answeredAt !== undefined && r.answeredAt < killedAt)
        .map((r) => r.id),
    );
    return new Set(ids.filter((id) => !recorded.has(id)));
  };
  const snap = await killBusiestWorker(frec, fakes, "/scale", fakePending);
  const victim = fakes.find((f) => f.pid === snap.pid) as WorkerProc;
  const survivor = fakes.find((f) => f.pid !== snap.pid) as WorkerProc;
  const unrecorded = new Set(snap.unrecorded);
  check(
    "kill snapshot: the victim's in-flight, and what it left without an outcome",
    snap.inflight.length >= SLOTS - 2 &&
      snap.inflight.length <= SLOTS &&
      snap.inflight.every((r) => unrecorded.has(r)) &&
      snap.unrecorded.every((r) => r.answeredAt === undefined || r.answeredAt >= snap.at),
    `${snap.inflight.length} in flight on ${snap.sockets.length} connections (≤ ${SLOTS}); ${snap.unrecorded.length} without an outcome once it was gone`,
  );
  await sleep(500);
  check("kill -9 ends the victim", !running(victim.proc) && victim.proc.signalCode === "SIGKILL", `exit signal ${victim.proc.signalCode}`);
  const victimOpen = snap.sockets.filter((s) => s.closedAt === undefined).length;
  // The receiver may answer before it sees the connection close (its timer first): an answer
  // nobody read, which the ledger does not count (deadAnswer).
  const unread = deadAnswer(snap);
  const answeredAfter = snap.inflight.filter((r) => r.answeredAt !== undefined).length;
  check(
    "the victim's connections close, its in-flight never delivered",
    victimOpen === 0 && snap.inflight.every((r) => r.aborted || unread(r)),
    `${victimOpen} still open; of ${snap.inflight.length} in flight, ${snap.inflight.filter((r) => r.aborted).length} aborted, ${answeredAfter} answered after the kill (unread)`,
  );
  const before = [...frec.sockets.values()].filter((s) => s.pid === survivor.pid).reduce((n, s) => n + s.receipts.length, 0);
  await sleep(500);
  const after = [...frec.sockets.values()].filter((s) => s.pid === survivor.pid).reduce((n, s) => n + s.receipts.length, 0);
  check("the survivor keeps sending", after - before >= SLOTS * 3, `${after - before} requests in 0.5 s`);
  // An answer written to the victim's connection after the kill was never read: not a delivery.
  const victimSocket = snap.sockets[0]?.id ?? -2;
  const onVictim = (id: string, answeredAt: number): Receipt => ({
    id,
    doc: `D-${id}`,
    path: "/scale",
    socket: victimSocket,
    startedAt: snap.at - 150,
    receivedAt: snap.at - 150,
    answeredAt,
  });
  const synthetic: PathLedger = {
    requests: 2,
    ids: new Map([
      ["late", [onVictim("late", snap.at + 5)]],
      ["early", [onVictim("early", snap.at - 5)]],
    ]),
    docs: new Map([
      ["D-late", new Set(["late"])],
      ["D-early", new Set(["early"])],
    ]),
    firstByDoc: new Map(),
  };
  const counted = receivedDocs(synthetic, ["D-late", "D-early"], deadAnswer(snap));
  check(
    "ledger: an answer on the victim's connection after the kill is not a delivery",
    snap.sockets.length > 0 && counted === 1 && receivedDocs(synthetic, ["D-late", "D-early"], () => false) === 2,
    `${counted} of 2 counted (only the one answered before the kill)`,
  );
  // The verdict on a synthetic resend: one of the victim's unrecorded ids sent again by the survivor.
  const ids = frec.ledger("/scale").ids;
  const resendOf = (r: Receipt) =>
    ids.get(r.id)?.push({ ...r, socket: -1, receivedAt: performance.now(), answeredAt: performance.now(), aborted: false });
  const noLoss = { missing: 0, still_queued: 0, new_id_resends: 0 };
  const resent = snap.unrecorded.find((r) => r.receivedAt !== undefined);
  if (resent) resendOf(resent);
  const verdict = killVerdict(frec, "/scale", snap, noLoss);
  check(
    "kill verdict: a resend of a request left without an outcome is explained",
    verdict.pass && verdict.duplicates === (resent ? 1 : 0) && verdict.duplicates_explained,
    `${verdict.duplicates} duplicate(s), bound ${verdict.duplicate_bound}`,
  );
  // One whose outcome was recorded (answered before the kill) must not be sent again.
  const recorded = snap.sockets
    .flatMap((s) => s.receipts)
    .find((r) => r.answeredAt !== undefined && r.answeredAt < snap.at && ids.get(r.id)?.length === 1);
  if (recorded) resendOf(recorded);
  check(
    "kill verdict: a resend of a delivery whose outcome was recorded fails",
    !!recorded && !killVerdict(frec, "/scale", snap, noLoss).pass,
    recorded
      ? `${recorded.id}, answered ${round(snap.at - (recorded.answeredAt ?? NaN))} ms before the kill`
      : "no answered request on the victim",
  );
  if (recorded) ids.get(recorded.id)?.pop();
  ids.set("stranger", [
    { id: "stranger", path: "/scale", socket: 0, startedAt: 0, receivedAt: 0 },
    { id: "stranger", path: "/scale", socket: -1, startedAt: 1, receivedAt: 1 },
  ]);
  check(
    "kill verdict: any other duplicate fails",
    !killVerdict(frec, "/scale", snap, noLoss).pass,
    "a duplicate the kill does not explain",
  );
  ids.delete("stranger");
  check(
    "kill verdict: a delivery left queued fails",
    !killVerdict(frec, "/scale", snap, { ...noLoss, still_queued: 1 }).pass,
    "still queued 1 (an outcome lost)",
  );
  clearInterval(sampler);
  await stopProcesses([survivor.proc], 3000);
  check("SIGTERM ends a worker", !running(survivor.proc), `exit ${survivor.proc.exitCode ?? survivor.proc.signalCode}`);
  await frec.close();

  // 4. Cleanup on a crash and on a signal: the child's processes and cluster are gone after it.
  for (const mode of ["throw", "signal"] as const) {
    const file = path.join(os.tmpdir(), `wd-scale-crash-${process.pid}-${mode}.json`);
    fs.rmSync(file, { force: true });
    const child = spawnKept(
      ["--conditions=react-server", "--import", "tsx", "scripts/bench.ts", `--selftest-crash=${mode}:${file}`],
      process.env,
    );
    const by = Date.now() + 120_000;
    while (!fs.existsSync(file) && running(child.proc) && Date.now() < by) await sleep(100);
    if (mode === "signal") {
      await sleep(200);
      child.proc.kill("SIGTERM");
    }
    const ended = await exited(child.proc, 90_000);
    const state = fs.existsSync(file)
      ? (JSON.parse(fs.readFileSync(file, "utf8")) as { dir: string; postmaster?: number; child?: number })
      : undefined;
    fs.rmSync(file, { force: true });
    const leftOver = state ? [state.child, state.postmaster].filter((p): p is number => !!p && alive(p)) : [];
    check(
      `cleanup after a ${mode === "throw" ? "crash" : "SIGTERM"}`,
      ended && !!state && leftOver.length === 0 && !fs.existsSync(state.dir),
      state
        ? `exit ${child.proc.exitCode ?? child.proc.signalCode}; processes left ${leftOver.join(", ") || "none"}; ${fs.existsSync(state.dir) ? "cluster directory left" : "cluster directory removed"}`
        : `the child wrote no state: ${child.output().slice(-500)}`,
    );
  }

  // 5. The results file: a summary of synthetic runs, written, read back and checked.
  const o: ScaleOptions = {
    dialect: "postgres",
    workers: [1, 2, 4],
    killWorkers: 2,
    concurrency: 32,
    backlogPerWorker: 4000,
    killWaitS: 300,
    selftest: true,
  };
  const fakeLedger = (sent: number, dups = 0, failed = 0): Ledger => ({
    events_sent: sent,
    deliveries_received: sent - failed,
    distinct_webhook_ids: sent,
    receiver_requests: sent + dups,
    duplicates: dups,
    new_id_resends: 0,
    failed,
    missing: 0,
    still_queued: 0,
    log_statuses: { Delivered: sent - failed, ...(failed ? { Exhausted: failed } : {}) },
    failures: [],
  });
  const fakeRun = (
    workers: number,
    dps: number,
    f: { kind?: "scale" | "kill"; cpuBound?: boolean; dups?: number; failed?: number; p95?: number } = {},
  ): RunResult => ({
    kind: f.kind ?? "scale",
    workers,
    worker_pids: Array.from({ length: workers }, (_, i) => 1000 + i),
    ingest: { events: 4000 * workers, seconds: 1, events_per_s: 3500 },
    delivery: {
      events: 4000 * workers,
      window: { from_pct: 10, to_pct: 90, seconds: 10, deliveries: dps * 10 },
      deliveries_per_s: dps,
      resume_to_last_s: 12,
      by_worker: {},
      slot_efficiency: round(dps / slotRate(workers, 32), 2),
      cpu_bound: !!f.cpuBound,
    },
    ...(f.kind !== "kill"
      ? {
          latency: {
            rate_per_s: 200,
            events: 2000,
            received: 2000,
            post_to_receive_p50_ms: 5,
            post_to_receive_p95_ms: 9,
            post_to_receive_p99_ms: 12,
            post_p50_ms: 2,
            post_p95_ms: 4,
            accepted_to_receive_p50_ms: 3,
            accepted_to_receive_p95_ms: f.p95 ?? 5,
            accepted_to_receive_p99_ms: Math.max(8, f.p95 ?? 5),
          },
          latency_ledger: fakeLedger(2000),
        }
      : {}),
    ledger: fakeLedger(4000 * workers, f.dups ?? 0, f.failed ?? 0),
  });
  const readBack = (runs: RunResult[]) => {
    const tmp = path.join(os.tmpdir(), `wd-scale-summary-${process.pid}.json`);
    fs.writeFileSync(tmp, JSON.stringify(summarize(o, "PostgreSQL (synthetic)", runs, performance.now()), null, 2));
    const back = JSON.parse(fs.readFileSync(tmp, "utf8")) as ScaleResults;
    fs.rmSync(tmp, { force: true });
    return back;
  };
  const runs = [fakeRun(1, 300), fakeRun(2, 570), fakeRun(4, 930, { p95: 12 }), fakeRun(2, 0, { kind: "kill", dups: 3 })];
  const killRun = runs[3] as RunResult;
  killRun.kill = {
    ...verdict,
    missing: 0,
    still_queued: 0,
    duplicates: 3,
    duplicate_bound: 30,
    duplicates_explained: true,
    pass: true,
    recovered_after_s: 6,
  };
  const back = readBack(runs);
  check(
    "results: ratios and verdicts",
    back.delivery.ratios["2/1"] === 1.9 &&
      back.delivery.ratios["4/1"] === 3.1 &&
      back.delivery.slot_efficiency["1"] === 0.94 &&
      back.pass.ratio_2_to_1 === true &&
      back.pass.ratio_4_to_1 === false &&
      back.pass.ingest === true &&
      back.pass.kill === true &&
      back.pass.accepted_to_receive_p95_1w === true &&
      back.pass.accepted_to_receive_p95_4w === false &&
      // The kill run's duplicates are the kill verdict's business, not no_duplicates'.
      back.pass.no_duplicates === true &&
      back.pass.no_failures === true &&
      Object.keys(back.not_judged).length === 0 &&
      back.all_pass === false &&
      back.latency.post_to_receive_p95_ms["4"] === 9 &&
      back.latency.accepted_to_receive_p95_ms["4"] === 12 &&
      typeof back.client_reused_socket_retries === "number",
    `ratios ${JSON.stringify(back.delivery.ratios)}, pass ${JSON.stringify(back.pass)}`,
  );
  const cpuBound = readBack([fakeRun(1, 300), fakeRun(2, 570, { dups: 1 }), fakeRun(4, 700, { cpuBound: true, failed: 1 })]);
  check(
    "results: a CPU-bound run's ratio is measured, not judged; duplicates and failures fail",
    cpuBound.delivery.ratios["4/1"] === 2.33 &&
      cpuBound.pass.ratio_4_to_1 === undefined &&
      cpuBound.not_judged.ratio_4_to_1 === NOT_COMPARABLE &&
      cpuBound.pass.ratio_2_to_1 === true &&
      cpuBound.pass.no_duplicates === false &&
      cpuBound.pass.no_failures === false &&
      cpuBound.all_pass === false,
    `ratios ${JSON.stringify(cpuBound.delivery.ratios)}, pass ${JSON.stringify(cpuBound.pass)}, not judged ${JSON.stringify(cpuBound.not_judged)}`,
  );
  log("the table, from synthetic runs (4 workers miss their targets on purpose):");
  printScaleTable(back);
  log("and with the 4-worker run CPU-bound (a duplicate and a failure on purpose):");
  printScaleTable(cpuBound);

  backend.stop();
  const results = {
    date: new Date().toISOString(),
    bench_seconds: Math.round((performance.now() - started) / 1000),
    checks,
    all_pass: checks.every((c) => c.ok),
  };
  writeResults("scale-selftest.json", results);
  if (!results.all_pass) throw new Error(`selftest: ${checks.filter((c) => !c.ok).length} check(s) failed`);
}
