import "server-only";
// Starting and stopping the process's dispatcher: inside the Next server (instrumentation.ts)
// or as its own process (scripts/worker.ts). Nothing here touches the database at import
// time, so `next build` can load it safely.
import { getDb, type DB } from "@/db";
import { runRetentionIfDue } from "@/lib/services/log-retention";
import { Dispatcher } from "./dispatcher";

export { Dispatcher } from "./dispatcher";
export { notifyDeliveriesQueued } from "./signal";
export { loadDispatcherConfig } from "./config";

const g = globalThis as unknown as { __webhookDispatcher?: Dispatcher; __webhookDispatcherSignals?: boolean; __webhookRetentionTimer?: NodeJS.Timeout };

export interface StartOptions {
  db?: DB;
  /**
   * "server": SIGTERM/SIGINT drain the dispatcher first, then run the handlers Next.js
   * installed (which close the HTTP server and exit). "worker": drain, then exit.
   * "none": the caller stops it (tests).
   */
  signals?: "server" | "worker" | "none";
}

export function getDispatcher(): Dispatcher | undefined {
  return g.__webhookDispatcher;
}

/** Starts this process's dispatcher once; later calls return the running one. */
export function startDispatcher(opts: StartOptions = {}): Dispatcher {
  if (g.__webhookDispatcher?.isRunning) return g.__webhookDispatcher;
  const d = new Dispatcher({ db: opts.db ?? getDb() });
  g.__webhookDispatcher = d;
  d.start();
  const c = d.config.concurrency;
  console.log(`[dispatcher] started (${d.owner}; concurrency short=${c.short} default=${c.default} long=${c.long})`);
  const mode = opts.signals ?? "server";
  if (mode !== "none" && !g.__webhookDispatcherSignals) {
    g.__webhookDispatcherSignals = true;
    installSignalHandlers(mode);
  }
  // Log Settings retention: checked hourly, runs once a day (the last run is stored), in
  // small batches that leave the event loop to the dispatcher in between.
  if (mode !== "none" && !g.__webhookRetentionTimer) {
    const db = opts.db ?? getDb();
    g.__webhookRetentionTimer = setInterval(() => void runRetentionIfDue(db), 3_600_000).unref();
    setTimeout(() => void runRetentionIfDue(db), 60_000).unref();
  }
  return d;
}

export async function stopDispatcher(drainMs?: number): Promise<void> {
  const d = g.__webhookDispatcher;
  if (!d) return;
  await d.stop(drainMs);
  if (g.__webhookDispatcher === d) g.__webhookDispatcher = undefined;
}

function installSignalHandlers(mode: "server" | "worker"): void {
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    // Next's own handlers close the server and call process.exit at once, which would cut
    // in-flight deliveries short: run them only after the dispatcher has drained.
    const previous = mode === "server" ? process.listeners(sig) : [];
    for (const l of previous) process.off(sig, l);
    let handled = false;
    process.on(sig, () => {
      if (handled) return;
      handled = true;
      const d = g.__webhookDispatcher;
      console.log(`[dispatcher] ${sig}: stopping; waiting for ${d?.inflightCount ?? 0} in-flight request(s)`);
      stopDispatcher()
        .catch((e: unknown) => console.error("[dispatcher] stop failed:", e))
        .finally(() => {
          if (previous.length) for (const l of previous) l(sig);
          else process.exit(0);
        });
    });
  }
}
