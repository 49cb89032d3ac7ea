// Prepares the database before the server starts: secrets, migrations, first-start seed.
import { openDatabase } from "@/db";
import { migrateDb } from "@/db/migrate";
import { seedIfEmpty } from "@/db/seed";
import { authSecret, databasePath, encryptionKey } from "@/lib/config";

async function main() {
  authSecret();
  encryptionKey();
  const db = openDatabase();
  migrateDb(db);
  const seeded = await seedIfEmpty(db);
  if (seeded) {
    console.log(`Seeded demo data into ${databasePath()}.`);
    if (seeded.generated) {
      console.log("");
      console.log("  Administrator password (shown once): " + seeded.adminPassword);
      console.log("  Set ADMIN_PASSWORD before the first start to choose it.");
      console.log("");
    }
  }
  db.$client.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
