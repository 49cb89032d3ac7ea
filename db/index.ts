import "server-only";
// The one data-layer entry point, for both dialects.
//
// SQLite (`DATABASE_URL=file:…`, the default) runs on better-sqlite3; PostgreSQL
// (`postgres://…`) on node-postgres. Services are written once, typed against SQLite's
// drizzle builders (db/schema exports pg tables under the same names on PostgreSQL) and
// only ever `await` a query: never the synchronous `.all()/.get()/.run()` (ESLint refuses
// them outside db/ and the SQLite delivery store).
//
// Transactions go through `tx()`: an async function gets a handle, and every `getDb()` made
// inside it (however deep) returns that handle, so a service called from another service's
// transaction joins it. On SQLite one connection serves the whole thread, so `tx()` also
// queues transactions one after another (an awaited query lets other requests run), and
// every write belongs inside one.
import Database from "better-sqlite3";
import { drizzle as drizzleSqlite, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import type { SQL } from "drizzle-orm";
import { AsyncLocalStorage } from "node:async_hooks";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { databasePath } from "@/lib/config";
import { env } from "@/lib/env";
import { dbErrorCode } from "@/lib/errors";
import { withWriteRetry } from "./busy";
import { DIALECT, type Dialect } from "./dialect";
import { pgSchema, sqliteSchema } from "./schema";
import { logger } from "@/lib/log";

const log = logger("db");

export { DIALECT, type Dialect } from "./dialect";

export type DB = BetterSQLite3Database<typeof sqliteSchema> & { $client: Database.Database };

export interface OpenOptions {
  /**
   * How long a write waits for the lock held by another connection, blocking its thread.
   * The web thread uses a few ms (db/busy.ts retries without blocking); worker threads and
   * scripts wait longer.
   */
  busyTimeoutMs?: number;
  /** false: this connection never checkpoints the WAL (the maintenance thread does). */
  autoCheckpoint?: boolean;
}

export function openDatabase(file = databasePath(), opts: OpenOptions = {}): DB {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`);
  sqlite.pragma("foreign_keys = ON");
  // Deleted rows (delivered requests, purged logs) are overwritten, not left in free pages.
  sqlite.pragma("secure_delete = ON");
  if (opts.autoCheckpoint === false) sqlite.pragma("wal_autocheckpoint = 0");
  return drizzleSqlite(sqlite, { schema: sqliteSchema }) as DB;
}

/** Tunes an open connection for the thread that will use it (see OpenOptions). */
export function tuneConnection(db: DB, opts: OpenOptions): void {
  if (dialectOfDb(db) !== "sqlite") return;
  if (opts.busyTimeoutMs !== undefined) db.$client.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs))}`);
  if (opts.autoCheckpoint !== undefined) db.$client.pragma(`wal_autocheckpoint = ${opts.autoCheckpoint ? 1000 : 0}`);
}

// ─── PostgreSQL ─────────────────────────────────────────────────────────────────────────

// int8 (count(*), bigint columns read through raw SQL) and numeric as JS numbers: epoch ms
// and counts stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

// Per process, not per module instance: Next.js may bundle this module into several chunks,
// and a handle made by one copy must be recognised (dialect, pool, open transaction) by all.
const shared = ((globalThis as unknown as { __webhookDeskDbState?: DbState }).__webhookDeskDbState ??= {
  pools: new WeakMap(),
  pgClients: new WeakMap(),
  scope: new AsyncLocalStorage(),
  queues: new WeakMap(),
});
interface DbState {
  pools: WeakMap<object, pg.Pool>;
  pgClients: WeakMap<object, pg.PoolClient>;
  scope: AsyncLocalStorage<Scope>;
  queues: WeakMap<Database.Database, Promise<unknown>>;
}
const pools = shared.pools;

export interface PgOptions {
  /** Connections in this process's pool (DATABASE_POOL_MAX, default 10). */
  max?: number;
  applicationName?: string;
}

