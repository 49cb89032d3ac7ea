// The session cookie: a next-auth JWT (same name, format and secret as next-auth's own
// Credentials flow) that carries the user and the session id. Which sessions are alive is
// decided by the `session` table, not by the cookie. No database and no "server-only" here:
// the proxy re-issues the cookie to slide its expiry.
import { decode, encode } from "next-auth/jwt";

/** A session's idle lifetime (lib/auth/sessions.ts) and the cookie's Max-Age, in seconds. */
export const SESSION_MAX_AGE_S = 12 * 3600;
/** The cookie is re-issued (sliding its expiry) once it is this old. */
const REFRESH_AFTER_S = 10 * 60;

const secureCookies = () => (process.env.NEXTAUTH_URL ?? "").startsWith("https://");
const sessionCookieName = (secure = secureCookies()) => (secure ? "__Secure-next-auth.session-token" : "next-auth.session-token");
const SESSION_COOKIE_NAMES = ["next-auth.session-token", "__Secure-next-auth.session-token"] as const;

export interface SessionToken {
  user: string;
  sid: string;
  name?: string;
  iat?: number;
}

export async function encodeSessionToken(t: SessionToken, secret: string): Promise<string> {
  return encode({ token: { sub: t.user, user: t.user, sid: t.sid, name: t.name ?? t.user }, secret, maxAge: SESSION_MAX_AGE_S });
}

export async function decodeSessionToken(value: string | undefined, secret: string): Promise<SessionToken | null> {
  if (!value) return null;
  try {
    const t = await decode({ token: value, secret });
    if (!t || typeof t.user !== "string" || typeof t.sid !== "string") return null;
    return {
      user: t.user,
      sid: t.sid,
      name: typeof t.name === "string" ? t.name : undefined,
      iat: typeof t.iat === "number" ? t.iat : undefined,
    };
  } catch {
    return null;
  }
}

/** A Set-Cookie value for the session cookie (empty value + Max-Age=0 clears it). */
export function sessionSetCookie(value: string, maxAge = SESSION_MAX_AGE_S): string {
  const secure = secureCookies();
  return [
    `${sessionCookieName(secure)}=${value}`,
    "Path=/",
    `Max-Age=${maxAge}`,
    "HttpOnly",
    "SameSite=Lax",
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export const clearSessionCookies = (): string[] =>
  SESSION_COOKIE_NAMES.map((n) => `${n}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${n.startsWith("__Secure-") ? "; Secure" : ""}`);

/** Reads the session cookie from a Cookie header value or a cookie jar lookup. */
export function sessionCookieValue(get: (name: string) => string | undefined): string | undefined {
  return get(sessionCookieName()) ?? get(SESSION_COOKIE_NAMES[0]) ?? get(SESSION_COOKIE_NAMES[1]);
}

/**
 * A fresh Set-Cookie for a session cookie issued more than REFRESH_AFTER_S ago, so an active
 * session never hits the cookie's expiry; null when no refresh is due or the cookie is not ours.
 */
export async function refreshedSessionCookie(
  value: string | undefined,
  secret: string | undefined,
  now = Date.now(),
): Promise<string | null> {
  if (!value || !secret) return null;
  const t = await decodeSessionToken(value, secret);
  return t ? refreshedCookieFor(t, secret, now) : null;
}

/** The same, for a token already decoded. */
export async function refreshedCookieFor(t: SessionToken, secret: string, now = Date.now()): Promise<string | null> {
  if (!t.iat || now / 1000 - t.iat < REFRESH_AFTER_S) return null;
  return sessionSetCookie(await encodeSessionToken(t, secret));
}
