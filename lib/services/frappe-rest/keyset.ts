import "server-only";
// Keyset ("seek") pagination for the big append-only lists (Webhook Request Log, Activity
// Log): the next page starts strictly after the last row seen, so page 5,000 costs what
// page 1 costs and rows arriving meanwhile never shift a page. One implementation, so the
// two lists cannot drift in how cursors, ties and "previous" work.
import type Database from "better-sqlite3";
import { AppError } from "@/lib/errors";
import type { DateBound } from "./list-filter.schema";

export type SortOrder = "asc" | "desc";

/** A position in a list ordered by (time, key); `key` breaks ties between equal times. */
export interface Cursor {
  dir: "after" | "before";
  at: number;
  key: string;
}

/** The row values a cursor is made from. */
export interface RowKey {
  at: number;
  key: string | number;
}

export interface KeysetPage<R> {
  rows: R[];
  /** Cursor of the next (older, for newest-first) page, when there is one. */
  next?: string;
  prev?: string;
}

/** Counting stops here, so the count stays cheap with a million rows ("10,000+"). */
const COUNT_CAP = 10_000;
const DAY_MS = 86_400_000;

function encodeCursor(c: Cursor): string {
  return `${c.dir === "after" ? "a" : "b"}.${c.at}.${Buffer.from(c.key).toString("base64url")}`;
}

export function decodeCursor(s: string | undefined | null): Cursor | undefined {
  if (!s) return undefined;
  const m = /^([ab])\.(\d{1,16})\.([A-Za-z0-9_-]{1,400})$/.exec(s);
  if (!m || !m[1] || !m[2] || !m[3]) throw new AppError("BAD_REQUEST", "Invalid cursor");
  return { dir: m[1] === "a" ? "after" : "before", at: Number(m[2]), key: Buffer.from(m[3], "base64url").toString() };
}

export const pageLimit = (limit: number | undefined, max = 500) => Math.min(Math.max(1, Math.trunc(limit ?? 20)), max);

// Prepared statements keyed by SQL text: each list builds a handful of shapes only.
const stmtCache = new WeakMap<Database.Database, Map<string, Database.Statement>>();
export function prepareCached(db: Database.Database, sql: string): Database.Statement {
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

export const whereSql = (where: string[]) => (where.length ? `WHERE ${where.join(" AND ")}` : "");

/** Adds a From/To range on an epoch-ms column; a To date means the whole of that day. */
export function addDateRange(
  col: string,
  range: { from?: DateBound; to?: DateBound },
  where: string[],
  params: Record<string, string | number>,
): void {
  if (range.from) {
    where.push(`${col} >= @from`);
    params.from = range.from.ms;
  }
  if (range.to) {
    where.push(`${col} < @to`);
    params.to = range.to.dateOnly ? range.to.ms + DAY_MS : range.to.ms + 1;
  }
}

/**
 * The ORDER BY and the seek condition for one page. Walking "before" the cursor reads the
 * other way round (finishPage flips the rows back). `time <= @cTime` keeps the range on an
 * index. `numericKey` binds the tie-breaker as a number, for INTEGER keys.
 */
export function seek(cursor: Cursor | undefined, order: SortOrder, cols: { time: string; key: string }, numericKey = false) {
  const descending = (order === "desc") !== (cursor?.dir === "before");
  const dir = descending ? "DESC" : "ASC";
  const orderBy = `ORDER BY ${cols.time} ${dir}, ${cols.key} ${dir}`;
  if (!cursor) return { orderBy, where: [] as string[], params: {} as Record<string, string | number> };
  const key = numericKey ? Number(cursor.key) : cursor.key;
  if (typeof key === "number" && !Number.isSafeInteger(key)) throw new AppError("BAD_REQUEST", "Invalid cursor");
  const [lt, le] = descending ? ["<", "<="] : [">", ">="];
  return {
    orderBy,
    where: [`${cols.time} ${le} @cTime AND (${cols.time} ${lt} @cTime OR ${cols.key} ${lt} @cKey)`],
    params: { cTime: cursor.at, cKey: key } as Record<string, string | number>,
  };
}

/** Turns the `limit + 1` rows fetched in seek order into a page with its cursors. */
export function finishPage<R>(fetched: R[], limit: number, cursor: Cursor | undefined, keyOf: (row: R) => RowKey): KeysetPage<R> {
  const more = fetched.length > limit;
  const rows = more ? fetched.slice(0, limit) : fetched;
  if (cursor?.dir === "before") rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  const page: KeysetPage<R> = { rows };
  const hasNext = cursor?.dir === "before" ? true : more;
  const hasPrev = cursor?.dir === "before" ? more : !!cursor;
  const at = (dir: Cursor["dir"], row: R) => {
    const k = keyOf(row);
    return encodeCursor({ dir, at: k.at, key: String(k.key) });
  };
  if (hasNext && last) page.next = at("after", last);
  if (hasPrev && first) page.prev = at("before", first);
  return page;
}

/** Rows of `table` matching the conditions, counted up to COUNT_CAP + 1 (`capped` when there are more). */
export function cappedCount(
  db: Database.Database,
  table: string,
  where: string[],
  params: Record<string, string | number>,
): { count: number; capped: boolean } {
  const sql = `SELECT count(*) AS n FROM (SELECT 1 FROM ${table} ${whereSql(where)} LIMIT @cap)`;
  const row = prepareCached(db, sql).get({ ...params, cap: COUNT_CAP + 1 }) as { n: number } | undefined;
  const n = row?.n ?? 0;
  return { count: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP };
}

export const formatCount = (c: { count: number; capped: boolean }) => `${c.count.toLocaleString("en-US")}${c.capped ? "+" : ""}`;
