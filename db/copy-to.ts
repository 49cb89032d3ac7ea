import "server-only";
// `npm run cli -- copy-to --database postgres://…`: moves a SQLite desk up to PostgreSQL.
//
// Every table of the schema is copied row for row (users, roles, API keys, sessions,
// webhooks with their still-encrypted secrets, versions, events, request logs, attempts,
// pending deliveries, jobs, settings) into an EMPTY PostgreSQL database (no table at all, or a
// migrated desk without rows: anything else is refused before a thing is written), in one
// transaction: the target ends up with all of it or none of it. The source is read in one
// read transaction, so a desk still running gives a consistent copy. Values go through both
// dialects' column mappings (SQLite 0/1 → boolean, JSON text → json/jsonb), identity sequences
// are moved past the copied ids, and each pending delivery gets its queue job on the target
// (`afterCopy`, set by the delivery store), so nothing queued is lost or sent twice.
import { getTableColumns, getTableName, is, Table } from "drizzle-orm";
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { dialectOfDb, openPg, closeDb, rawAll, rawGet, rawRun, tx, type DB } from "./index";
import { migrateDatabase } from "./migrate";
import { pgSchema, sqliteSchema } from "./schema";

export interface CopyReport {
  tables: { table: string; rows: number }[];
  rows: number;
  /** Pending deliveries given a queue job on the target. */
  queued: number;
  ms: number;
}

const BATCH = 500;

/** Steps run on the target inside the copy's transaction (the PG delivery store enqueues pending deliveries). */
const afterCopy: ((target: DB) => Promise<number>)[] = [];
export function onCopied(step: (target: DB) => Promise<number>): void {
  afterCopy.push(step);
}

const isTable = (v: unknown): v is Table => is(v, Table);

/** The schema's tables, parents before children (foreign keys). */
function tablesInOrder(): { name: string; pg: PgTable; sqlite: Table }[] {
  const byName = new Map<string, { name: string; pg: PgTable; sqlite: Table }>();
  for (const [key, value] of Object.entries(pgSchema)) {
    if (!isTable(value)) continue;
    const lite = (sqliteSchema as Record<string, unknown>)[key];
    if (!isTable(lite)) throw new Error(`copy-to: ${key} has no SQLite twin`);
    byName.set(getTableName(value), { name: getTableName(value), pg: value as PgTable, sqlite: lite });
  }
  const out: { name: string; pg: PgTable; sqlite: Table }[] = [];
  const seen = new Set<string>();
  const visit = (name: string, path: string[]) => {
    if (seen.has(name)) return;
    if (path.includes(name)) throw new Error(`copy-to: foreign-key cycle ${[...path, name].join(" → ")}`);
    const t = byName.get(name);
    if (!t) return;
    for (const fk of getTableConfig(t.pg).foreignKeys) {
      const parent = getTableName(fk.reference().foreignTable);
      if (parent !== name) visit(parent, [...path, name]);
    }
    seen.add(name);
    out.push(t);
  };
  for (const name of [...byName.keys()].sort()) visit(name, []);
  return out;
}

/** Those of `tables` (the schema's, by default) that have rows in the target. */
async function nonEmptyTables(target: DB, tables = tablesInOrder().map((t) => t.name)): Promise<string[]> {
  const found: string[] = [];
  for (const name of tables) {
    const row = await rawGet<{ one: number }>(sql`SELECT 1 AS one FROM ${sql.identifier(name)} LIMIT 1`, target);
    if (row) found.push(name);
  }
  return found;
}

export class CopyError extends Error {}

const notEmpty = (what: string) =>
  new CopyError(
    `The target database is not empty (${what}); copy-to only copies into an empty database (or a migrated desk with no rows).`,
  );

/**
 * Before anything is written (the migration included): the target's public schema must have no
 * table, or be exactly a migrated desk (drizzle's journal, only the desk's tables) with no rows.
 */
