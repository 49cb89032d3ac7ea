import "server-only";
import { and, asc, eq } from "drizzle-orm";
import { getDb, type DB } from "@/db";
import { apiKey, hasRole, role, user } from "@/db/schema";
import { ACTIVITY, recordActivity } from "@/lib/auth/activity";
import { generateApiKey } from "@/lib/auth/api-key";
import { findUser, rolesOf } from "@/lib/auth/identity";
import { hashPassword } from "@/lib/auth/password";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { endUserSessions, liveSessions } from "@/lib/auth/sessions";
import { ROLES, SYSTEM_MANAGER } from "@/lib/constants";
import { AppError, invalid, notFound, zodToAppError } from "@/lib/errors";
import { createUserSchema, updateUserSchema, type CreateUserInput } from "./user.schema";

export { ROLES };
export { actorFor, actorForToken } from "@/lib/auth/identity";

/** Who did it, for the Activity Log: the actor, or the command line. */
const by = (actor: Actor | null | undefined) => ({ actor: actor?.user ?? "cli", ip: actor?.ip ?? "" });

function ensureRoles(db: DB, roles: string[]) {
  for (const r of roles) db.insert(role).values({ name: r }).onConflictDoNothing().run();
}

/** Creates a user without an actor check: for the CLI and first-start seeding. */
export async function createUserUnchecked(db: DB, input: CreateUserInput & { name?: string }, actor?: Actor | null): Promise<string> {
  const v = createUserSchema.parse(input);
  const name = input.name ?? v.email;
  const taken = () => !!(findUser(db, name) || findUser(db, v.email));
  // Fail fast before the ~50 ms hash, and look again inside the transaction (another request
  // may have created the user meanwhile) so the answer is a 422, not a constraint error.
  if (taken()) throw invalid("email", `User ${v.email} already exists`);
  // Hash before the transaction: better-sqlite3 transactions are synchronous.
  const passwordHash = await hashPassword(v.password);
  db.transaction((tx) => {
    if (taken()) throw invalid("email", `User ${v.email} already exists`);
    tx.insert(user).values({ name, email: v.email, fullName: v.fullName, passwordHash, enabled: v.enabled }).run();
    ensureRoles(tx as unknown as DB, v.roles);
    for (const r of v.roles) tx.insert(hasRole).values({ user: name, role: r }).run();
    recordActivity(
      {
        operation: ACTIVITY.userCreated,
        ...by(actor),
        subject: `User/${name}`,
        detail: v.roles.length ? `Roles: ${v.roles.join(", ")}` : "No roles",
      },
      tx,
    );
  });
  return name;
}

export function listUsers(actor: Actor | null, db = getDb()) {
  requireManager(actor);
  const rows = db.select().from(user).orderBy(asc(user.name)).all();
  const keys = db.select({ key: apiKey.key, user: apiKey.user, created: apiKey.created, lastUsed: apiKey.lastUsed }).from(apiKey).all();
  return rows.map((u) => ({
    name: u.name,
    email: u.email,
    fullName: u.fullName,
    enabled: u.enabled,
    created: u.created,
    roles: rolesOf(db, u.name),
    apiKeys: keys.filter((k) => k.user === u.name),
  }));
}

export function getUser(actor: Actor | null, name: string, db = getDb()) {
  requireManager(actor);
  const found = listUsers(actor, db).find((u) => u.name === name);
  if (!found) throw notFound(`User ${name}`);
  return found;
}

export async function createUser(actor: Actor | null, input: unknown, db = getDb()): Promise<string> {
  requireManager(actor);
  const parsed = createUserSchema.safeParse(input);
  if (!parsed.success) throw zodToAppError(parsed.error);
  return createUserUnchecked(db, parsed.data, actor);
}

/**
 * Updates a user. A new password, disabling the user or taking a role away ends every
 * session the user has (their other devices included) at once.
 */
