// Entry of the delivery threads `npm start` runs next to the web thread (bundled to
// .workers/dispatcher.mjs by scripts/build-workers.mjs). workerData.role picks the work:
// "dispatcher" sends webhooks; "maintenance" checkpoints the WAL, runs jobs and retention.
// Each opens its own SQLite connection, so its waits and writes never block the web thread.
import { parentPort, workerData } from "node:worker_threads";
import { openDatabase } from "@/db";
import { Dispatcher } from "./dispatcher";
import { startMaintenance } from "./maintenance";

interface Data {
  role: "dispatcher" | "maintenance";
  owner: string;
  file: string;
}

const data = workerData as Data;
const db = openDatabase(data.file, { busyTimeoutMs: 5000, autoCheckpoint: false });
let stop: (drainMs?: number) => Promise<void>;
if (data.role === "dispatcher") {
  const d = new Dispatcher({ db, owner: data.owner });
  d.start();
  const c = d.config.concurrency;
  console.log(`[dispatcher] started in its own thread (${d.owner}; concurrency short=${c.short} default=${c.default} long=${c.long})`);
  stop = (drainMs) => d.stop(drainMs);
} else {
  const m = startMaintenance(db, data.owner);
  stop = () => m.stop();
}

parentPort?.on("message", (msg: { type: string; drainMs?: number }) => {
  if (msg.type !== "stop") return;
  stop(msg.drainMs)
    .catch((e: unknown) => console.error(`[${data.role}] stop failed:`, e))
    .finally(() => {
      try {
        db.$client.close();
      } catch {
        // already closed
      }
      parentPort?.postMessage({ type: "stopped" });
    });
});
parentPort?.postMessage({ type: "ready" });
