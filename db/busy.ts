// SQLite's write lock is held by one connection at a time (the web thread, the dispatcher
// thread, another process). The web thread's connection waits only a few milliseconds for
// it (openDatabase's busyTimeoutMs); after that the write fails with SQLITE_BUSY, and the
// request is retried asynchronously (withWriteRetry) or answered 503 with Retry-After.
import { asAppError } from "@/lib/errors";

export const isBusyError = (e: unknown): boolean => asAppError(e) !== e;

/**
 * Runs a synchronous write (a transaction) and, while the lock is held elsewhere, tries
 * again without blocking the thread, for up to `budgetMs`; then 503 BUSY.
 */
export async function withWriteRetry<T>(write: () => T, budgetMs = 3000): Promise<T> {
  const until = Date.now() + budgetMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 25)) {
    try {
      return write();
    } catch (e) {
      if (!isBusyError(e)) throw e;
      if (Date.now() + delay > until) throw asAppError(e);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}
