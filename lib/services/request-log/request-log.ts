import "server-only";
// The Webhook Request Log, read side: the list with keyset pagination (fast on any page of
// a million rows), a capped count, and one log with its attempts. Log rows are written only
// by ingest and the dispatcher — users cannot create them (as in Frappe).
import { getDb } from "@/db";
import { pendingDeliveryOf } from "@/lib/delivery";
import type { Actor } from "@/lib/auth/roles";
import { notFound, zodToAppError } from "@/lib/errors";
import {
  addDateRange,
  cappedCount,
  decodeCursor,
  finishPage,
  pageLimit,
  prepareCached as prepare,
  seek,
  whereSql,
  type KeysetPage,
  type SortOrder,
} from "../frappe-rest/keyset";
import { parseHeaders, requireManager } from "./request-log-common";
import { logFiltersSchema, type LogFilters, type LogFiltersInput } from "./request-log.schema";

export { prettyJson } from "./request-log-common";
export * from "./request-log.schema";
export { decodeCursor, formatCount, type SortOrder } from "../frappe-rest/keyset";

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

export type LogPage = KeysetPage<LogListRow>;

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
  addDateRange("created", f, where, params);
  return { where, params };
}

const LIST_COLUMNS = `name, webhook, reference_doctype AS referenceDoctype, reference_document AS referenceDocument,
  doc_event AS docEvent, status, http_status AS httpStatus, attempts, url, user, event, duration_ms AS durationMs, is_test AS isTest, created`;

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
  const limit = pageLimit(opts.limit);
  const { where, params } = filterSql(f);
  const s = seek(cursor, opts.order === "asc" ? "asc" : "desc", { time: "created", key: "name" });
  const sql = `SELECT ${LIST_COLUMNS} FROM webhook_request_log ${whereSql([...where, ...s.where])} ${s.orderBy} LIMIT @limit`;
  const fetched = (
    prepare(getDb().$client, sql).all({ ...params, ...s.params, limit: limit + 1 }) as (Omit<LogListRow, "isTest"> & { isTest: number })[]
  ).map((r): LogListRow => ({ ...r, isTest: !!r.isTest }));
  return finishPage(fetched, limit, cursor, (r) => ({ at: r.created, key: r.name }));
}

/** Rows matching the filters, counted up to COUNT_CAP + 1 (`capped` when there are more). */
export function countLogs(
  actor: Actor | null,
  filters: LogFiltersInput | Record<string, unknown> = {},
): { count: number; capped: boolean } {
  requireManager(actor);
  const { where, params } = filterSql(parseLogFilters(filters));
  return cappedCount(getDb().$client, "webhook_request_log", where, params);
}

interface LogAttempt {
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
  /** Its pending delivery waits because the webhook is disabled (Next Retry reads HELD_TEXT). */
  held: boolean;
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
  held: number;
  modified: number;
}

/** One log with its attempts (oldest first). Headers are the masked ones stored at send time. */
export function getLog(actor: Actor | null, name: string): LogDetail {
  requireManager(actor);
  const db = getDb().$client;
  const row = prepare(
    db,
    `SELECT ${LIST_COLUMNS}, headers, data, response, error, request_method AS requestMethod, next_retry AS nextRetry,
      held, modified FROM webhook_request_log WHERE name = ?`,
  ).get(name) as LogRowRaw | undefined;
  if (!row) throw notFound(`Webhook Request Log ${name}`);
  const attempts = prepare(
    db,
    `SELECT id, attempt, started, success, http_status AS httpStatus, duration_ms AS durationMs, response, error, manual
     FROM webhook_request_attempt WHERE log = ? ORDER BY attempt, id`,
  ).all(name) as (Omit<LogAttempt, "success" | "manual"> & { success: number; manual: number })[];
  const due = pendingDeliveryOf(db, name);
  return {
    ...row,
    headers: parseHeaders(row.headers),
    headersText: row.headers,
    isTest: !!row.isTest,
    held: !!row.held,
    attemptList: attempts.map((a) => ({ ...a, success: !!a.success, manual: !!a.manual })),
    pending: !!due,
    sendingSoon: !!due && !due.held && due.dueAt - Date.now() < 60_000,
  };
}

/** Webhook names for the list's Webhook filter (a select while there are few). */
export function webhookNames(actor: Actor | null, max = 200): string[] {
  requireManager(actor);
  const rows = prepare(getDb().$client, `SELECT name FROM webhook ORDER BY name LIMIT ?`).all(max + 1) as { name: string }[];
  return rows.map((r) => r.name);
}
