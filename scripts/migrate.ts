// `npm run db:migrate`: applies the committed migrations (db/migrations/) to the database
// DATABASE_URL names (default data/desk.db) and says which it applied. `npm start`, the
// worker and the CLI do the same on their own; this is for a deploy step or a backup check.
import { openDatabase } from "@/db";
import { migrateDb } from "@/db/migrate";
import { databasePath } from "@/lib/config";

const file = databasePath();
const db = openDatabase(file);
try {
  const applied = migrateDb(db);
  const total = (db.$client.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number }).n;
  if (applied.length === 0) {
    console.log(`${file}: up to date (${total} migration${total === 1 ? "" : "s"} applied before, none pending).`);
  } else {
    console.log(`${file}: applied ${applied.length} migration${applied.length === 1 ? "" : "s"}:`);
    for (const tag of applied) console.log(`  ${tag}`);
    console.log(`${total} applied in all.`);
  }
} catch (err) {
  console.error(`${file}: migration failed, nothing of it was kept.`);
  console.error(err);
  process.exitCode = 1;
} finally {
  db.$client.close();
}
