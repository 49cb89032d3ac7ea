import "server-only";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import path from "node:path";
import type { DB } from "./index";

export const MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations");

export function migrateDb(db: DB, migrationsFolder = MIGRATIONS_FOLDER): void {
  migrate(db, { migrationsFolder });
}
