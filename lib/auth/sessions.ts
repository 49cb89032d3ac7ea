import "server-only";
import { randomBytes } from "node:crypto";
import { and, desc, eq, gte, lt, ne } from "drizzle-orm";
import { getDb, type DB } from "@/db";
import { isBusyError } from "@/db/busy";
import { session } from "@/db/schema";
import { SESSION_MAX_AGE_S } from "./session-cookie";

/** Idle lifetime: a session not used for this long has ended. Each use extends it. */
export const SESSION_LIFETIME_MS = SESSION_MAX_AGE_S * 1000;
/** last_seen is written at most this often, so a page view is a read, not a write. */
const TOUCH_EVERY_MS = 60_000;

export function createSession(db: DB, user: string, info: { ip?: string; userAgent?: string } = {}): string {
  const id = randomBytes(24).toString("base64url");
  const now = Date.now();
  db.insert(session)
    .values({ id, user, created: now, lastSeen: now, ip: info.ip ?? "", userAgent: (info.userAgent ?? "").slice(0, 300) })
    .run();
  // Expired rows of this user go when they sign in again; the rest when retention runs.
  db.delete(session)
    .where(and(eq(session.user, user), lt(session.lastSeen, now - SESSION_LIFETIME_MS)))
    .run();
  return id;
}

/** The user of a live session (and extends it), or null when it ended or never existed. */
export function sessionUser(sid: string, db: DB = getDb(), now = Date.now()): string | null {
  const row = db.select().from(session).where(eq(session.id, sid)).get();
  if (!row) return null;
  if (now - row.lastSeen > SESSION_LIFETIME_MS) {
    bestEffort(() => db.delete(session).where(eq(session.id, sid)).run());
    return null;
  }
  if (now - row.lastSeen > TOUCH_EVERY_MS) bestEffort(() => db.update(session).set({ lastSeen: now }).where(eq(session.id, sid)).run());
  return row.user;
}

/**
 * Bookkeeping writes on a read path: when another thread holds the write lock they are
 * skipped (the next request does them), so reading a page never waits for a writer.
 */
function bestEffort(write: () => unknown): void {
  try {
    write();
  } catch (e) {
    if (!isBusyError(e)) throw e;
  }
}

export function endSession(sid: string, db: DB = getDb()): string | null {
  const row = db.delete(session).where(eq(session.id, sid)).returning({ user: session.user }).get();
  return row?.user ?? null;
}

/** Ends every session of a user (all devices), or every one but `keep`. Returns how many. */
export function endUserSessions(db: Pick<DB, "delete">, user: string, keep?: string): number {
  const where = keep ? and(eq(session.user, user), ne(session.id, keep)) : eq(session.user, user);
  return db.delete(session).where(where).run().changes;
}

/** A user's live sessions, newest use first (the ids stay on the server). */
export function liveSessions(db: DB, user: string, now = Date.now()) {
  return db
    .select({ id: session.id, created: session.created, lastSeen: session.lastSeen, ip: session.ip, userAgent: session.userAgent })
    .from(session)
    .where(and(eq(session.user, user), gte(session.lastSeen, now - SESSION_LIFETIME_MS)))
    .orderBy(desc(session.lastSeen))
    .all();
}

export function purgeExpiredSessions(db: DB = getDb(), now = Date.now()): number {
  return db
    .delete(session)
    .where(lt(session.lastSeen, now - SESSION_LIFETIME_MS))
    .run().changes;
}
