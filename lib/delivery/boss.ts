import "server-only";
// pg-boss 10, the carrier of deliveries on PostgreSQL. The `delivery` table stays the record
// of pending work (as on SQLite); each delivery that is due or waiting has exactly one live
// pg-boss job on the queue named by delivery.queue ("short", "default", "long"), whose id is
// delivery.job. A fetched job with another id is stale (the delivery was requeued, released,
// rescheduled or is gone) and is deleted unsent.
//
// Every job statement runs on the caller's connection (`{ db: jobDb(client) }`), inside the
// transaction that writes the delivery, so a job commits or rolls back with its delivery.
//
// Expiry is the lease: a fetch gives the job expire_in = ceil((timeout + lease margin) / 1 s)
// and pg-boss's maintenance (supervise, in every worker; one runs it per interval) puts the
// jobs of a killed worker back as retries (retryLimit is never reached, retryDelay 0).
// Finished jobs are deleted, not completed: the request log is the history, and pg-boss's
// table keeps only live jobs (no archive to scan or purge).
import PgBoss from "pg-boss";
import pg from "pg";
import { pgClientOf, pgPool, type DB } from "@/db";
import { onPgMigrated } from "@/db/migrate";
import { QUEUES } from "@/lib/constants";
import { serverKey } from "./server-key";
import { logger } from "@/lib/log";

const log = logger("pg-boss");

/** pg-boss's schema (its default). */
export const BOSS_SCHEMA = "pgboss";

