import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, type DB } from "./index";
import { MIGRATIONS_FOLDER, migrateDb } from "./migrate";

const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as {
  entries: { tag: string }[];
};
const allTags = journal.entries.map((e) => e.tag);

describe("migrateDb", () => {
  const dirs: string[] = [];
  const dbs: DB[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhook-desk-migrate-"));
    dirs.push(dir);
    return dir;
  };
  const tempDb = () => {
    const db = openDatabase(path.join(tempDir(), "desk.db"));
    dbs.push(db);
    return db;
  };
  afterEach(() => {
    for (const db of dbs.splice(0)) db.$client.close();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("applies every committed migration to a new database and names them", () => {
    expect(allTags[0]).toBe("0000_init");
    const db = tempDb();
    expect(migrateDb(db)).toEqual(allTags);
    expect(db.$client.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get()).toEqual({ n: allTags.length });
    expect(migrateDb(db)).toEqual([]);
  });

  it("applies only the migrations a database is missing", () => {
    // The folder as it was two migrations ago.
    const older = tempDir();
    fs.cpSync(MIGRATIONS_FOLDER, older, { recursive: true });
    const journalFile = path.join(older, "meta", "_journal.json");
    const full = JSON.parse(fs.readFileSync(journalFile, "utf8")) as { entries: unknown[] };
    fs.writeFileSync(journalFile, JSON.stringify({ ...full, entries: full.entries.slice(0, -2) }));

    const db = tempDb();
    expect(migrateDb(db, older)).toEqual(allTags.slice(0, -2));
    expect(migrateDb(db)).toEqual(allTags.slice(-2));
    expect(migrateDb(db)).toEqual([]);
  });
});
