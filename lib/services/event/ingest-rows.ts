import "server-only";
// Ingest's bulk writes: the document snapshots and the event rows of one request. SQLite
// runs a prepared statement per row (no round trips, no SQL built per call). PostgreSQL runs
// one statement per table over the rows as one JSON parameter (json_to_recordset): a round
// trip per table, not per row, no query text built per call (drizzle's builder cost ~14 ms
// per 100-row batch, more than the database) and no per-character escaping of text[] values. Both write the same rows; events.test.ts runs on both dialects.
import { sql } from "drizzle-orm";
import { dialectOfDb, pgClientOf, type DB } from "@/db";
import { document, event } from "@/db/schema";
import type { Doc } from "@/lib/renderer/types";

export type DocumentRow = { doctype: string; name: string; data: Doc; deleted: boolean; modified: number };
type EventRow = {
  id: string;
  idempotencyKey: string | null;
  doctype: string;
  event: string;
  docname: string;
  user: string | null;
  apiKey: string | null;
  postedBy: string | null;
  routing: unknown[];
  created: number;
};

/** A posted document replaces the stored snapshot of the same (doctype, name). */
const DOCUMENT_UPSERT = {
  target: [document.doctype, document.name],
  set: { data: sql`excluded.data`, deleted: sql`excluded.deleted`, modified: sql`excluded.modified` },
};

function sqliteStatements(db: DB) {
  const p = sql.placeholder;
  return {
    insertEvent: db
      .insert(event)
      .values({
        id: p("id"),
        idempotencyKey: p("idempotencyKey"),
        doctype: p("doctype"),
        event: p("event"),
        docname: p("docname"),
        user: p("user"),
        apiKey: p("apiKey"),
        postedBy: p("postedBy"),
        routing: p("routing"),
        created: p("created"),
      })
      .prepare(),
    upsertDocument: db
      .insert(document)
      .values({ doctype: p("doctype"), name: p("name"), data: p("data"), deleted: p("deleted"), modified: p("modified") })
      .onConflictDoUpdate(DOCUMENT_UPSERT)
      .prepare(),
  };
}
const prepared = new WeakMap<DB, ReturnType<typeof sqliteStatements>>();
function lite(db: DB) {
  let s = prepared.get(db);
  if (!s) {
    s = sqliteStatements(db);
    prepared.set(db, s);
  }
  return s;
}

function pgClient(t: DB) {
  const c = pgClientOf(t);
  if (!c) throw new Error("ingest writes run inside a PostgreSQL transaction");
  return c;
}

/** Upserts the snapshots (at most one row per (doctype, name): PostgreSQL refuses to update a row twice in one statement). */
export async function upsertDocuments(t: DB, rows: DocumentRow[]): Promise<void> {
  if (!rows.length) return;
  if (dialectOfDb(t) === "sqlite") {
    const s = lite(t);
    for (const r of rows) await s.upsertDocument.execute(r);
    return;
  }
  await pgClient(t).query({
    name: "wd_upsert_documents",
    text: `INSERT INTO document (doctype, name, data, deleted, modified)
      SELECT doctype, name, data, deleted, modified
      FROM json_to_recordset($1::json) AS x(doctype text, name text, data json, deleted boolean, modified bigint)
      ON CONFLICT (doctype, name) DO UPDATE SET data = excluded.data, deleted = excluded.deleted, modified = excluded.modified`,
    values: [JSON.stringify(rows)],
  });
}

export async function insertEvents(t: DB, rows: EventRow[]): Promise<void> {
  if (!rows.length) return;
  if (dialectOfDb(t) === "sqlite") {
    const s = lite(t);
    for (const r of rows) await s.insertEvent.execute(r);
    return;
  }
  await pgClient(t).query({
    name: "wd_insert_events",
    text: `INSERT INTO event (id, idempotency_key, doctype, event, docname, "user", api_key, posted_by, routing, created)
      SELECT id, "idempotencyKey", doctype, event, docname, "user", "apiKey", "postedBy", routing, created
      FROM json_to_recordset($1::json) AS x(id text, "idempotencyKey" text, doctype text, event text, docname text, "user" text,
        "apiKey" text, "postedBy" text, routing json, created bigint)`,
    values: [JSON.stringify(rows)],
  });
}
