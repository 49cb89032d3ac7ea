// Test helper: a fresh, migrated SQLite database in a temp folder, installed as the app's DB.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase, setDb, type DB } from "@/db";
import { migrateDb } from "@/db/migrate";
import { seedDoctypes } from "@/db/seed";

export function freshDb({ seed = true }: { seed?: boolean } = {}): { db: DB; dir: string; file: string; close: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhook-desk-test-"));
  const file = path.join(dir, "desk.db");
  const db = openDatabase(file);
  migrateDb(db, path.join(__dirname, "..", "db", "migrations"));
  if (seed) seedDoctypes(db);
  setDb(db);
  return {
    db,
    dir,
    file,
    close: () => {
      setDb(undefined);
      db.$client.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
