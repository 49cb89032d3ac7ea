import "server-only";
// The Webhook Request Log, read side: the list with keyset pagination (fast on any page of
// a million rows), a capped count, and one log with its attempts. Log rows are written only
// by ingest and the dispatcher — users cannot create them (as in Frappe).
import type Database from "better-sqlite3";
import { getDb } from "@/db";
import type { Actor } from "@/lib/auth/roles";
import { AppError, notFound, zodToAppError } from "@/lib/errors";
import { parseHeaders, requireManager } from "./request-log-common";
import { logFiltersSchema, type LogFilters, type LogFiltersInput } from "./request-log.schema";

export { prettyJson } from "./request-log-common";
export * from "./request-log.schema";

/** Counting stops here, so the count stays cheap with a million rows ("10,000+"). */
export const COUNT_CAP = 10_000;
const DAY_MS = 86_400_000;

export interface LogListRow {
  name: string;
  webhook: string | null;
  referenceDoctype: string | null;
  referenceDocument: string | null;
  docEvent: string | null;
  status: string;
  httpStatus: number | null;
  attempts: number;
  url: string | null;
  user: string | null;
  event: string | null;
  durationMs: number | null;
  /** A Send Test row. */
  isTest: boolean;
  created: number;
}

export interface LogPage {
  rows: LogListRow[];
  /** Cursor of the next (older, for newest-first) page, when there is one. */
  next?: string;
  prev?: string;
}

export type SortOrder = "asc" | "desc";

interface Cursor {
  dir: "after" | "before";
  created: number;
  name: string;
}

export function encodeCursor(c: Cursor): string {
  return `${c.dir === "after" ? "a" : "b"}.${c.created}.${Buffer.from(c.name).toString("base64url")}`;
}

export function decodeCursor(s: string | undefined | null): Cursor | undefined {
  if (!s) return undefined;
  const m = /^([ab])\.(\d{1,16})\.([A-Za-z0-9_-]{1,400})$/.exec(s);
  if (!m || !m[1] || !m[2] || !m[3]) throw new AppError("BAD_REQUEST", "Invalid cursor");
  return { dir: m[1] === "a" ? "after" : "before", created: Number(m[2]), name: Buffer.from(m[3], "base64url").toString() };
}

export function parseLogFilters(input: LogFiltersInput | Record<string, unknown>): LogFilters {
  const r = logFiltersSchema.safeParse(input);
  if (!r.success) throw zodToAppError(r.error);
  return r.data;
}

/** SQL conditions for the filters; each filter alone is served by an index. */
export function filterSql(f: LogFilters): { where: string[]; params: Record<string, string | number> } {
  const where: string[] = [];
  const params: Record<string, string | number> = {};
  const eq = (col: string, key: string, v: string | undefined) => {
    if (v === undefined) return;
    where.push(`${col} = @${key}`);
    params[key] = v;
  };
  eq("webhook", "webhook", f.webhook);
  eq("status", "status", f.status);
  eq("reference_doctype", "refDoctype", f.reference_doctype);
  if (f.reference_document && !f.reference_doctype) {
    // The reference index leads with the DocType: listing the (few) DocTypes — registered
    // ones and those of webhooks, which made the logs — lets SQLite seek it once per DocType
    // instead of scanning every log for the document name.
    where.push("reference_doctype IN (SELECT name FROM doctype UNION SELECT webhook_doctype FROM webhook)");
  }
  eq("reference_document", "refDocument", f.reference_document);
  eq("user", "user", f.user);
  eq("event", "event", f.event);
  if (f.from) {
    where.push("created >= @from");
    params.from = f.from.ms;
  }
  if (f.to) {
    // A date means the whole day.
    where.push("created < @to");
    params.to = f.to.dateOnly ? f.to.ms + DAY_MS : f.to.ms + 1;
  }
  return { where, params };
}

const LIST_COLUMNS = `name, webhook, reference_doctype AS referenceDoctype, reference_document AS referenceDocument,
  doc_event AS docEvent, status, http_status AS httpStatus, attempts, url, user, event, duration_ms AS durationMs, is_test AS isTest, created`;

// Prepared statements keyed by SQL text: the list builds a handful of shapes only.
const stmtCache = new WeakMap<Database.Database, Map<string, Database.Statement>>();
function prepare(db: Database.Database, sql: string): Database.Statement {
  let m = stmtCache.get(db);
  if (!m) stmtCache.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) {
    s = db.prepare(sql);
    if (m.size > 200) m.clear();
    m.set(sql, s);
  }
  return s;
}

/**
 * One page, newest first by default. Keyset on (created, name): the next page starts
 * strictly after the last row seen, so page 5,000 costs what page 1 costs, and rows
 * arriving meanwhile never shift a page. `created <= @c` keeps the range on an index.
 */
