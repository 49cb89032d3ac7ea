// The run-time half of the dialect mirror check (db/schema/index.ts has the compile-time
// half): ./pg must have the same tables, columns, keys, indexes and defaults as ./sqlite.
import { getTableColumns, getTableName, is, type Column } from "drizzle-orm";
import { getTableConfig as pgConfig, PgTable } from "drizzle-orm/pg-core";
import { getTableConfig as sqliteConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import * as pg from "./pg";
import * as sqlite from "./sqlite";

type Config = ReturnType<typeof sqliteConfig> | ReturnType<typeof pgConfig>;

function shape(table: SQLiteTable | PgTable, config: Config) {
  const columns = Object.entries(getTableColumns(table)).map(([prop, c]: [string, Column]) => ({
    prop,
    name: c.name,
    notNull: c.notNull,
    primary: c.primary,
    // An identity column (pg) is SQLite's INTEGER PRIMARY KEY AUTOINCREMENT: both fill themselves.
    hasDefault: c.hasDefault || c.generatedIdentity !== undefined,
    default: c.default,
    defaultFn: typeof c.defaultFn,
    unique: c.isUnique ? (c.uniqueName ?? true) : false,
  }));
  const names = (cols: Column[]) => cols.map((c) => c.name);
  return {
    name: getTableName(table),
    columns,
    primaryKeys: config.primaryKeys.map((pk) => names(pk.columns)),
    indexes: config.indexes
      .map((i) => ({ name: i.config.name, unique: i.config.unique, columns: i.config.columns.map((c) => (c as Column).name) }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name))),
    uniqueConstraints: config.uniqueConstraints.map((u) => ({ name: u.name, columns: names(u.columns) })),
    foreignKeys: config.foreignKeys.map((fk) => {
      const ref = fk.reference();
      return {
        columns: names(ref.columns),
        table: getTableName(ref.foreignTable),
        foreignColumns: names(ref.foreignColumns),
        onDelete: fk.onDelete ?? "no action",
        onUpdate: fk.onUpdate ?? "no action",
      };
    }),
  };
}

describe("db/schema/pg mirrors db/schema/sqlite", () => {
  it("exports the same tables", () => {
    expect(Object.keys(pg).sort()).toEqual(Object.keys(sqlite).sort());
  });

  for (const [key, table] of Object.entries(sqlite)) {
    it(key, () => {
      const other = (pg as Record<string, unknown>)[key];
      expect(is(table, SQLiteTable)).toBe(true);
      expect(is(other, PgTable)).toBe(true);
      const pgTable = other as PgTable;
      expect(shape(pgTable, pgConfig(pgTable))).toEqual(shape(table, sqliteConfig(table)));
    });
  }
});
