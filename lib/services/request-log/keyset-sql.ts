import "server-only";
// The query half of keyset pagination for the big append-only lists (Webhook Request Log,
// Activity Log), as drizzle conditions so one query serves both dialects; cursors and pages
// are ../frappe-rest/keyset.ts's. Order is always (time, key) with the key as tie-breaker,
// and the seek compares the same pair, so both dialects page through the same rows.
import { and, asc, count, desc, gt, gte, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { getDb, type DB } from "@/db";
import { AppError } from "@/lib/errors";
import type { Cursor, SortOrder } from "../frappe-rest/keyset";
import type { DateBound } from "../frappe-rest/list-filter.schema";

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