/** A pool on `url` and its drizzle handle (typed as the SQLite one: see the top of this file). */
export function openPg(url: string, opts: PgOptions = {}): DB {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? env().DATABASE_POOL_MAX,
    application_name: opts.applicationName ?? "webhook-desk",
    idleTimeoutMillis: 30_000,
    // A full pool (or an unreachable server) answers 503 BUSY after this, instead of
    // holding the request forever (lib/errors.ts maps pg's "timeout exceeded when trying to connect").
    // DATABASE_CONNECT_TIMEOUT_MS, default 10 s.
    connectionTimeoutMillis: env().DATABASE_CONNECT_TIMEOUT_MS,
  });
  // An idle client's error (the server restarted) must not crash the process; the pool drops it.
  pool.on("error", (e) => log.error({ err: e }, "idle PostgreSQL connection failed"));
  const db = drizzlePg(pool, { schema: pgSchema }) as unknown as DB;
  pools.set(db, pool);
  return db;
}

/** The pool behind a PostgreSQL handle (undefined for SQLite). */
export function pgPool(db: DB = rootDb()): pg.Pool | undefined {
  return pools.get(db);
}

export function dialectOfDb(db: DB): Dialect {
  return pools.has(db) || pgClients.has(db) ? "pg" : "sqlite";
}

/** Opens the database named by DATABASE_URL. */
export function openFromEnv(): DB {
  return DIALECT === "pg" ? openPg(process.env.DATABASE_URL ?? "") : openDatabase();
}

/** Closes a handle's connections (SQLite file or PostgreSQL pool). */
export async function closeDb(db: DB): Promise<void> {
  const pool = pools.get(db);
  if (pool) await pool.end();
  else if (dialectOfDb(db) === "sqlite") db.$client.close();
}

// ─── The current handle ─────────────────────────────────────────────────────────────────

interface Scope {
  db: DB;
  /** False once the transaction ended: work it started that outlives it uses the root handle. */
  open: boolean;
  /** The transaction's connection on PostgreSQL. */
  pg?: pg.PoolClient;
}
const scope = shared.scope;
const pgClients = shared.pgClients;

// One root handle per process; cached on globalThis so dev hot reloads don't leak handles.
const g = globalThis as unknown as { __webhookDeskDb?: DB };

function rootDb(): DB {
  g.__webhookDeskDb ??= openFromEnv();
  return g.__webhookDeskDb;
}

/** The open transaction's handle when called inside `tx()`, else the process's database. */
export function getDb(): DB {
  return openScope()?.db ?? rootDb();
}

function openScope(): Scope | undefined {
  const s = scope.getStore();
  return s?.open ? s : undefined;
}

/** Tests swap in a fresh database. */
export function setDb(db: DB | undefined): void {
  g.__webhookDeskDb = db;
}

/** The connection of the PostgreSQL transaction `db` belongs to (pg-boss enqueues on it). */
export function pgClientOf(db: DB): pg.PoolClient | undefined {
  return pgClients.get(db);
}

export const inTransaction = (): boolean => openScope() !== undefined;

// ─── Transactions ───────────────────────────────────────────────────────────────────────

export interface TxOptions {
  /** SQLite: how long to keep retrying while another connection holds the write lock, then 503 BUSY. */
  budgetMs?: number;
  /**
   * PostgreSQL's isolation level. Default "serializable": transactions behave as if run one
   * at a time, as they are on SQLite, so a service's read-then-write holds on both dialects
   * (a serialization failure re-runs the body). Hot paths whose writes are safe without it
   * (inserts of new rows, updates guarded in their WHERE) may ask for "read committed".
   */
  isolation?: "serializable" | "read committed";
}

const queues = shared.queues;

/**
 * Runs `fn` in one transaction (BEGIN IMMEDIATE on SQLite; a pooled connection on
 * PostgreSQL) and commits, or rolls back if it throws. Inside another `tx()` it joins it.
 * Keep the body to queries: no network, no render pool (the write lock is held meanwhile).
 */
export async function tx<T>(fn: (t: DB) => Promise<T> | T, opts: TxOptions = {}, db: DB = getDb()): Promise<T> {
  const open = openScope();
  if (open && (open.db === db || db === rootDb())) return fn(open.db);
  const pool = pools.get(db);
  return pool ? pgTx(pool, fn, opts.isolation ?? "serializable") : sqliteTx(db, fn, opts.budgetMs ?? 3000);
}

