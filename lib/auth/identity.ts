import "server-only";
import { eq, or, sql } from "drizzle-orm";
import { getDb, type DB } from "@/db";
import { apiKey, hasRole, user } from "@/db/schema";
import { apiSecretMatches, parseTokenHeader } from "./api-key";
import type { Actor } from "./roles";

// Who a request is: a user loaded afresh on every request, so disabling a user or removing
// a role takes effect at once.

export function rolesOf(db: DB, name: string): string[] {
  return db.select({ role: hasRole.role }).from(hasRole).where(eq(hasRole.user, name)).all().map((r) => r.role);
}

/** A user by name ("Administrator") or email, the email case-insensitively. */
export function findUser(db: DB, nameOrEmail: string) {
  const id = nameOrEmail.trim();
  return db
    .select()
    .from(user)
    .where(or(eq(user.name, id), eq(sql`lower(${user.email})`, id.toLowerCase())))
    .get();
}

export function actorFor(name: string, via: Actor["via"], db = getDb(), extra: Pick<Actor, "ip" | "sid"> = {}): Actor | null {
  const u = db.select().from(user).where(eq(user.name, name)).get();
  if (!u || !u.enabled) return null;
  return { user: u.name, fullName: u.fullName, roles: rolesOf(db, u.name), via, ...extra };
}

export type TokenCheck = { ok: true; actor: Actor } | { ok: false; code: "UNAUTHORIZED" | "FORBIDDEN"; message: string };

/** Verifies `Authorization: token <key>:<secret>`; null when the header is not that scheme. */
export function actorForToken(header: string | null, db = getDb(), ip?: string): TokenCheck | null {
  const parsed = parseTokenHeader(header);
  if (!parsed) return null;
  const row = db.select().from(apiKey).where(eq(apiKey.key, parsed.key)).get();
  if (!row || !apiSecretMatches(parsed.secret, row.secretHash)) {
    return { ok: false, code: "UNAUTHORIZED", message: "Invalid API key or secret" };
  }
  const u = db.select().from(user).where(eq(user.name, row.user)).get();
  if (!u?.enabled) return { ok: false, code: "FORBIDDEN", message: "User is disabled" };
  const now = Date.now();
  // last_used is informative; writing it at most once a minute keeps hot paths read-only.
  if (!row.lastUsed || now - row.lastUsed > 60_000) {
    db.update(apiKey).set({ lastUsed: now }).where(eq(apiKey.key, row.key)).run();
  }
  return { ok: true, actor: { user: u.name, fullName: u.fullName, roles: rolesOf(db, u.name), via: "token", apiKey: row.key, ...(ip ? { ip } : {}) } };
}
