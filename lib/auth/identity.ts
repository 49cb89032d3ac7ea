import "server-only";
import { asc, eq, or, sql } from "drizzle-orm";
import { getDb, type DB } from "@/db";
import { apiKey, hasRole, user } from "@/db/schema";
import { apiSecretMatches, parseTokenHeader } from "./api-key";
import type { Actor } from "./roles";
import { bestEffort } from "./sessions";

// Who a request is: a user loaded afresh on every request, so disabling a user or removing
// a role takes effect at once.

// Every authenticated request runs these: prepared once per handle (on SQLite, one
// better-sqlite3 statement per connection), not built per call. Both dialects, one query each.
function statements(db: DB) {
  const p = sql.placeholder;
  return {
    roles: db
      .select({ role: hasRole.role })
      .from(hasRole)
      .where(eq(hasRole.user, p("user")))
      .orderBy(asc(hasRole.role))
      .prepare(),
    // The user and their roles with it: a row per role (none: one row with a null role).
    userWithRoles: db
      .select({ name: user.name, fullName: user.fullName, enabled: user.enabled, role: hasRole.role })
      .from(user)
      .leftJoin(hasRole, eq(hasRole.user, user.name))
      .where(eq(user.name, p("name")))
      .orderBy(asc(hasRole.role))
      .prepare(),
    // The key, its user and the user's roles in one round trip (every API call runs it).
    keyWithUser: db
      .select({
        key: apiKey.key,
        user: apiKey.user,
        secretHash: apiKey.secretHash,
        lastUsed: apiKey.lastUsed,
        fullName: user.fullName,
        enabled: user.enabled,
        role: hasRole.role,
      })
      .from(apiKey)
      .leftJoin(user, eq(user.name, apiKey.user))
      .leftJoin(hasRole, eq(hasRole.user, user.name))
      .where(eq(apiKey.key, p("key")))
      .orderBy(asc(hasRole.role))
      .prepare(),
  };
}
const cache = new WeakMap<DB, ReturnType<typeof statements>>();
function stmts(db: DB): ReturnType<typeof statements> {
  let s = cache.get(db);
  if (!s) cache.set(db, (s = statements(db)));
  return s;
}

const rolesIn = (rows: { role: string | null }[]): string[] => rows.flatMap((r) => (r.role === null ? [] : [r.role]));

export async function rolesOf(db: DB, name: string): Promise<string[]> {
  return (await stmts(db).roles.execute({ user: name })).map((r) => r.role);
}

/** A user by name ("Administrator") or email, the email case-insensitively; the name wins a tie. */
export async function findUser(db: DB, nameOrEmail: string) {
  const id = nameOrEmail.trim();
  const [found] = await db
    .select()
    .from(user)
    .where(or(eq(user.name, id), eq(sql`lower(${user.email})`, id.toLowerCase())))
    .orderBy(sql`CASE WHEN ${user.name} = ${id} THEN 0 ELSE 1 END`, asc(user.name))
    .limit(1);
  return found;
}

export async function actorFor(
  name: string,
  via: Actor["via"],
  db = getDb(),
  extra: Pick<Actor, "ip" | "sid"> = {},
): Promise<Actor | null> {
  const rows = await stmts(db).userWithRoles.execute({ name });
  const u = rows[0];
  if (!u?.enabled) return null;
  return { user: u.name, fullName: u.fullName, roles: rolesIn(rows), via, ...extra };
}

export type TokenCheck = { ok: true; actor: Actor } | { ok: false; code: "UNAUTHORIZED" | "FORBIDDEN"; message: string };

/** Verifies `Authorization: token <key>:<secret>`; null when the header is not that scheme. */
export async function actorForToken(header: string | null, db = getDb(), ip?: string): Promise<TokenCheck | null> {
  const parsed = parseTokenHeader(header);
  if (!parsed) return null;
  const rows = await stmts(db).keyWithUser.execute({ key: parsed.key });
  const row = rows[0];
  if (!row || !apiSecretMatches(parsed.secret, row.secretHash)) {
    return { ok: false, code: "UNAUTHORIZED", message: "Invalid API key or secret" };
  }
  if (!row.enabled) return { ok: false, code: "FORBIDDEN", message: "User is disabled" };
  const now = Date.now();
  // last_used is informative; writing it at most once a minute keeps hot paths read-only,
  // and it is skipped while another connection holds the write lock.
  if (!row.lastUsed || now - row.lastUsed > 60_000) {
    await bestEffort(db, (t) => t.update(apiKey).set({ lastUsed: now }).where(eq(apiKey.key, row.key)));
  }
  return {
    ok: true,
    actor: {
      user: row.user,
      fullName: row.fullName ?? row.user,
      roles: rolesIn(rows),
      via: "token",
      apiKey: row.key,
      ...(ip ? { ip } : {}),
    },
  };
}
