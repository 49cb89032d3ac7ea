// The data folder's rule, shared by lib/config.ts and scripts/start.mjs (lib/data-dir.mjs).
import path from "node:path";
import { describe, expect, it } from "vitest";
import { dataDir } from "./data-dir.mjs";

describe("dataDir", () => {
  it("is DATA_DIR when set, whatever the database", () => {
    expect(dataDir({ DATA_DIR: "/srv/desk", DATABASE_URL: "file:/tmp/x/desk.db" })).toBe("/srv/desk");
    expect(dataDir({ DATA_DIR: "rel", DATABASE_URL: "postgres://u@h/db" })).toBe(path.resolve("rel"));
  });

  it("is the SQLite file's folder, ./data by default", () => {
    expect(dataDir({})).toBe(path.resolve("data"));
    expect(dataDir({ DATABASE_URL: "file:/tmp/x/desk.db" })).toBe("/tmp/x");
    expect(dataDir({ DATABASE_URL: "/tmp/y/desk.db" })).toBe("/tmp/y");
  });

  it("is ./data on PostgreSQL and for an in-memory database", () => {
    expect(dataDir({ DATABASE_URL: "postgres://u:p@h:5432/db" })).toBe(path.resolve("data"));
    expect(dataDir({ DATABASE_URL: "POSTGRESQL://u@h/db" })).toBe(path.resolve("data"));
    expect(dataDir({ DATABASE_URL: "file::memory:" })).toBe(path.resolve("data"));
  });
});
