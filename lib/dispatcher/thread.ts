// Entry of the delivery threads `npm start` runs next to the web thread (bundled to
// .workers/dispatcher.mjs by scripts/build-workers.mjs). workerData.role picks the work:
// "dispatcher" sends webhooks; "maintenance" checkpoints the WAL (SQLite), runs jobs and
// retention. Each opens its own connection (SQLite: the file; PostgreSQL: a small pool on
// workerData.url), so its waits and writes never block the web thread.
import { parentPort, workerData } from "node:worker_threads";
import { closeDb, openDatabase, openPg } from "@/db";
import { Dispatcher } from "./dispatcher";
import { startMaintenance } from "./maintenance";

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
const poolMax = Number(process.env.WEBHOOK_WORKER_POOL_MAX) || 4;
const db = data.url
  ? openPg(data.url, { max: poolMax, applicationName: `webhook-desk-${data.role}` })
  : openDatabase(data.file, { busyTimeoutMs: 5000, autoCheckpoint: false });
let stop: (drainMs?: number) => Promise<void>;
if (data.role === "dispatcher") {
  const d = new Dispatcher({ db, owner: data.owner });
  void d.start();
  const c = d.config.concurrency;
  console.log(`[dispatcher] started in its own thread (${d.owner}; concurrency short=${c.short} default=${c.default} long=${c.long})`);
  stop = (drainMs) => d.stop(drainMs);
  // The web thread's /readyz reads these: a thread whose loop is stuck stops reporting.
  setInterval(() => parentPort?.postMessage({ type: "alive", running: d.isRunning }), HEARTBEAT_MS).unref();
} else {
  const m = startMaintenance(db, data.owner);
  stop = () => m.stop();
}

parentPort?.on("message", (msg: { type: string; drainMs?: number }) => {
  if (msg.type !== "stop") return;
  stop(msg.drainMs)
    .catch((e: unknown) => console.error(`[${data.role}] stop failed:`, e))
    .then(() => closeDb(db))
    .catch(() => undefined) // already closed
    .finally(() => parentPort?.postMessage({ type: "stopped" }));
});
parentPort?.postMessage({ type: "ready" });
