import "server-only";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import fs from "node:fs";
import path from "node:path";
import { sealStoredRequestHeaders } from "@/lib/delivery/sealed";
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
