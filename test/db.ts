// Test helper: a fresh, migrated database installed as the app's DB. SQLite (default): a file
// in a temp folder. PostgreSQL (DATABASE_URL=postgres://…, as `npm test`'s second pass sets it):
// a new database on that server, dropped by close().
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { closeDb, DIALECT, openDatabase, openPg, setDb, type DB } from "@/db";
import { migrateDatabase } from "@/db/migrate";
import { seedDoctypes } from "@/db/seed";

export interface FreshDb {
  db: DB;
  /** A temp folder for the test's files (the SQLite database lives in it). */
  dir: string;
  /** SQLite: the database file; PostgreSQL: the database's URL. */
  file: string;
  /** Another connection on the same database (a second process's view). */
  url: string;
  close: () => Promise<void>;
}

export const onPostgres = DIALECT === "pg";

async function adminQuery(text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}

export async function freshDb({ seed = true }: { seed?: boolean } = {}): Promise<FreshDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhook-desk-test-"));
  let db: DB;
  let file: string;
  let drop = async () => {};
  if (onPostgres) {
    const name = `t_${randomBytes(6).toString("hex")}`;
    await adminQuery(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.DATABASE_URL ?? "");
    url.pathname = `/${name}`;
    file = url.toString();
    db = openPg(file, { max: 5 });
    drop = () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } else {
    file = path.join(dir, "desk.db");
    db = openDatabase(file);
  }
  await migrateDatabase(db);
  if (seed) await seedDoctypes(db);
  setDb(db);
  return {
    db,
    dir,
    file,
    url: onPostgres ? file : `file:${file}`,
    close: async () => {
      setDb(undefined);
      await closeDb(db);
      await drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
