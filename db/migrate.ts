import "server-only";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import fs from "node:fs";
import path from "node:path";
import type pg from "pg";
import { sealStoredRequestHeaders } from "@/lib/delivery/sealed";
import { dialectOfDb, pgPool, type DB } from "./index";

export const MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations");
const PG_MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations-pg");

/** Where the committed migrations of the handle's dialect are. */
export const migrationsFolderOf = (db: DB): string => (dialectOfDb(db) === "sqlite" ? MIGRATIONS_FOLDER : PG_MIGRATIONS_FOLDER);

/** Steps that must follow the schema on PostgreSQL (pg-boss's own schema); set by lib/delivery's PG store. */
const afterPgMigrate: ((db: DB) => Promise<void>)[] = [];
export function onPgMigrated(step: (db: DB) => Promise<void>): void {
  afterPgMigrate.push(step);
}

/**
 * Applies the committed migrations of the handle's dialect (db/migrations or db/migrations-pg)
 * that it does not have yet; returns the names of those applied, oldest first.
 */
export async function migrateDatabase(db: DB, folder?: string): Promise<string[]> {
  if (dialectOfDb(db) === "sqlite") return migrateDb(db, folder);
  const migrationsFolder = folder ?? PG_MIGRATIONS_FOLDER;
  const pool = pgPool(db);
  if (!pool) throw new Error("migrateDatabase: a PostgreSQL transaction handle cannot be migrated");
  const applied = () => appliedAtPg(pool);
  // Several processes starting at once (web nodes, workers): one migrates, the others wait.
  const lock = await pool.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock(775533001)`);
    const before = await applied();
    await migratePg(db as never, { migrationsFolder });
    for (const step of afterPgMigrate) await step(db);
    const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8")) as Journal;
    const tags = new Map(journal.entries.map((e) => [e.when, e.tag]));
    return [...(await applied())]
      .filter((at) => !before.has(at))
      .sort((a, b) => a - b)
      .map((at) => tags.get(at) ?? `migration of ${new Date(at).toISOString()}`);
  } finally {
    await lock.query(`SELECT pg_advisory_unlock(775533001)`).catch(() => undefined);
    lock.release();
  }
}

interface Journal {
  entries: { when: number; tag: string }[];
}

/** How many migrations `db` has applied (drizzle's journal, wherever its dialect keeps it). */
export async function appliedMigrations(db: DB): Promise<number> {
  if (dialectOfDb(db) === "sqlite") return appliedAt(db).size;
  const pool = pgPool(db);
  if (!pool) throw new Error("appliedMigrations: needs the database's handle, not a transaction's");
  return (await appliedAtPg(pool)).size;
}

/** The same on PostgreSQL, where drizzle's migrator keeps its journal in the `drizzle` schema. */
async function appliedAtPg(pool: pg.Pool): Promise<Set<number>> {
  const exists = await pool.query(`SELECT to_regclass('drizzle.__drizzle_migrations') AS t`);
  if (!exists.rows[0]?.t) return new Set<number>();
  const rows = await pool.query<{ created_at: string | number }>(`SELECT created_at FROM drizzle.__drizzle_migrations`);
  return new Set(rows.rows.map((r) => Number(r.created_at)));
}

/** `created_at` of each migration drizzle's migrator has recorded in `db` (none before the first run). */
function appliedAt(db: DB): Set<number> {
  const table = db.$client.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  if (!table) return new Set();
  const rows = db.$client.prepare("SELECT created_at FROM __drizzle_migrations").all() as { created_at: number | string }[];
  return new Set(rows.map((r) => Number(r.created_at)));
}

/**
 * Applies the committed migrations `db` does not have yet, in one transaction (drizzle's
 * migrator). Returns the names of those it applied (e.g. "0003_security"), oldest first.
 */
export function migrateDb(db: DB, migrationsFolder = MIGRATIONS_FOLDER): string[] {
  const before = appliedAt(db);
  const hadRequestHeaders = columns(db, "webhook_request_log").includes("request_headers");
  migrate(db, { migrationsFolder });
  // Migration 0004 moved pending requests' headers to their log rows in clear: seal them
  // once, right after it ran, and rewrite the file so no deleted copy remains.
  if (!hadRequestHeaders && columns(db, "webhook_request_log").includes("request_headers") && sealStoredRequestHeaders(db.$client) > 0) {
    db.$client.exec("VACUUM");
  }
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8")) as Journal;
  const tags = new Map(journal.entries.map((e) => [e.when, e.tag]));
  return [...appliedAt(db)]
    .filter((at) => !before.has(at))
    .sort((a, b) => a - b)
    .map((at) => tags.get(at) ?? `migration of ${new Date(at).toISOString()}`);
}

const columns = (db: DB, table: string): string[] =>
  (db.$client.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((r) => r.name);