export async function updateUser(actor: Actor | null, name: string, input: unknown, db = getDb()): Promise<{ sessionsEnded: boolean }> {
  requireManager(actor);
  const parsed = updateUserSchema.safeParse(input);
  if (!parsed.success) throw zodToAppError(parsed.error);
  const v = parsed.data;
  const u = db.select().from(user).where(eq(user.name, name)).get();
  if (!u) throw notFound(`User ${name}`);
  if (name === actor.user && (v.enabled === false || (v.roles && !v.roles.includes(SYSTEM_MANAGER)))) {
    throw new AppError("VALIDATION_ERROR", "You cannot disable yourself or remove your own System Manager role");
  }
  const passwordHash = v.password ? await hashPassword(v.password) : undefined;
  const who = by(actor);
  return db.transaction((tx) => {
    // Read again inside the transaction: what was true before this change decides what it records.
    const was = tx.select({ enabled: user.enabled }).from(user).where(eq(user.name, name)).get();
    const before = rolesOf(tx as unknown as DB, name);
    tx.update(user)
      .set({
        ...(v.fullName !== undefined ? { fullName: v.fullName } : {}),
        ...(v.enabled !== undefined ? { enabled: v.enabled } : {}),
        ...(passwordHash ? { passwordHash } : {}),
        modified: Date.now(),
      })
      .where(eq(user.name, name))
      .run();
    let removed: string[] = [];
    if (v.roles) {
      ensureRoles(tx as unknown as DB, v.roles);
      tx.delete(hasRole).where(eq(hasRole.user, name)).run();
      for (const r of v.roles) tx.insert(hasRole).values({ user: name, role: r }).run();
      removed = before.filter((r) => !v.roles?.includes(r));
      const added = v.roles.filter((r) => !before.includes(r));
      if (removed.length || added.length) {
        const detail = [added.length ? `Added: ${added.join(", ")}` : "", removed.length ? `Removed: ${removed.join(", ")}` : ""]
          .filter(Boolean)
          .join("; ");
        recordActivity({ operation: ACTIVITY.rolesChanged, ...who, subject: `User/${name}`, detail }, tx);
      }
    }
    const subject = `User/${name}`;
    if (v.enabled === false && was?.enabled) recordActivity({ operation: ACTIVITY.userDisabled, ...who, subject }, tx);
    if (v.enabled === true && was && !was.enabled) recordActivity({ operation: ACTIVITY.userEnabled, ...who, subject }, tx);
    if (passwordHash) recordActivity({ operation: ACTIVITY.passwordChanged, ...who, subject }, tx);
    const reasons = [
      passwordHash ? "password changed" : "",
      v.enabled === false ? "user disabled" : "",
      removed.length ? "role removed" : "",
    ].filter(Boolean);
    if (reasons.length) {
      const ended = endUserSessions(tx, name);
      if (ended)
        recordActivity(
          {
            operation: ACTIVITY.sessionsEnded,
            ...who,
            subject,
            detail: `${ended} session${ended === 1 ? "" : "s"} ended: ${reasons.join(", ")}`,
          },
          tx,
        );
      return { sessionsEnded: true };
    }
    return { sessionsEnded: false };
  });
}

/** The user's signed-in sessions (when, from where, which browser); `current` marks the actor's own. */
export function listUserSessions(actor: Actor | null, name: string, db = getDb()) {
  requireManager(actor);
  if (!findUser(db, name)) throw notFound(`User ${name}`);
  return liveSessions(db, name).map(({ id, ...s }) => ({ ...s, current: id === actor.sid }));
}

/**
 * Frappe's "Logout From All Devices": ends every session of the user. For your own account
 * the session you are using stays, so you are not signed out of the page you clicked in.
 */
export function endAllUserSessions(actor: Actor | null, name: string, db = getDb()): number {
  requireManager(actor);
  if (!findUser(db, name)) throw notFound(`User ${name}`);
  return db.transaction((tx) => {
    const ended = endUserSessions(tx, name, name === actor.user ? actor.sid : undefined);
    if (ended)
      recordActivity(
        {
          operation: ACTIVITY.sessionsEnded,
          ...by(actor),
          subject: `User/${name}`,
          detail: `${ended} session${ended === 1 ? "" : "s"} ended: logged out from all devices`,
        },
        tx,
      );
    return ended;
  });
}

/** Generates a new API key + secret; the secret is returned once and stored hashed. */
export function createApiKeyUnchecked(db: DB, userName: string, actor?: Actor | null): { key: string; secret: string } {
  const u = findUser(db, userName);
  if (!u) throw notFound(`User ${userName}`);
  const k = generateApiKey();
  db.transaction((tx) => {
    tx.insert(apiKey).values({ key: k.key, secretHash: k.secretHash, user: u.name, created: Date.now() }).run();
    recordActivity({ operation: ACTIVITY.apiKeyCreated, ...by(actor), subject: `User/${u.name}`, detail: `API key ${k.key}` }, tx);
  });
  return { key: k.key, secret: k.secret };
}

export function createApiKey(actor: Actor | null, userName: string, db = getDb()) {
  requireManager(actor);
  return createApiKeyUnchecked(db, userName, actor);
}

export function revokeApiKey(actor: Actor | null, userName: string, key: string, db = getDb()) {
  requireManager(actor);
  db.transaction((tx) => {
    const removed = tx
      .delete(apiKey)
      .where(and(eq(apiKey.key, key), eq(apiKey.user, userName)))
      .run().changes;
    if (removed)
      recordActivity({ operation: ACTIVITY.apiKeyRevoked, ...by(actor), subject: `User/${userName}`, detail: `API key ${key}` }, tx);
  });
}