async function refuseUnlessEmpty(target: DB): Promise<void> {
  const tables = (
    await rawAll<{ name: string }>(
      sql`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      target,
    )
  ).map((r) => r.name);
  if (!tables.length) return;
  const desk = new Set(tablesInOrder().map((t) => t.name));
  const foreign = tables.filter((t) => !desk.has(t));
  const journal = await rawGet<{ t: string | null }>(sql`SELECT to_regclass('drizzle.__drizzle_migrations')::text AS t`, target);
  if (foreign.length || !journal?.t) {
    const shown = (foreign.length ? foreign : tables).slice(0, 10).join(", ");
    throw notEmpty(`${foreign.length ? "tables that are not the desk's" : "tables but no desk migrations"}: ${shown}`);
  }
  const full = await nonEmptyTables(target, tables);
  if (full.length) throw notEmpty(`rows in ${full.join(", ")}`);
}

/**
 * Copies the SQLite database `source` into the empty PostgreSQL database at `targetUrl`
 * (migrating it first). Throws CopyError, with nothing written, when the target has tables of
 * its own or rows.
 */
export async function copyToPostgres(
  source: DB,
  targetUrl: string,
  onProgress: (table: string, rows: number) => void = () => {},
): Promise<CopyReport> {
  if (dialectOfDb(source) !== "sqlite") throw new CopyError("copy-to reads a SQLite database (DATABASE_URL=file:…)");
  if (!/^postgres(ql)?:\/\//i.test(targetUrl)) throw new CopyError("--database must be a postgres:// URL");
  const started = Date.now();
  const target = openPg(targetUrl, { max: 2, applicationName: "webhook-desk copy-to" });
  try {
    await refuseUnlessEmpty(target);
    await migrateDatabase(target);
    // Again after the migration: someone may have written meanwhile.
    const full = await nonEmptyTables(target);
    if (full.length) throw notEmpty(`rows in ${full.join(", ")}`);
    const tables: CopyReport["tables"] = [];
    let queued = 0;
    // One read transaction on the source (deferred: in WAL mode every table is read from the
    // snapshot of its first read), so a desk that is still writing gives a consistent copy.
    const lite = source.$client;
    lite.exec("BEGIN");
    try {
      await tx(
        async (t) => {
          for (const table of tablesInOrder()) {
            const rows = await copyTable(source, t, table);
            tables.push({ table: table.name, rows });
            onProgress(table.name, rows);
          }
          for (const step of afterCopy) queued += await step(t);
        },
        {},
        target,
      );
    } finally {
      if (lite.inTransaction) lite.exec("COMMIT");
    }
    return { tables, rows: tables.reduce((n, r) => n + r.rows, 0), queued, ms: Date.now() - started };
  } finally {
    await closeDb(target);
  }
}

async function copyTable(source: DB, target: DB, table: { name: string; pg: PgTable; sqlite: Table }): Promise<number> {
  // Raw SQLite values mapped to JS by the SQLite columns, then written through the pg columns.
  const columns = Object.entries(getTableColumns(table.sqlite));
  const select = source.$client.prepare(`SELECT * FROM "${table.name}"`);
  let batch: Record<string, unknown>[] = [];
  let n = 0;
  const flush = async () => {
    if (!batch.length) return;
    await target.insert(table.pg as never).values(batch as never);
    n += batch.length;
    batch = [];
  };
  for (const raw of select.iterate() as Iterable<Record<string, unknown>>) {
    const row: Record<string, unknown> = {};
    for (const [key, col] of columns) {
      const v = raw[col.name];
      row[key] = v === null || v === undefined ? null : col.mapFromDriverValue(v);
    }
    batch.push(row);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  // Identity columns: the next generated id must come after the copied ones.
  for (const col of Object.values(getTableColumns(table.pg))) {
    if ((col as { generatedIdentity?: unknown }).generatedIdentity && n > 0) {
      await rawRun(
        sql`SELECT setval(pg_get_serial_sequence(${table.name}, ${col.name}), (SELECT max(${sql.identifier(col.name)}) FROM ${sql.identifier(table.name)}))`,
        target,
      );
    }
  }
  return n;
}
