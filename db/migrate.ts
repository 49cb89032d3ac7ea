import "server-only";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import fs from "node:fs";
import path from "node:path";
import type { DB } from "./index";

export const MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations");

interface Journal {
  entries: { when: number; tag: string }[];
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
  migrate(db, { migrationsFolder });
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8")) as Journal;
  const tags = new Map(journal.entries.map((e) => [e.when, e.tag]));
  return [...appliedAt(db)]
    .filter((at) => !before.has(at))
    .sort((a, b) => a - b)
    .map((at) => tags.get(at) ?? `migration of ${new Date(at).toISOString()}`);
}