/** Anything that runs a parameterized statement: a pool or a transaction's client. */
export interface Sql {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** pg-boss's view of a connection: its statements then join that connection's transaction. */
const jobDb = (sql: Sql): PgBoss.Db => ({
  executeSql: (text: string, values: unknown[]) => sql.query(text, values),
});

/** Expired jobs always come back: a delivery's attempts are counted by the dispatcher, not pg-boss. */
const RETRY_LIMIT = 1_000_000;
/** The lease margin a job is inserted with; the worker that fetches it sets its own (see fetchJobs). */
const DEFAULT_LEASE_MARGIN_MS = 15_000;

// A PgBoss that is never started: it only builds and runs statements on the connection each
// call is given (insert, deleteJob take `{ db }`).
let offline: PgBoss | undefined;
function statements(): PgBoss {
  offline ??= new PgBoss({
    db: { executeSql: () => Promise.reject(new Error("pg-boss statements need a connection ({ db })")) },
    schema: BOSS_SCHEMA,
    migrate: false,
    supervise: false,
    schedule: false,
  });
  return offline;
}

/** What a delivery's job carries: the delivery, its webhook (for the per-webhook cap) and timeout (for expiry). */
interface JobData {
  d: string;
  w: string | null;
  t: number;
  /** 1: the delivery holds a rate-limit slot (fetched even while its webhook is saturated). */
  s?: 1;
}

export interface NewJob {
  id: string;
  queue: string;
  delivery: string;
  webhook: string | null;
  timeoutMs: number;
  /** Epoch ms; the job is fetched from then on. */
  startAfter: number;
  /** The delivery holds a rate-limit slot (lib/delivery/rate-limit.ts). */
  slot?: boolean;
}

const expireSeconds = (timeoutMs: number, marginMs: number) => Math.max(1, Math.ceil((timeoutMs + marginMs) / 1000));

/** Inserts jobs on `sql` (inside its transaction). */
export async function insertJobs(sql: Sql, jobs: NewJob[]): Promise<void> {
  if (!jobs.length) return;
  await statements().insert(
    jobs.map((j) => ({
      id: j.id,
      name: j.queue,
      data: { d: j.delivery, w: j.webhook, t: j.timeoutMs, ...(j.slot ? { s: 1 as const } : {}) } satisfies JobData,
      startAfter: new Date(j.startAfter).toISOString(),
      expireInSeconds: expireSeconds(j.timeoutMs, DEFAULT_LEASE_MARGIN_MS),
      retryLimit: RETRY_LIMIT,
      retryDelay: 0,
    })),
    { db: jobDb(sql) },
  );
}

/** Deletes jobs (finished, stale or replaced) on `sql`. */
export async function deleteJobs(sql: Sql, jobs: { queue: string; job: string | null | undefined }[]): Promise<void> {
  const byQueue = new Map<string, string[]>();
  for (const j of jobs) if (j.job) byQueue.set(j.queue, [...(byQueue.get(j.queue) ?? []), j.job]);
  for (const [queue, ids] of byQueue) await statements().deleteJob(queue, ids, { db: jobDb(sql) });
}

export interface FetchedJob {
  id: string;
  data: JobData;
}

/**
 * pg-boss 10's fetch (plans.fetchNextJob for a standard-policy queue: the oldest due jobs,
 * FOR UPDATE SKIP LOCKED, made active) with two additions: jobs of `capped` webhooks are
 * passed by, so a flood of one webhook cannot stand in front of the others (the cap in
 * lib/delivery/claims.ts), and expire_in becomes the fetching worker's lease. Jobs of `saturated`
 * (rate-limited) webhooks are passed by too, unless they hold a rate-limit slot.
 */
export async function fetchJobs(
  sql: Sql,
  queue: string,
  limit: number,
  capped: string[],
  leaseMarginMs: number,
  saturated: string[] = [],
): Promise<FetchedJob[]> {
  // Without capped or saturated webhooks the predicates are left out: they read every
  // candidate's data from the heap, where pg-boss's job_i5 (name, start_after) INCLUDE
  // (priority, created_on, id) picks the batch before a row is read.
  const passBy =
    (capped.length || saturated.length ? `AND coalesce(data->>'w', '') <> ALL($4::text[])` : "") +
    (saturated.length ? ` AND NOT (coalesce(data->>'w', '') = ANY($5::text[]) AND data->>'s' IS NULL)` : "");
  const res = await sql.query<FetchedJob>(
    `WITH next AS (
       SELECT id FROM ${BOSS_SCHEMA}.job
       WHERE name = $1 AND state < 'active' AND start_after < now() ${passBy}
       ORDER BY priority DESC, created_on, id
       LIMIT $2
       FOR UPDATE SKIP LOCKED)
     UPDATE ${BOSS_SCHEMA}.job j SET state = 'active', started_on = now(),
       retry_count = CASE WHEN j.started_on IS NOT NULL THEN j.retry_count + 1 ELSE j.retry_count END,
       expire_in = make_interval(secs => greatest(1, ceil((coalesce((j.data->>'t')::numeric, 0) + $3) / 1000.0))::double precision)
     FROM next WHERE j.name = $1 AND j.id = next.id
     RETURNING j.id, j.data`,
    saturated.length
      ? [queue, limit, leaseMarginMs, capped, saturated]
      : capped.length
        ? [queue, limit, leaseMarginMs, capped]
        : [queue, limit, leaseMarginMs],
  );
  return res.rows;
}

// ─── Installing, and the maintenance that brings expired jobs back ──────────────────────

/** pg-boss's schema (created or migrated to this version) and the three queues. Idempotent. */
async function installBoss(sql: Sql): Promise<void> {
  const boss = new PgBoss({ db: jobDb(sql), schema: BOSS_SCHEMA, migrate: true, supervise: false, schedule: false });
  boss.on("error", (e) => log.error({ err: e }, "pg-boss error"));
  await boss.start();
  for (const name of QUEUES) await boss.createQueue(name, { name, policy: "standard" });
}

const installed = new Map<string, Promise<void>>();

/**
 * pg-boss's schema and queues in `db`'s database, installed once per process if missing.
 * The store's first job statement waits for it, so a database migrated by a process that
 * never loaded this module (scripts/migrate.ts, scripts/bootstrap.ts) gets them too. For a
 * transaction's handle the check reads on its connection and the install runs on a
 * connection of its own, outside that transaction.
 */
export function ensureBoss(db: DB): Promise<void> {
  const key = serverKey(db);
  if (key === undefined) return Promise.resolve();
  let p = installed.get(key);
  if (!p) {
    p = (async () => {
      const pool = pgPool(db);
      const client = pgClientOf(db);
      const sql: Sql | undefined = pool ?? client;
      if (!sql) return;
      const schema = await sql.query<{ t: string | null }>(`SELECT to_regclass('${BOSS_SCHEMA}.queue')::text AS t`);
      if (schema.rows[0]?.t) {
        const r = await sql.query<{ n: number }>(`SELECT count(*) AS n FROM ${BOSS_SCHEMA}.queue WHERE name = ANY($1)`, [QUEUES]);
        if (Number(r.rows[0]?.n ?? 0) >= QUEUES.length) return;
      }
      if (pool) return installBoss(pool);
      const own = new pg.Client((client as unknown as { connectionParameters: pg.ClientConfig }).connectionParameters);
      await own.connect();
      try {
        await installBoss(own);
      } finally {
        await own.end();
      }
      // The caller's (serializable) transaction took its snapshot before the queues existed:
      // pg-boss's insert would find no queue row and add nothing. Have tx() run it again.
      throw Object.assign(new Error("pg-boss was installed just now; the transaction runs again on a fresh snapshot"), {
        code: "40001",
      });
    })();
    installed.set(key, p);
    // A failure is not remembered: the next statement tries again.
    p.catch(() => installed.delete(key));
  }
  return p;
}

// migrateDatabase (db/migrate.ts) runs this after the schema's migrations on PostgreSQL.
onPgMigrated(async (db: DB) => {
  const pool = pgPool(db);
  const key = serverKey(db);
  if (!pool || key === undefined) return;
  await installBoss(pool);
  installed.set(key, Promise.resolve());
});

/**
 * pg-boss's maintenance on `pool`: every `intervalS` one of all the running instances
 * expires active jobs past their expire_in (they come back as retries), so a killed
 * worker's deliveries are fetched again. Returns the function that stops it.
 */
export async function startBossMaintenance(pool: pg.Pool, intervalS: number): Promise<() => Promise<void>> {
  const boss = new PgBoss({
    db: jobDb(pool),
    schema: BOSS_SCHEMA,
    migrate: false,
    supervise: true,
    schedule: false,
    maintenanceIntervalSeconds: Math.max(1, Math.round(intervalS)),
  });
  boss.on("error", (e) => log.error({ err: e }, "pg-boss maintenance failed"));
  await boss.start();
  return () => boss.stop({ graceful: false, close: false });
}
