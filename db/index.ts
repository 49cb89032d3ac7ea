import "server-only";
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { databasePath } from "@/lib/config";
import * as schema from "./schema";

export type DB = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export function openDatabase(file = databasePath()): DB {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  return drizzle(sqlite, { schema }) as DB;
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
