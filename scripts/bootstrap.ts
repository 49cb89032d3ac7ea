// Prepares the database before the server starts: secrets, migrations, first-start seed.
import { closeDb, openFromEnv } from "@/db";
import { checkEncryptionKey } from "@/db/key-check";
import { migrateDatabase } from "@/db/migrate";
import { seedIfEmpty } from "@/db/seed";
import { authSecret, encryptionKey } from "@/lib/config";
import { checkEnv } from "@/lib/env";
import { databaseName } from "./database-name";

async function main() {
  checkEnv(); // a bad value stops `npm start` here, naming the variable
  authSecret();
  encryptionKey();
  const db = openFromEnv();
  try {
    await migrateDatabase(db);
    await checkEncryptionKey(db);
    report(await seedIfEmpty(db));
  } finally {
    await closeDb(db);
  }
}

function report(seeded: Awaited<ReturnType<typeof seedIfEmpty>>) {
  if (seeded) {
    console.log(`Seeded demo data into ${databaseName()}.`);
    if (seeded.generated) {
      console.log("");
      console.log("  Administrator password (shown once): " + seeded.adminPassword);
      console.log("  Set ADMIN_PASSWORD before the first start to choose it.");
      console.log("");
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
