import "server-only";
// Keyset ("seek") pagination for the big append-only lists (Webhook Request Log, Activity
// Log): the next page starts strictly after the last row seen, so page 5,000 costs what
// page 1 costs and rows arriving meanwhile never shift a page. One implementation, so the
// two lists cannot drift in how cursors, ties and "previous" work. This is the cursor and
// page half, with no SQL; the query half (drizzle conditions, both dialects) is
// ../request-log/keyset-sql.ts.
import { AppError } from "@/lib/errors";

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
