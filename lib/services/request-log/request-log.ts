import "server-only";
// The Webhook Request Log, read side: the list with keyset pagination (fast on any page of
// a million rows), a capped count, and one log with its attempts. Log rows are written only
// by ingest and the dispatcher — users cannot create them (as in Frappe).
import { and, asc, eq, inArray, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { getDb } from "@/db";
import { doctype, webhook, webhookRequestAttempt as attempt, webhookRequestLog as log } from "@/db/schema";
import { pendingDeliveryOf, waitingBehind } from "@/lib/delivery";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { notFound, zodToAppError } from "@/lib/errors";
import { cappedCount, dateRange, decodeCursor, finishPage, pageLimit, seek, type KeysetPage, type SortOrder } from "../frappe-rest/keyset";
import { parseHeaders } from "./request-log-common";
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

/** Conditions for the filters; each filter alone is served by an index. */
export function logFilterWhere(f: LogFilters): SQL[] {
  const where: SQL[] = [];
  const is = (col: SQLiteColumn, v: string | undefined) => {
    if (v !== undefined) where.push(eq(col, v));
  };
  is(log.webhook, f.webhook);
  is(log.status, f.status);
  is(log.referenceDoctype, f.reference_doctype);
  if (f.reference_document && !f.reference_doctype) {
    // The reference index leads with the DocType: listing the (few) DocTypes — registered
    // ones and those of webhooks, which made the logs — lets the database seek it once per
    // DocType instead of scanning every log for the document name.
    const db = getDb();
    where.push(
      inArray(
        log.referenceDoctype,
        db
          .select({ name: doctype.name })
          .from(doctype)
          .union(db.select({ name: webhook.webhookDoctype }).from(webhook)),
      ),
    );
  }
  is(log.referenceDocument, f.reference_document);
  is(log.user, f.user);
  is(log.event, f.event);
  where.push(...dateRange(log.created, f));
  return where;
}

const LIST_COLUMNS = {
  name: log.name,
  webhook: log.webhook,
  referenceDoctype: log.referenceDoctype,
  referenceDocument: log.referenceDocument,
  docEvent: log.docEvent,
  status: log.status,
  httpStatus: log.httpStatus,
  attempts: log.attempts,
  url: log.url,
  user: log.user,
  event: log.event,
  durationMs: log.durationMs,
  isTest: log.isTest,
  created: log.created,
};

/**
 * One page, newest first by default. Keyset on (created, name): the next page starts
 * strictly after the last row seen, so page 5,000 costs what page 1 costs, and rows
 * arriving meanwhile never shift a page. `created <= cursor` keeps the range on an index.
 */
export async function listLogs(
  actor: Actor | null,
  filters: LogFiltersInput | Record<string, unknown> = {},
  options: string | null | { cursor?: string | null; limit?: number; order?: SortOrder } = {},
): Promise<LogPage> {
  requireManager(actor);
  const opts = typeof options === "string" || options === null ? { cursor: options } : options;
  const f = parseLogFilters(filters);
  const cursor = decodeCursor(opts.cursor);
  const limit = pageLimit(opts.limit);
  const s = seek(cursor, opts.order === "asc" ? "asc" : "desc", { time: log.created, key: log.name });
  const fetched = await getDb()
    .select(LIST_COLUMNS)
    .from(log)
    .where(and(...logFilterWhere(f), s.where))
    .orderBy(...s.orderBy)
    .limit(limit + 1);
  return finishPage(fetched, limit, cursor, (r) => ({ at: r.created, key: r.name }));
}

/** Rows matching the filters, counted up to COUNT_CAP + 1 (`capped` when there are more). */
export async function countLogs(
  actor: Actor | null,
  filters: LogFiltersInput | Record<string, unknown> = {},
): Promise<{ count: number; capped: boolean }> {
  requireManager(actor);
  return cappedCount(log, and(...logFilterWhere(parseLogFilters(filters))));
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
  /** Send in Order per Document: the earlier request of the same document it waits for. */
  waitingFor: string | null;
}

/** One log with its attempts (oldest first). Headers are the masked ones stored at send time. */
export async function getLog(actor: Actor | null, name: string): Promise<LogDetail> {
  requireManager(actor);
  const db = getDb();
  const [row] = await db
    .select({
      ...LIST_COLUMNS,
      headers: log.headers,
      data: log.data,
      response: log.response,
      error: log.error,
      requestMethod: log.requestMethod,
      nextRetry: log.nextRetry,
      held: log.held,
      modified: log.modified,
    })
    .from(log)
    .where(eq(log.name, name))
    .limit(1);
  if (!row) throw notFound(`Webhook Request Log ${name}`);
  const attemptList = await db
    .select({
      id: attempt.id,
      attempt: attempt.attempt,
      started: attempt.started,
      success: attempt.success,
      httpStatus: attempt.httpStatus,
      durationMs: attempt.durationMs,
      response: attempt.response,
      error: attempt.error,
      manual: attempt.manual,
    })
    .from(attempt)
    .where(eq(attempt.log, name))
    .orderBy(asc(attempt.attempt), asc(attempt.id));
  const due = await pendingDeliveryOf(db, name);
  const waitingFor = due ? await waitingBehind(db, due) : null;
  return {
    ...row,
    headers: parseHeaders(row.headers),
    headersText: row.headers,
    attemptList,
    pending: !!due,
    sendingSoon: !!due && !due.held && !waitingFor && due.dueAt - Date.now() < 60_000,
    waitingFor,
  };
}

/** Webhook names for the list's Webhook filter (a select while there are few). */
export async function webhookNames(actor: Actor | null, max = 200): Promise<string[]> {
  requireManager(actor);
  const rows = await getDb()
    .select({ name: webhook.name })
    .from(webhook)
    .orderBy(asc(webhook.name))
    .limit(max + 1);
  return rows.map((r) => r.name);
}
