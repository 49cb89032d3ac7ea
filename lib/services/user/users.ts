import "server-only";
import { and, asc, eq } from "drizzle-orm";
import { changes, getDb, tx, type DB } from "@/db";
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

/** Inside the caller's transaction. */
async function setRoles(t: DB, name: string, roles: string[]): Promise<void> {
  for (const r of roles) await t.insert(role).values({ name: r }).onConflictDoNothing();
  await t.delete(hasRole).where(eq(hasRole.user, name));
  for (const r of roles) await t.insert(hasRole).values({ user: name, role: r });
}

const sessionsEnded = (ended: number, why: string) => `${ended} session${ended === 1 ? "" : "s"} ended: ${why}`;

/** Creates a user without an actor check: for the CLI and first-start seeding. */
export async function createUserUnchecked(db: DB, input: CreateUserInput & { name?: string }, actor?: Actor | null): Promise<string> {
  const v = createUserSchema.parse(input);
  const name = input.name ?? v.email;
  const taken = async (db: DB) => !!((await findUser(db, name)) || (await findUser(db, v.email)));
  // Fail fast before the ~50 ms hash, and look again inside the transaction (another request
  // may have created the user meanwhile) so the answer is a 422, not a constraint error.
  if (await taken(db)) throw invalid("email", `User ${v.email} already exists`);
  // Hash before the transaction: no CPU-heavy work while it holds the write lock.
  const passwordHash = await hashPassword(v.password);
  await tx(
    async (t) => {
      if (await taken(t)) throw invalid("email", `User ${v.email} already exists`);
      await t.insert(user).values({ name, email: v.email, fullName: v.fullName, passwordHash, enabled: v.enabled });
      await setRoles(t, name, v.roles);
      await recordActivity(
        {
          operation: ACTIVITY.userCreated,
          ...by(actor),
          subject: `User/${name}`,
          detail: v.roles.length ? `Roles: ${v.roles.join(", ")}` : "No roles",
        },
        t,
      );
    },
    {},
    db,
  );
  return name;
}

export async function listUsers(actor: Actor | null, db = getDb()) {
  requireManager(actor);
  const rows = await db.select().from(user).orderBy(asc(user.name));
  const keys = await db
    .select({ key: apiKey.key, user: apiKey.user, created: apiKey.created, lastUsed: apiKey.lastUsed })
    .from(apiKey)
    .orderBy(asc(apiKey.created), asc(apiKey.key));
  const out = [];
  for (const u of rows)
    out.push({
      name: u.name,
      email: u.email,
      fullName: u.fullName,
      enabled: u.enabled,
      sendAlertEmails: u.sendAlertEmails,
      created: u.created,
      roles: await rolesOf(db, u.name),
      apiKeys: keys.filter((k) => k.user === u.name),
    });
  return out;
}

