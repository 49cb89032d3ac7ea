import "server-only";
// Starting and stopping delivery. `npm start` (instrumentation.ts) runs the dispatcher and
// the maintenance loops in two worker threads of the server process (startDeliveryThreads);
// `npm run worker` runs them in its own process (startDispatcher). Both dialects: on SQLite
// each thread opens the database file, on PostgreSQL a small pool on DATABASE_URL (and any
// number of servers and workers share the queues). Nothing here touches the database at
// import time, so `next build` can load it safely.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { DIALECT, dialectOfDb, getDb, tuneConnection, type DB } from "@/db";
import { databasePath } from "@/lib/config";
import { env } from "@/lib/env";
import type { threadMetrics } from "@/lib/metrics";
import { workerBundle } from "@/lib/worker-bundle";
import { Dispatcher } from "./dispatcher";
import { loadDispatcherConfig } from "./config";
import { startMaintenance, type Maintenance } from "./maintenance";
import type { DispatcherState } from "@/lib/ops/health";
import { logger } from "@/lib/log";

const log = logger("dispatcher");

const g = globalThis as unknown as {
  __webhookDispatcher?: Dispatcher;
  __webhookDeliveryThreads?: DeliveryThreads;
  __webhookDispatcherSignals?: boolean;
};

const newOwner = () => `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;

interface DeliveryThreads {
  stop(): Promise<void>;
  /** The dispatcher thread: not started here (WEBHOOK_WORKER=0), reporting, or not. */
  dispatcher(): DispatcherState;
  /** Each delivery thread's metrics (lib/metrics.ts), for /metrics to add to the web thread's. */
  metrics(): Promise<ThreadMetrics[]>;
}

type ThreadMetrics = Awaited<ReturnType<typeof threadMetrics>>;

/** A dispatcher thread that has not reported for this long is taken for stuck or gone. */
const SILENT_AFTER_MS = 20_000;

/**
 * The dispatcher and maintenance threads (WEBHOOK_WORKER=0 leaves the dispatcher to
 * `npm run worker` processes). The web thread's connection then waits at most a few ms for
 * the write lock and never checkpoints: db/busy.ts retries writes without blocking it.
 */
export function startDeliveryThreads(opts: { dispatcher?: boolean } = {}): DeliveryThreads {
  if (g.__webhookDeliveryThreads) return g.__webhookDeliveryThreads;
  tuneConnection(getDb(), { busyTimeoutMs: 5, autoCheckpoint: false });
  const file = DIALECT === "pg" ? "" : databasePath();
  const url = DIALECT === "pg" ? (process.env.DATABASE_URL ?? "") : "";
  const roles = [...(opts.dispatcher === false ? [] : ["dispatcher" as const]), "maintenance" as const];
  let stopping = false;
  const workers = new Map<string, Worker>();
  /** When each thread last said it was alive, and whether its loop was running then. */
  const heard = new Map<string, { at: number; running: boolean }>();
  const spawn = (role: "dispatcher" | "maintenance") => {
    const w = new Worker(workerBundle("dispatcher"), { workerData: { role, owner: newOwner(), file, url }, name: `webhook-${role}` });
    workers.set(role, w);
    heard.delete(role);
    w.on("message", (m: { type?: string; running?: boolean; id?: number; metrics?: ThreadMetrics }) => {
      if (m.type === "ready" || m.type === "alive") heard.set(role, { at: Date.now(), running: m.running !== false });
      if (m.type === "metrics" && m.id !== undefined) metricAnswers.get(m.id)?.(m.metrics ?? []);
    });
    w.on("error", (e) => log.error({ err: e, role }, "thread failed"));
    w.on("exit", (code) => {
      if (workers.get(role) === w) workers.delete(role);
      if (stopping) return;
      // Its leases expire and are taken over by the replacement.
      log.error({ role, code }, "thread exited; restarting it in 1 s");
      setTimeout(() => !stopping && spawn(role), 1000).unref();
    });
  };
  for (const r of roles) spawn(r);
  let nextAsk = 0;
  const metricAnswers = new Map<number, (m: ThreadMetrics) => void>();
  /** One thread's metrics; none when it does not answer within a second (stuck, restarting). */
  const askMetrics = (w: Worker) =>
    new Promise<ThreadMetrics>((resolve) => {
      const id = ++nextAsk;
      const done = (m: ThreadMetrics) => {
        clearTimeout(timer);
        metricAnswers.delete(id);
        resolve(m);
      };
      const timer = setTimeout(() => done([]), 1000);
      metricAnswers.set(id, done);
      w.postMessage({ type: "metrics", id });
    });
  const threads: DeliveryThreads = {
    metrics: () => Promise.all(Array.from(workers, ([, w]) => askMetrics(w))),
    async stop() {
      stopping = true;
      const drainMs = loadDispatcherConfig().drainMs;
      await Promise.all(
        [...workers]
          .map(([, w]) => w)
          .map(
            (w) =>
              new Promise<void>((resolve) => {
                const timer = setTimeout(() => void w.terminate().then(() => resolve()), drainMs + 5000);
                w.once("exit", () => {
                  clearTimeout(timer);
                  resolve();
                });
                w.once("message", (m: { type?: string }) => {
                  if (m.type === "stopped") void w.terminate();
                });
                w.postMessage({ type: "stop", drainMs });
              }),
          ),
      );
    },
    dispatcher() {
      if (!roles.includes("dispatcher")) return "not-here";
      const last = heard.get("dispatcher");
      return !stopping && workers.has("dispatcher") && last?.running && Date.now() - last.at < SILENT_AFTER_MS ? "alive" : "down";
    },
  };
  g.__webhookDeliveryThreads = threads;
  installSignalHandlers(() => threads.stop(), "server");
  return threads;
}

/**
 * Whether this process sends deliveries and, if so, whether its dispatcher is alive (for
 * /readyz): the thread of `npm start`, or the dispatcher `npm run worker` runs in-process.
 */
/** The metrics of this process's delivery threads (none in `npm run worker`, whose dispatcher runs in its main thread). */
export async function deliveryThreadMetrics(): Promise<ThreadMetrics[]> {
  return (await g.__webhookDeliveryThreads?.metrics()) ?? [];
}

export function dispatcherState(): DispatcherState {
  if (g.__webhookDispatcher) return g.__webhookDispatcher.isRunning ? "alive" : "down";
  if (g.__webhookDeliveryThreads) return g.__webhookDeliveryThreads.dispatcher();
  return !env().WEBHOOK_WORKER ? "not-here" : "down";
}

export interface StartOptions {
  db?: DB;
  /**
   * "server": SIGTERM/SIGINT drain the dispatcher first, then run the handlers Next.js
   * installed. "worker": drain, then exit. "none": the caller stops it (tests).
   */
  signals?: "server" | "worker" | "none";
}

/**
 * Starts a dispatcher on this thread (`npm run worker`, tests); later calls return the
 * running one. With signals, the maintenance loops run too, and commits by other processes
 * to the database file wake it at once.
 */
export function startDispatcher(opts: StartOptions = {}): Dispatcher {
  if (g.__webhookDispatcher?.isRunning) return g.__webhookDispatcher;
  const db = opts.db ?? getDb();
  const d = new Dispatcher({ db });
  g.__webhookDispatcher = d;
  void d.start();
  const c = d.config.concurrency;
  log.info({ owner: d.owner, concurrency: c }, "dispatcher started");
  const mode = opts.signals ?? "server";
  if (mode !== "none") {
    const m: Maintenance = startMaintenance(db, d.owner);
    const unwatch = watchCommits(db, () => d.wakeAll());
    installSignalHandlers(async () => {
      unwatch();
      await Promise.all([d.stop(), m.stop()]);
    }, mode);
  }
  return d;
}

/**
 * SQLite: another process's commit appends to the WAL file: watching it wakes this
 * dispatcher at once instead of at its next poll (our own empty claims write nothing, so
 * this settles). PostgreSQL: LISTEN does it (the dispatcher's source).
 */
function watchCommits(db: DB, wake: () => void): () => void {
  if (dialectOfDb(db) !== "sqlite") return () => {};
  // eslint-disable-next-line no-restricted-syntax -- the SQLite file's name, not a query
  const file = db.$client.name;
  if (!file || file === ":memory:") return () => {};
  const wal = `${path.resolve(file)}-wal`;
  let scheduled = false;
  try {
    const watcher = fs.watch(wal, { persistent: false }, () => {
      if (scheduled) return;
      scheduled = true;
      setTimeout(() => {
        scheduled = false;
        wake();
      }, 1);
    });
    watcher.on("error", () => watcher.close());
    return () => watcher.close();
  } catch {
    return () => {}; // no WAL file yet: the poll covers it
  }
}

function installSignalHandlers(stop: () => Promise<void>, mode: "server" | "worker"): void {
  if (g.__webhookDispatcherSignals) return;
  g.__webhookDispatcherSignals = true;
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    // Next's own handlers close the server and call process.exit at once, which would cut
    // in-flight deliveries short: run them only after delivery has drained.
    const previous = mode === "server" ? process.listeners(sig) : [];
    for (const l of previous) process.off(sig, l);
    let handled = false;
    process.on(sig, () => {
      if (handled) return;
      handled = true;
      log.info({ signal: sig }, "stopping; waiting for in-flight requests");
      stop()
        .catch((e: unknown) => log.error({ err: e }, "stop failed"))
        .finally(() => {
          if (previous.length) for (const l of previous) l(sig);
          else process.exit(0);
        });
    });
  }
}
