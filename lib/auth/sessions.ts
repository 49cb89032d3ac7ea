import "server-only";
import { randomBytes } from "node:crypto";
import { and, desc, eq, gte, lt, ne } from "drizzle-orm";
import { changes, getDb, tx, type DB } from "@/db";
import { isBusyError } from "@/db/busy";
import { session } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { SESSION_MAX_AGE_S } from "./session-cookie";

/** Idle lifetime: a session not used for this long has ended. Each use extends it. */
export const SESSION_LIFETIME_MS = SESSION_MAX_AGE_S * 1000;
/** last_seen is written at most this often, so a page view is a read, not a write. */
const TOUCH_EVERY_MS = 60_000;

export async function createSession(db: DB, user: string, info: { ip?: string; userAgent?: string } = {}): Promise<string> {
  const id = randomBytes(24).toString("base64url");
  const now = Date.now();
  await tx(
    async (t) => {
      await t
        .insert(session)
        .values({ id, user, created: now, lastSeen: now, ip: info.ip ?? "", userAgent: (info.userAgent ?? "").slice(0, 300) });
      // Expired rows of this user go when they sign in again; the rest when retention runs.
      await t.delete(session).where(and(eq(session.user, user), lt(session.lastSeen, now - SESSION_LIFETIME_MS)));
    },
    {},
    db,
  );
  return id;
}

/** The user of a live session (and extends it), or null when it ended or never existed. */
export async function sessionUser(sid: string, db: DB = getDb(), now = Date.now()): Promise<string | null> {
  const [row] = await db.select().from(session).where(eq(session.id, sid)).limit(1);
  if (!row) return null;
  if (now - row.lastSeen > SESSION_LIFETIME_MS) {
    await bestEffort(db, (t) => t.delete(session).where(eq(session.id, sid)));
    return null;
  }
  if (now - row.lastSeen > TOUCH_EVERY_MS) await bestEffort(db, (t) => t.update(session).set({ lastSeen: now }).where(eq(session.id, sid)));
  return row.user;
}

/**
 * Bookkeeping writes on a read path: when another connection holds SQLite's write lock they
 * are skipped (the next request does them), so reading a page never waits for a writer.
 */
export async function bestEffort(db: DB, write: (t: DB) => PromiseLike<unknown>): Promise<void> {
  try {
    await tx(
      async (t) => {
        await write(t);
      },
      { budgetMs: 0 },
      db,
    );
  } catch (e) {
    if (!isBusyError(e) && !(e instanceof AppError && e.code === "BUSY")) throw e;
  }
}

export async function endSession(sid: string, db: DB = getDb()): Promise<string | null> {
  const [row] = await tx((t) => t.delete(session).where(eq(session.id, sid)).returning({ user: session.user }), {}, db);
  return row?.user ?? null;
}

/** Ends every session of a user (all devices), or every one but `keep`. Returns how many. */
export async function endUserSessions(db: DB, user: string, keep?: string): Promise<number> {
  const where = keep ? and(eq(session.user, user), ne(session.id, keep)) : eq(session.user, user);
  return changes(await tx((t) => t.delete(session).where(where), {}, db));
}

/** A user's live sessions, newest use first (the ids stay on the server). */
export async function liveSessions(db: DB, user: string, now = Date.now()) {
  return db
    .select({ id: session.id, created: session.created, lastSeen: session.lastSeen, ip: session.ip, userAgent: session.userAgent })
    .from(session)
    .where(and(eq(session.user, user), gte(session.lastSeen, now - SESSION_LIFETIME_MS)))
    .orderBy(desc(session.lastSeen), desc(session.created), desc(session.id));
}

export async function purgeExpiredSessions(db: DB = getDb(), now = Date.now()): Promise<number> {
  return changes(await tx((t) => t.delete(session).where(lt(session.lastSeen, now - SESSION_LIFETIME_MS)), {}, db));
}
