import "server-only";
// Health for load balancers and orchestrators: GET /healthz (the process answers) and
// GET /readyz (it can do its work), on the web server (app/healthz, app/readyz) and, with
// WORKER_HEALTH_PORT, on `npm run worker`. Both are unauthenticated, so they say nothing
// beyond ok / not ok and the name of the first check that failed.
//
// Readiness, in order:
//  - database: a trivial query answers within WEBHOOK_READY_TIMEOUT_MS (default 2000);
//  - migrations: every committed migration of the dialect is applied;
//  - dispatcher: where this process sends deliveries, the dispatcher runs and its thread
//    reported within the last 20 s (not checked on web nodes with WEBHOOK_WORKER=0);
//  - delivery_lag: where this process sends, no delivery has waited past its due time for
//    longer than WEBHOOK_READY_MAX_LAG_S (default 600; 0: not checked).
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { rawGet, type DB } from "@/db";
import { appliedMigrations, migrationsFolderOf } from "@/db/migrate";
import { oldestDueByQueue } from "@/lib/delivery/store";
import { env, parseEnv } from "@/lib/env";

type ReadinessCheck = "database" | "migrations" | "dispatcher" | "delivery_lag";

export type Readiness = { ok: true } | { ok: false; failing: ReadinessCheck };

/** Whether this process sends deliveries, and if so whether its dispatcher is alive. */
export type DispatcherState = "not-here" | "alive" | "down";

export interface ReadinessOptions {
  db: DB;
  dispatcher: () => DispatcherState;
  env?: Record<string, string | undefined>;
  now?: () => number;
}

// Migrations are never un-applied: once a handle had them all, it is not asked again.
const migrated = new WeakSet<DB>();

function committedMigrations(db: DB): number {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolderOf(db), "meta", "_journal.json"), "utf8")) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

class Timeout extends Error {}

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout()), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the checks in order and names the first that fails. Never throws. */
export async function readiness(opts: ReadinessOptions): Promise<Readiness> {
  const now = opts.now ?? Date.now;
  const { WEBHOOK_READY_TIMEOUT_MS: timeoutMs, WEBHOOK_READY_MAX_LAG_S: maxLagS } = opts.env ? parseEnv(opts.env) : env();
  const { db } = opts;
  const attempt = async (check: ReadinessCheck, run: () => Promise<boolean>): Promise<Readiness | undefined> => {
    try {
      return (await within(timeoutMs, run())) ? undefined : { ok: false, failing: check };
    } catch {
      return { ok: false, failing: check };
    }
  };
  const failed =
    (await attempt("database", async () => (await rawGet<{ ok: number }>(sql`SELECT 1 AS ok`, db))?.ok !== undefined)) ??
    (await attempt("migrations", async () => {
      if (migrated.has(db)) return true;
      const ok = (await appliedMigrations(db)) >= committedMigrations(db);
      if (ok) migrated.add(db);
      return ok;
    })) ??
    (await attempt("dispatcher", () => Promise.resolve(opts.dispatcher() !== "down"))) ??
    (await attempt("delivery_lag", async () => {
      if (maxLagS === 0 || opts.dispatcher() === "not-here") return true;
      const at = now();
      const oldest = Object.values(await oldestDueByQueue(db, at)).filter((v): v is number => v !== null);
      return oldest.every((due) => at - due <= maxLagS * 1000);
    }));
  return failed ?? { ok: true };
}

/** The JSON answer and status of GET /readyz (no data beyond ok / not ok and the check's name). */
export function readinessAnswer(r: Readiness): { status: number; body: Record<string, unknown>; headers: Record<string, string> } {
  const headers: Record<string, string> = { "cache-control": "no-store" };
  if (r.ok) return { status: 200, body: { status: "ok" }, headers };
  return {
    status: 503,
    body: { status: "not ok", failing: r.failing, error: { code: "NOT_READY", message: `Not ready: ${r.failing}` } },
    headers: { ...headers, "retry-after": "5" },
  };
}
