import "server-only";
import { eq, or, sql } from "drizzle-orm";
import type Database from "better-sqlite3";
import { getDb, type DB } from "@/db";
import { isBusyError } from "@/db/busy";
import { user } from "@/db/schema";
import { apiSecretMatches, parseTokenHeader } from "./api-key";
import type { Actor } from "./roles";

// Who a request is: a user loaded afresh on every request, so disabling a user or removing
// a role takes effect at once.

// Every authenticated request runs these: prepared once per connection, not built per call.
function statements(c: Database.Database) {
  return {
    roles: c.prepare<[string], { role: string }>(`SELECT role FROM has_role WHERE user = ?`),
    user: c.prepare<[string], { name: string; fullName: string; enabled: number }>(
      `SELECT name, full_name AS fullName, enabled FROM user WHERE name = ?`,
    ),
    key: c.prepare<[string], { key: string; user: string; secretHash: string; lastUsed: number | null }>(
      `SELECT key, user, secret_hash AS secretHash, last_used AS lastUsed FROM api_key WHERE key = ?`,
    ),
    touchKey: c.prepare(`UPDATE api_key SET last_used = ? WHERE key = ?`),
  };
}
const cache = new WeakMap<Database.Database, ReturnType<typeof statements>>();
function stmts(db: DB): ReturnType<typeof statements> {
  // A Drizzle transaction has no $client; its session holds the same connection.
  const c = db.$client ?? (db as unknown as { session: { client: Database.Database } }).session.client;
  let s = cache.get(c);
  if (!s) cache.set(c, (s = statements(c)));
  return s;
}

export function rolesOf(db: DB, name: string): string[] {
  return stmts(db)
    .roles.all(name)
    .map((r) => r.role);
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
  const u = stmts(db).user.get(name);
  if (!u || !u.enabled) return null;
  return { user: u.name, fullName: u.fullName, roles: rolesOf(db, u.name), via, ...extra };
}

export type TokenCheck = { ok: true; actor: Actor } | { ok: false; code: "UNAUTHORIZED" | "FORBIDDEN"; message: string };

/** Verifies `Authorization: token <key>:<secret>`; null when the header is not that scheme. */
export function actorForToken(header: string | null, db = getDb(), ip?: string): TokenCheck | null {
  const parsed = parseTokenHeader(header);
  if (!parsed) return null;
  const s = stmts(db);
  const row = s.key.get(parsed.key);
  if (!row || !apiSecretMatches(parsed.secret, row.secretHash)) {
    return { ok: false, code: "UNAUTHORIZED", message: "Invalid API key or secret" };
  }
  const u = s.user.get(row.user);
  if (!u?.enabled) return { ok: false, code: "FORBIDDEN", message: "User is disabled" };
  const now = Date.now();
  // last_used is informative; writing it at most once a minute keeps hot paths read-only,
  // and it is skipped while another thread holds the write lock.
  if (!row.lastUsed || now - row.lastUsed > 60_000) {
    try {
      s.touchKey.run(now, row.key);
    } catch (e) {
      if (!isBusyError(e)) throw e;
    }
  }
  return {
    ok: true,
    actor: { user: u.name, fullName: u.fullName, roles: rolesOf(db, u.name), via: "token", apiKey: row.key, ...(ip ? { ip } : {}) },
  };
}
