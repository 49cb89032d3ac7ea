import "server-only";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import path from "node:path";
import { sealStoredRequestHeaders } from "@/lib/delivery/sealed";
import type { DB } from "./index";

export const MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations");

export function migrateDb(db: DB, migrationsFolder = MIGRATIONS_FOLDER): void {
  const hadRequestHeaders = columns(db, "webhook_request_log").includes("request_headers");
  migrate(db, { migrationsFolder });
  // Migration 0004 moved pending requests' headers to their log rows in clear: seal them
  // once, right after it ran, and rewrite the file so no deleted copy remains.
  if (!hadRequestHeaders && sealStoredRequestHeaders(db.$client) > 0) db.$client.exec("VACUUM");
}

const columns = (db: DB, table: string): string[] =>
  (db.$client.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((r) => r.name);
