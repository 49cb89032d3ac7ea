// SQLite's write lock is held by one connection at a time (the web thread, the dispatcher
// thread, another process). The web thread's connection waits only a few milliseconds for
// it (openDatabase's busyTimeoutMs); after that the write fails with SQLITE_BUSY, and the
// request is retried asynchronously (withWriteRetry) or answered 503 with Retry-After.
import type Database from "better-sqlite3";
import { asAppError } from "@/lib/errors";

export const isBusyError = (e: unknown): boolean => asAppError(e) !== e;

/**
 * Runs a synchronous write (a transaction) on `db` without ever sleeping in SQLite's busy
 * handler: while the lock is held elsewhere the attempt fails at once and is tried again
 * after a timer, for up to `budgetMs`; then 503 BUSY. (Many requests each waiting a few ms
 * inside the busy handler would add up to seconds of a blocked event loop.)
 */
export async function withWriteRetry<T>(db: Database.Database, write: () => T, budgetMs = 3000): Promise<T> {
  const until = Date.now() + budgetMs;
  const previous = db.pragma("busy_timeout", { simple: true }) as number;
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    db.pragma("busy_timeout = 0");
    try {
      return write();
    } catch (e) {
      if (!isBusyError(e)) throw e;
      if (Date.now() + delay > until) throw asAppError(e);
    } finally {
      db.pragma(`busy_timeout = ${previous}`);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}
