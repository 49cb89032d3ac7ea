import "server-only";
// Keyset ("seek") pagination for the big append-only lists (Webhook Request Log, Activity
// Log, Event): the next page starts strictly after the last row seen, so page 5,000 costs
// what page 1 costs and rows arriving meanwhile never shift a page. One implementation, so
// the lists cannot drift in how cursors, ties and "previous" work: the cursors and pages,
// and the query half as drizzle conditions, so one query serves both dialects. Order is
// always (time, key) with the key as tie-breaker, and the seek compares the same pair, so
// both dialects page through the same rows. Also the lists' shared text filter, containsCi.
import { and, asc, count, desc, gt, gte, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { getDb, type DB } from "@/db";
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

export const formatCount = (c: { count: number; capped: boolean }) => `${c.count.toLocaleString("en-US")}${c.capped ? "+" : ""}`;

/** Counting stops here, so the count stays cheap with a million rows ("10,000+"). */
const COUNT_CAP = 10_000;
const DAY_MS = 86_400_000;

/** From/To on an epoch-ms column; a To date means the whole of that day. */
export function dateRange(col: SQLiteColumn, range: { from?: DateBound; to?: DateBound }): SQL[] {
  const out: SQL[] = [];
  if (range.from) out.push(gte(col, range.from.ms));
  if (range.to) out.push(lt(col, range.to.dateOnly ? range.to.ms + DAY_MS : range.to.ms + 1));
  return out;
}

/**
 * The ORDER BY and the seek condition for one page. Walking "before" the cursor reads the
 * other way round (finishPage flips the rows back). `time <= cursor` keeps the range on the
 * (time, key) index. `numericKey` compares the tie-breaker as a number, for integer keys.
 */
export function seek(
  cursor: Cursor | undefined,
  order: SortOrder,
  cols: { time: SQLiteColumn; key: SQLiteColumn },
  numericKey = false,
): { where: SQL | undefined; orderBy: SQL[] } {
  const descending = (order === "desc") !== (cursor?.dir === "before");
  const by = descending ? desc : asc;
  const orderBy = [by(cols.time), by(cols.key)];
  if (!cursor) return { where: undefined, orderBy };
  const key = numericKey ? Number(cursor.key) : cursor.key;
  if (typeof key === "number" && !Number.isSafeInteger(key)) throw new AppError("BAD_REQUEST", "Invalid cursor");
  const [before, atOrBefore] = descending ? [lt, lte] : [gt, gte];
  return { where: and(atOrBefore(cols.time, cursor.at), or(before(cols.time, cursor.at), before(cols.key, key))), orderBy };
}

/** Rows of `table` matching `where`, counted up to COUNT_CAP + 1 (`capped` when there are more). */
export async function cappedCount(
  table: SQLiteTable,
  where: SQL | undefined,
  db: DB = getDb(),
): Promise<{ count: number; capped: boolean }> {
  const matching = db
    .select({ one: sql<number>`1`.as("one") })
    .from(table)
    .where(where)
    .limit(COUNT_CAP + 1)
    .as("matching");
  const [row] = await db.select({ n: count() }).from(matching);
  const n = Number(row?.n ?? 0);
  return { count: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP };
}

/** `%`, `_` and `\` in the text match themselves. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * `col` contains `text`, ignoring case, the same on both dialects: lower() on both sides
 * (SQLite's LIKE ignores ASCII case, PostgreSQL's does not) and LIKE's wildcards in the text
 * taken literally.
 */
export const containsCi = (col: SQLiteColumn, text: string): SQL => sql`lower(${col}) like lower(${`%${escapeLike(text)}%`}) escape '\\'`;
