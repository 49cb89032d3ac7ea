// `npm run worker`: the webhook dispatcher as its own process (start the server with
// WEBHOOK_WORKER=0), with the maintenance loops (bulk jobs, retention). SQLite or PostgreSQL
// by DATABASE_URL; on PostgreSQL any number of workers on any machines share the queues.
// SIGTERM stops claiming, lets in-flight requests finish (bounded) and releases the rest;
// after a kill -9, the leases (SQLite) or pg-boss jobs (PostgreSQL) expire and another
// worker, or the next start, sends them.
import { DIALECT, getDb } from "@/db";
import { checkEncryptionKey } from "@/db/key-check";
import { migrateDatabase } from "@/db/migrate";
import { databasePath } from "@/lib/config";
import { dispatcherState, startDispatcher } from "@/lib/dispatcher";
import { checkEnv } from "@/lib/env";
import { serveHealth } from "@/lib/ops/health-server";

async function main(): Promise<void> {
  // A bad value stops the start, before any work, naming the variable.
  const { WORKER_HEALTH_PORT: healthPort, WORKER_HEALTH_HOST: host } = checkEnv();
  const db = getDb();
  await migrateDatabase(db);
  await checkEncryptionKey(db);
  startDispatcher({ db, signals: "worker" });
  console.log(`[worker] dispatching from ${DIALECT === "pg" ? "PostgreSQL" : databasePath()}`);
  if (healthPort !== undefined) {
    const server = await serveHealth({ port: healthPort, host, db, dispatcher: dispatcherState });
    server.unref();
    console.log(`[worker] /healthz and /readyz on ${host ?? "*"}:${healthPort}`);
  }
}

main().catch((e: unknown) => {
  console.error("[worker] could not start:", e);
  process.exit(1);
});
