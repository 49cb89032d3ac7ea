import "server-only";
import { eq, lt, sql } from "drizzle-orm";
import type { DB } from "@/db";
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
export function reserveAttempt(db: DB, account: string, address: string, now = Date.now()): Reservation {
  const buckets = bucketsFor(account, address);
  return db.transaction(
    (tx) => {
      let refusedUntil = 0;
      const rows = buckets.map(([bucket, limit]) => {
        const row = tx.select().from(loginThrottle).where(eq(loginThrottle.bucket, bucket)).get();
        const live = row && now - row.windowStart < THROTTLE_WINDOW_MS ? row : null;
        if (live && live.failures >= limit) refusedUntil = Math.max(refusedUntil, live.windowStart + THROTTLE_WINDOW_MS);
        return { bucket, limit, live };
      });
      if (refusedUntil) return { ok: false as const, retryAfterMs: refusedUntil - now };
      let locks = false;
      for (const { bucket, limit, live } of rows) {
        const failures = (live?.failures ?? 0) + 1;
        if (failures === limit) locks = true;
        tx.insert(loginThrottle)
          .values({ bucket, failures, windowStart: live?.windowStart ?? now })
          .onConflictDoUpdate({ target: loginThrottle.bucket, set: { failures, windowStart: live?.windowStart ?? now } })
          .run();
      }
      return { ok: true as const, locks };
    },
    { behavior: "immediate" },
  );
}

/** A successful sign-in: forget this address's failures and release the attempt from the account's count. */
export function releaseAttempt(db: DB, account: string, address: string): void {
  const [perAddress, perAccount] = bucketsFor(account, address);
  db.transaction((tx) => {
    if (perAddress) tx.delete(loginThrottle).where(eq(loginThrottle.bucket, perAddress[0])).run();
    if (perAccount)
      tx.update(loginThrottle)
        .set({ failures: sql`max(${loginThrottle.failures} - 1, 0)` })
        .where(eq(loginThrottle.bucket, perAccount[0]))
        .run();
  });
}

/** Drops windows that have passed (called by retention). */
export function purgeThrottle(db: DB, now = Date.now()): number {
  return db
    .delete(loginThrottle)
    .where(lt(loginThrottle.windowStart, now - THROTTLE_WINDOW_MS))
    .run().changes;
}
