// `npm run db:migrate`: applies the committed migrations (db/migrations/, or db/migrations-pg/
// on PostgreSQL) to the database DATABASE_URL names (default data/desk.db) and says which it
// applied. `npm start`, the worker and the CLI do the same on their own; this is for a deploy
// step or a backup check.
import { closeDb, openFromEnv } from "@/db";
import { appliedMigrations, migrateDatabase } from "@/db/migrate";
import { databaseName } from "./database-name";

async function main(): Promise<void> {
  const name = databaseName();
  const db = openFromEnv();
  try {
    const applied = await migrateDatabase(db);
    const total = await appliedMigrations(db);
    if (applied.length === 0) {
      console.log(`${name}: up to date (${total} migration${total === 1 ? "" : "s"} applied before, none pending).`);
    } else {
      console.log(`${name}: applied ${applied.length} migration${applied.length === 1 ? "" : "s"}:`);
      for (const tag of applied) console.log(`  ${tag}`);
      console.log(`${total} applied in all.`);
    }
  } catch (err) {
    console.error(`${name}: migration failed, nothing of it was kept.`);
    console.error(err);
    process.exitCode = 1;
  } finally {
    await closeDb(db);
  }
}

void main();
