import "server-only";
import { tx, type DB } from "@/db";
import { ACTIVITY, recordActivity } from "./activity";
import { findUser, rolesOf } from "./identity";
import { dummyHash, verifyPassword } from "./password";
import type { Actor } from "./roles";
import { createSession } from "./sessions";
import { releaseAttempt, reserveAttempt } from "./throttle";

export const INVALID_LOGIN = "Invalid login credentials";

export type SignInResult =
  | { ok: true; actor: Actor; sid: string }
  | { ok: false; code: "BAD_REQUEST" | "UNAUTHORIZED" | "TOO_MANY_REQUESTS"; message: string; retryAfterS?: number };

/**
 * One password sign-in, for the login form and next-auth's Credentials provider alike.
 * Unknown names, disabled users and wrong passwords answer the same message after the same
 * work (one scrypt check, against a dummy hash when there is no user), so neither the answer
 * nor its timing tells whether an account exists.
 */
export async function signInWithPassword(
  db: DB,
  input: { login: string; password: string; ip: string; userAgent?: string },
): Promise<SignInResult> {
  const login = input.login.trim();
  if (!login || !input.password) return { ok: false, code: "BAD_REQUEST", message: "Enter your email or username and password" };
  const u = await findUser(db, login);
  // Administrator and admin@example.com are one account; a made-up name is its own bucket.
  const account = u ? `user:${u.name}` : `name:${login.toLowerCase().slice(0, 200)}`;
  const reservation = await reserveAttempt(db, account, input.ip);
  if (!reservation.ok) {
    const minutes = Math.max(1, Math.ceil(reservation.retryAfterMs / 60_000));
    return {
      ok: false,
      code: "TOO_MANY_REQUESTS",
      message: `Too many failed login attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
      retryAfterS: Math.ceil(reservation.retryAfterMs / 1000),
    };
  }
  const matches = await verifyPassword(input.password, u?.passwordHash ?? (await dummyHash()));
  if (u && u.enabled && matches) {
    const sid = await tx(
      async (t) => {
        await releaseAttempt(t, account, input.ip);
        const id = await createSession(t, u.name, { ip: input.ip, userAgent: input.userAgent });
        await recordActivity({ operation: ACTIVITY.login, actor: u.name, subject: `User/${u.name}`, ip: input.ip }, t);
        return id;
      },
      {},
      db,
    );
    const roles = await rolesOf(db, u.name);
    return { ok: true, sid, actor: { user: u.name, fullName: u.fullName, roles, via: "session", sid, ip: input.ip } };
  }
  // A typed name that matches no user is not written down: it may be a password typed in
  // the wrong box.
  const subject = u ? `User/${u.name}` : "";
  await tx(
    async (t) => {
      await recordActivity(
        { operation: ACTIVITY.loginFailed, actor: "Guest", subject, detail: u ? "" : "Unknown user name", ip: input.ip },
        t,
      );
      if (reservation.locks) {
        await recordActivity(
          {
            operation: ACTIVITY.loginLocked,
            actor: "Guest",
            subject,
            detail: u ? "Sign-in locked for 15 minutes" : "Unknown user name locked for 15 minutes",
            ip: input.ip,
          },
          t,
        );
      }
    },
    {},
    db,
  );
  return { ok: false, code: "UNAUTHORIZED", message: INVALID_LOGIN };
}
