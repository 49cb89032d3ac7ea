// Entry of the delivery threads `npm start` runs next to the web thread (bundled to
// .workers/dispatcher.mjs by scripts/build-workers.mjs). workerData.role picks the work:
// "dispatcher" sends webhooks; "maintenance" checkpoints the WAL (SQLite), runs jobs and
// retention. Each opens its own connection (SQLite: the file; PostgreSQL: a small pool on
// workerData.url), so its waits and writes never block the web thread.
import { parentPort, workerData } from "node:worker_threads";
import { closeDb, openDatabase, openPg } from "@/db";
import { env } from "@/lib/env";
import { Dispatcher } from "./dispatcher";
import { startMaintenance } from "./maintenance";
import { logger } from "@/lib/log";
import { threadMetrics } from "@/lib/metrics";

const log = logger("dispatcher");

interface Data {
  role: "dispatcher" | "maintenance";
  owner: string;
  /** SQLite: the database file. */
  file: string;
  /** PostgreSQL: DATABASE_URL (empty on SQLite). */
  url?: string;
}

const data = workerData as Data;
const HEARTBEAT_MS = 5000;
/** Each thread's own PostgreSQL pool: WEBHOOK_WORKER_POOL_MAX connections (default 4). */
const poolMax = env().WEBHOOK_WORKER_POOL_MAX;
const db = data.url
  ? openPg(data.url, { max: poolMax, applicationName: `webhook-desk-${data.role}` })
  : openDatabase(data.file, { busyTimeoutMs: 5000, autoCheckpoint: false });
let stop: (drainMs?: number) => Promise<void>;
if (data.role === "dispatcher") {
  const d = new Dispatcher({ db, owner: data.owner });
  void d.start();
  const c = d.config.concurrency;
  log.info({ owner: d.owner, concurrency: c }, "dispatcher started in its own thread");
  stop = (drainMs) => d.stop(drainMs);
  // The web thread's /readyz reads these: a thread whose loop is stuck stops reporting.
  setInterval(() => parentPort?.postMessage({ type: "alive", running: d.isRunning }), HEARTBEAT_MS).unref();
} else {
  const m = startMaintenance(db, data.owner);
  stop = () => m.stop();
}

parentPort?.on("message", (msg: { type: string; drainMs?: number; id?: number }) => {
  if (msg.type === "metrics") {
    void threadMetrics().then((metrics) => parentPort?.postMessage({ type: "metrics", id: msg.id, metrics }));
    return;
  }
  if (msg.type !== "stop") return;
  stop(msg.drainMs)
    .catch((e: unknown) => log.error({ err: e, role: data.role }, "stop failed"))
    .then(() => closeDb(db))
    .catch(() => undefined) // already closed
    .finally(() => parentPort?.postMessage({ type: "stopped" }));
});
parentPort?.postMessage({ type: "ready" });
