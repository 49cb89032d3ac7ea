import "server-only";
import { eq, lt, sql } from "drizzle-orm";
import { changes, getDb, tx, type DB } from "@/db";
import { loginThrottle } from "@/db/schema";

// Sign-in throttle, in the database so every web process shares it.
// Two buckets per attempt, both keyed by the canonical account (a real user's name whatever
// spelling was typed, else the typed name lower-cased — so guesses at made-up names never
// touch a real account):
//   acct:<account>|<address>  10 attempts per 15 minutes from one client address;
//   acct:<account>            100 per 15 minutes from all addresses together, which bounds a
//                             guesser spread over many addresses.
// An attempt is counted *before* its password is hashed and released again if it succeeds,
// so guesses sent in parallel past the limit are refused without being checked.

const THROTTLE_WINDOW_MS = 15 * 60 * 1000;
export const PER_ADDRESS_LIMIT = 10;
const PER_ACCOUNT_LIMIT = 100;

/** `locks`: this attempt filled a bucket, so if it fails the account is locked for the window. */
export type Reservation = { ok: true; locks: boolean } | { ok: false; retryAfterMs: number };

function bucketsFor(account: string, address: string): Array<[string, number]> {
  return [
    [`acct:${account}|${address}`, PER_ADDRESS_LIMIT],
    [`acct:${account}`, PER_ACCOUNT_LIMIT],
  ];
}

/** Counts one attempt for the account from this address, or refuses it when a bucket is full. */
export async function reserveAttempt(db: DB, account: string, address: string, now = Date.now()): Promise<Reservation> {
  const buckets = bucketsFor(account, address);
  return tx(
    async (t) => {
      // Each bucket's row is created or locked first (in one order), so attempts in parallel
      // — other connections, other processes — count one after another, never lost.
      for (const [bucket] of buckets) {
        await t
          .insert(loginThrottle)
          .values({ bucket, failures: 0, windowStart: now })
          .onConflictDoUpdate({ target: loginThrottle.bucket, set: { failures: sql`${loginThrottle.failures}` } });
      }
      let refusedUntil = 0;
      const rows = [];
      for (const [bucket, limit] of buckets) {
        const [row] = await t.select().from(loginThrottle).where(eq(loginThrottle.bucket, bucket)).limit(1);
        const live = row && now - row.windowStart < THROTTLE_WINDOW_MS ? row : null;
        if (live && live.failures >= limit) refusedUntil = Math.max(refusedUntil, live.windowStart + THROTTLE_WINDOW_MS);
        rows.push({ bucket, limit, live });
      }
      if (refusedUntil) return { ok: false as const, retryAfterMs: refusedUntil - now };
      let locks = false;
      for (const { bucket, limit, live } of rows) {
        const failures = (live?.failures ?? 0) + 1;
        if (failures === limit) locks = true;
        await t
          .update(loginThrottle)
          .set({ failures, windowStart: live?.windowStart ?? now })
          .where(eq(loginThrottle.bucket, bucket));
      }
      return { ok: true as const, locks };
    },
    {},
    db,
  );
}

/** A successful sign-in: forget this address's failures and release the attempt from the account's count. */
export async function releaseAttempt(db: DB, account: string, address: string): Promise<void> {
  const [perAddress, perAccount] = bucketsFor(account, address);
  await tx(
    async (t) => {
      if (perAddress) await t.delete(loginThrottle).where(eq(loginThrottle.bucket, perAddress[0]));
      if (perAccount)
        await t
          .update(loginThrottle)
          .set({ failures: sql`CASE WHEN ${loginThrottle.failures} > 0 THEN ${loginThrottle.failures} - 1 ELSE 0 END` })
          .where(eq(loginThrottle.bucket, perAccount[0]));
    },
    {},
    db,
  );
}

/** Drops windows that have passed (called by retention). */
export async function purgeThrottle(db: DB = getDb(), now = Date.now()): Promise<number> {
  return changes(await tx((t) => t.delete(loginThrottle).where(lt(loginThrottle.windowStart, now - THROTTLE_WINDOW_MS)), {}, db));
}
