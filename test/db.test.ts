// test/db.ts itself, on the dialect DATABASE_URL names (both passes of `npm test` run it):
// every freshDb() is its own migrated database, `url` reaches that same database from
// another connection, and close() throws it away.
import fs from "node:fs";
import { eq } from "drizzle-orm";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { closeDb, openDatabase, openPg, type DB } from "@/db";
import { doctype } from "@/db/schema";
import { freshDb, onPostgres, type FreshDb } from "./db";

const open: FreshDb[] = [];
const fresh = async () => {
  const t = await freshDb({ seed: false });
  open.push(t);
  return t;
};
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

const addDoctype = (db: DB, name: string) => db.insert(doctype).values({ name, module: "Test", created: 1, modified: 1 });
const doctypeNames = async (db: DB) => (await db.select({ name: doctype.name }).from(doctype)).map((r) => r.name);

/** A second connection to the database `url` names (another process's view). */
const connect = (t: FreshDb): DB => (onPostgres ? openPg(t.url, { max: 1 }) : openDatabase(t.file));

async function pgDatabaseExists(name: string): Promise<boolean> {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  try {
    return (await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1;
  } finally {
    await admin.end();
  }
}

describe(`freshDb (${onPostgres ? "PostgreSQL" : "SQLite"})`, () => {
  it("gives each caller its own migrated database", async () => {
    const a = await fresh();
    const b = await fresh();
    expect(a.url).not.toBe(b.url);
    await addDoctype(a.db, "Only In A");
    expect(await doctypeNames(a.db)).toEqual(["Only In A"]);
    expect(await doctypeNames(b.db)).toEqual([]);
  });

  it("reaches the same database through `url` from another connection", async () => {
    const t = await fresh();
    await addDoctype(t.db, "Seen Elsewhere");
    const other = connect(t);
    try {
      expect(await other.select().from(doctype).where(eq(doctype.name, "Seen Elsewhere"))).toHaveLength(1);
    } finally {
      await closeDb(other);
    }
  });

  it("throws the database away on close()", async () => {
    const t = await freshDb({ seed: false });
    const name = onPostgres ? new URL(t.url).pathname.slice(1) : "";
    if (onPostgres) expect(await pgDatabaseExists(name)).toBe(true);
    await t.close();
    if (onPostgres) expect(await pgDatabaseExists(name)).toBe(false);
    expect(fs.existsSync(t.dir)).toBe(false);
  });
});