export async function getUser(actor: Actor | null, name: string, db = getDb()) {
  requireManager(actor);
  const found = (await listUsers(actor, db)).find((u) => u.name === name);
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
  const [u] = await db.select().from(user).where(eq(user.name, name)).limit(1);
  if (!u) throw notFound(`User ${name}`);
  if (name === actor.user && (v.enabled === false || (v.roles && !v.roles.includes(SYSTEM_MANAGER)))) {
    throw new AppError("VALIDATION_ERROR", "You cannot disable yourself or remove your own System Manager role");
  }
  const passwordHash = v.password ? await hashPassword(v.password) : undefined;
  const who = by(actor);
  const subject = `User/${name}`;
  return tx(
    async (t) => {
      // Read again inside the transaction: what was true before this change decides what it records.
      const [was] = await t.select({ enabled: user.enabled }).from(user).where(eq(user.name, name)).limit(1);
      const before = await rolesOf(t, name);
      await t
        .update(user)
        .set({
          ...(v.fullName !== undefined ? { fullName: v.fullName } : {}),
          ...(v.enabled !== undefined ? { enabled: v.enabled } : {}),
          ...(v.sendAlertEmails !== undefined ? { sendAlertEmails: v.sendAlertEmails } : {}),
          ...(passwordHash ? { passwordHash } : {}),
          modified: Date.now(),
        })
        .where(eq(user.name, name));
      let removed: string[] = [];
      if (v.roles) {
        await setRoles(t, name, v.roles);
        removed = before.filter((r) => !v.roles?.includes(r));
        const added = v.roles.filter((r) => !before.includes(r));
        if (removed.length || added.length) {
          const detail = [added.length ? `Added: ${added.join(", ")}` : "", removed.length ? `Removed: ${removed.join(", ")}` : ""]
            .filter(Boolean)
            .join("; ");
          await recordActivity({ operation: ACTIVITY.rolesChanged, ...who, subject, detail }, t);
        }
      }
      if (v.enabled === false && was?.enabled) await recordActivity({ operation: ACTIVITY.userDisabled, ...who, subject }, t);
      if (v.enabled === true && was && !was.enabled) await recordActivity({ operation: ACTIVITY.userEnabled, ...who, subject }, t);
      if (passwordHash) await recordActivity({ operation: ACTIVITY.passwordChanged, ...who, subject }, t);
      const reasons = [
        passwordHash ? "password changed" : "",
        v.enabled === false ? "user disabled" : "",
        removed.length ? "role removed" : "",
      ].filter(Boolean);
      if (!reasons.length) return { sessionsEnded: false };
      const ended = await endUserSessions(t, name);
      if (ended)
        await recordActivity({ operation: ACTIVITY.sessionsEnded, ...who, subject, detail: sessionsEnded(ended, reasons.join(", ")) }, t);
      return { sessionsEnded: true };
    },
    {},
    db,
  );
}

/** The user's signed-in sessions (when, from where, which browser); `current` marks the actor's own. */
export async function listUserSessions(actor: Actor | null, name: string, db = getDb()) {
  requireManager(actor);
  if (!(await findUser(db, name))) throw notFound(`User ${name}`);
  return (await liveSessions(db, name)).map(({ id, ...s }) => ({ ...s, current: id === actor.sid }));
}

/**
 * Frappe's "Logout From All Devices": ends every session of the user. For your own account
 * the session you are using stays, so you are not signed out of the page you clicked in.
 */
export async function endAllUserSessions(actor: Actor | null, name: string, db = getDb()): Promise<number> {
  requireManager(actor);
  if (!(await findUser(db, name))) throw notFound(`User ${name}`);
  return tx(
    async (t) => {
      const ended = await endUserSessions(t, name, name === actor.user ? actor.sid : undefined);
      if (ended)
        await recordActivity(
          {
            operation: ACTIVITY.sessionsEnded,
            ...by(actor),
            subject: `User/${name}`,
            detail: sessionsEnded(ended, "logged out from all devices"),
          },
          t,
        );
      return ended;
    },
    {},
    db,
  );
}

/** Generates a new API key + secret; the secret is returned once and stored hashed. */
export async function createApiKeyUnchecked(db: DB, userName: string, actor?: Actor | null): Promise<{ key: string; secret: string }> {
  const u = await findUser(db, userName);
  if (!u) throw notFound(`User ${userName}`);
  const k = generateApiKey();
  await tx(
    async (t) => {
      await t.insert(apiKey).values({ key: k.key, secretHash: k.secretHash, user: u.name, created: Date.now() });
      await recordActivity({ operation: ACTIVITY.apiKeyCreated, ...by(actor), subject: `User/${u.name}`, detail: `API key ${k.key}` }, t);
    },
    {},
    db,
  );
  return { key: k.key, secret: k.secret };
}

export async function createApiKey(actor: Actor | null, userName: string, db = getDb()) {
  requireManager(actor);
  return createApiKeyUnchecked(db, userName, actor);
}

export async function revokeApiKey(actor: Actor | null, userName: string, key: string, db = getDb()): Promise<void> {
  requireManager(actor);
  await tx(
    async (t) => {
      const removed = changes(await t.delete(apiKey).where(and(eq(apiKey.key, key), eq(apiKey.user, userName))));
      if (removed)
        await recordActivity({ operation: ACTIVITY.apiKeyRevoked, ...by(actor), subject: `User/${userName}`, detail: `API key ${key}` }, t);
    },
    {},
    db,
  );
}
