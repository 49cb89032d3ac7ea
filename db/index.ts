import "server-only";
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { databasePath } from "@/lib/config";
import * as schema from "./schema";

export type DB = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

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
  return drizzle(sqlite, { schema }) as DB;
}

/** Tunes an open connection for the thread that will use it (see OpenOptions). */
export function tuneConnection(db: DB, opts: OpenOptions): void {
  if (opts.busyTimeoutMs !== undefined) db.$client.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs))}`);
  if (opts.autoCheckpoint !== undefined) db.$client.pragma(`wal_autocheckpoint = ${opts.autoCheckpoint ? 1000 : 0}`);
}

// One connection per process; cached on globalThis so dev hot reloads don't leak handles.
const g = globalThis as unknown as { __webhookDeskDb?: DB };

export function getDb(): DB {
  g.__webhookDeskDb ??= openDatabase();
  return g.__webhookDeskDb;
}

/** Tests swap in a fresh database. */
export function setDb(db: DB | undefined): void {
  g.__webhookDeskDb = db;
}