async function sqliteTx<T>(db: DB, fn: (t: DB) => Promise<T> | T, budgetMs: number): Promise<T> {
  const client = db.$client;
  const before = queues.get(client) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  queues.set(client, mine);
  await before;
  try {
    await withWriteRetry(client, () => client.prepare("BEGIN IMMEDIATE").run(), budgetMs);
    const s: Scope = { db, open: true };
    try {
      const out = await scope.run(s, () => fn(db));
      client.prepare("COMMIT").run();
      return out;
    } catch (e) {
      if (client.inTransaction) client.prepare("ROLLBACK").run();
      throw e;
    } finally {
      s.open = false;
    }
  } finally {
    if (queues.get(client) === mine) queues.delete(client);
    done();
  }
}

const RETRYABLE_PG = new Set(["40001", "40P01"]); // serialization failure, deadlock

/** PostgreSQL gave up this transaction for another's sake; tx() runs it again (don't catch it inside). */
export const isTransactionConflict = (e: unknown): boolean => RETRYABLE_PG.has(dbErrorCode(e) ?? "");

// Each round of conflicting transactions commits at least one of them; jittered backoff
// spreads the rest. A row everyone updates at once (a throttle under attack) still converges.
const PG_ATTEMPTS = 30;

/**
 * The transaction's connection as its handle and pg-boss see it: once the transaction ended
 * (the connection is back in the pool, maybe inside another caller's transaction), a query
 * through it is refused instead of running there. Work that outlives a transaction takes
 * getDb() (the root handle) or a transaction of its own.
 */
function scopedClient(client: pg.PoolClient, isOpen: () => boolean): pg.PoolClient {
  const ended = () =>
    Promise.reject(new Error("This PostgreSQL transaction has ended: run later work through getDb() or a tx() of its own"));
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === "query") return isOpen() ? target.query.bind(target) : ended;
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function pgTx<T>(pool: pg.Pool, fn: (t: DB) => Promise<T> | T, isolation: NonNullable<TxOptions["isolation"]>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    const scoped = scopedClient(client, () => s.open);
    const t = drizzlePg(scoped, { schema: pgSchema }) as unknown as DB;
    const s: Scope = { db: t, pg: scoped, open: true };
    pgClients.set(t, scoped);
    let conflict = false;
    try {
      await client.query(isolation === "serializable" ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN");
      const out = await scope.run(s, () => fn(t));
      await client.query("COMMIT");
      return out;
    } catch (e) {
      await client.query("ROLLBACK").catch(() => undefined);
      const code = dbErrorCode(e);
      if (attempt < PG_ATTEMPTS && code && RETRYABLE_PG.has(code)) conflict = true;
      else throw e;
    } finally {
      s.open = false;
      // Back to the pool before any backoff: a connection held while sleeping is one the
      // conflicting transactions (and everyone else) cannot have.
      client.release();
    }
    // Conflicting transactions retry at different moments.
    if (conflict) await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));
  }
}

// ─── Raw SQL, both dialects ─────────────────────────────────────────────────────────────

/** Rows of a raw query (drizzle `sql\`…\``). */
export async function rawAll<T>(query: SQL, db: DB = getDb()): Promise<T[]> {
  if (dialectOfDb(db) === "sqlite") return db.all<T>(query);
  const res = (await (db as unknown as { execute: (q: SQL) => Promise<{ rows: T[] }> }).execute(query)) as { rows: T[] };
  return res.rows;
}

export async function rawGet<T>(query: SQL, db: DB = getDb()): Promise<T | undefined> {
  return (await rawAll<T>(query, db))[0];
}

/** Runs a raw statement; returns the number of rows it changed. */
export async function rawRun(query: SQL, db: DB = getDb()): Promise<number> {
  if (dialectOfDb(db) === "sqlite") return db.run(query).changes;
  const res = await (db as unknown as { execute: (q: SQL) => Promise<{ rowCount: number | null }> }).execute(query);
  return res.rowCount ?? 0;
}

/** Rows changed, from an awaited insert/update/delete of either dialect. */
export function changes(result: unknown): number {
  const r = result as { changes?: number; rowCount?: number | null };
  return r.changes ?? r.rowCount ?? 0;
}