export function listLogs(
  actor: Actor | null,
  filters: LogFiltersInput | Record<string, unknown> = {},
  options: string | null | { cursor?: string | null; limit?: number; order?: SortOrder } = {},
): LogPage {
  requireManager(actor);
  const opts = typeof options === "string" || options === null ? { cursor: options } : options;
  const f = parseLogFilters(filters);
  const cursor = decodeCursor(opts.cursor);
  const limit = Math.min(Math.max(1, Math.trunc(opts.limit ?? 20)), 500);
  const order: SortOrder = opts.order === "asc" ? "asc" : "desc";
  const { where, params } = filterSql(f);
  // Walking "before" the cursor reads the other way round and flips the result back.
  const descending = (order === "desc") !== (cursor?.dir === "before");
  if (cursor) {
    const [lt, le] = descending ? ["<", "<="] : [">", ">="];
    where.push(`created ${le} @cCreated AND (created ${lt} @cCreated OR name ${lt} @cName)`);
    params.cCreated = cursor.created;
    params.cName = cursor.name;
  }
  const dir = descending ? "DESC" : "ASC";
  const sql = `SELECT ${LIST_COLUMNS} FROM webhook_request_log ${where.length ? "WHERE " + where.join(" AND ") : ""}
    ORDER BY created ${dir}, name ${dir} LIMIT @limit`;
  const fetched = (prepare(getDb().$client, sql).all({ ...params, limit: limit + 1 }) as (Omit<LogListRow, "isTest"> & { isTest: number })[]).map(
    (r): LogListRow => ({ ...r, isTest: !!r.isTest }),
  );
  const more = fetched.length > limit;
  const rows = more ? fetched.slice(0, limit) : fetched;
  if (cursor?.dir === "before") rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  const page: LogPage = { rows };
  const hasNext = cursor?.dir === "before" ? true : more;
  const hasPrev = cursor?.dir === "before" ? more : !!cursor;
  if (hasNext && last) page.next = encodeCursor({ dir: "after", created: last.created, name: last.name });
  if (hasPrev && first) page.prev = encodeCursor({ dir: "before", created: first.created, name: first.name });
  return page;
}

/** Rows matching the filters, counted up to COUNT_CAP + 1 (`capped` when there are more). */
export function countLogs(actor: Actor | null, filters: LogFiltersInput | Record<string, unknown> = {}): { count: number; capped: boolean } {
  requireManager(actor);
  const { where, params } = filterSql(parseLogFilters(filters));
  const sql = `SELECT count(*) AS n FROM (SELECT 1 FROM webhook_request_log ${where.length ? "WHERE " + where.join(" AND ") : ""} LIMIT @cap)`;
  const row = prepare(getDb().$client, sql).get({ ...params, cap: COUNT_CAP + 1 }) as { n: number } | undefined;
  const n = row?.n ?? 0;
  return { count: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP };
}

export const formatCount = (c: { count: number; capped: boolean }) => `${c.count.toLocaleString("en-US")}${c.capped ? "+" : ""}`;

export interface LogAttempt {
  id: number;
  attempt: number;
  started: number;
  success: boolean;
  httpStatus: number | null;
  durationMs: number | null;
  response: string | null;
  error: string | null;
  manual: boolean;
}

export interface LogDetail extends LogListRow {
  headers: Record<string, string>;
  headersText: string | null;
  data: string | null;
  response: string | null;
  error: string | null;
  requestMethod: string | null;
  nextRetry: number | null;
  modified: number;
  attemptList: LogAttempt[];
  /** A delivery is still queued for it (a retry is scheduled or a send is in flight). */
  pending: boolean;
  /** That delivery is due within a minute (or being sent): worth watching for the outcome. */
  sendingSoon: boolean;
}

interface LogRowRaw extends Omit<LogListRow, "isTest"> {
  headers: string | null;
  data: string | null;
  response: string | null;
  error: string | null;
  requestMethod: string | null;
  nextRetry: number | null;
  isTest: number;
  modified: number;
}

/** One log with its attempts (oldest first). Headers are the masked ones stored at send time. */
export function getLog(actor: Actor | null, name: string): LogDetail {
  requireManager(actor);
  const db = getDb().$client;
  const row = prepare(
    db,
    `SELECT ${LIST_COLUMNS}, headers, data, response, error, request_method AS requestMethod, next_retry AS nextRetry,
      modified FROM webhook_request_log WHERE name = ?`,
  ).get(name) as LogRowRaw | undefined;
  if (!row) throw notFound(`Webhook Request Log ${name}`);
  const attempts = prepare(
    db,
    `SELECT id, attempt, started, success, http_status AS httpStatus, duration_ms AS durationMs, response, error, manual
     FROM webhook_request_attempt WHERE log = ? ORDER BY attempt, id`,
  ).all(name) as (Omit<LogAttempt, "success" | "manual"> & { success: number; manual: number })[];
  const due = prepare(db, `SELECT due_at AS dueAt FROM delivery WHERE log = ? LIMIT 1`).get(name) as { dueAt: number } | undefined;
  return {
    ...row,
    headers: parseHeaders(row.headers),
    headersText: row.headers,
    isTest: !!row.isTest,
    attemptList: attempts.map((a) => ({ ...a, success: !!a.success, manual: !!a.manual })),
    pending: !!due,
    sendingSoon: !!due && due.dueAt - Date.now() < 60_000,
  };
}

/** Webhook names for the list's Webhook filter (a select while there are few). */
export function webhookNames(actor: Actor | null, max = 200): string[] {
  requireManager(actor);
  const rows = prepare(getDb().$client, `SELECT name FROM webhook ORDER BY name LIMIT ?`).all(max + 1) as { name: string }[];
  return rows.map((r) => r.name);
}
