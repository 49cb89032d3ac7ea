import "server-only";
import { and, asc, eq, or, sql } from "drizzle-orm";
import { getDb, type DB } from "@/db";
import { apiKey, hasRole, role, user } from "@/db/schema";
import { apiSecretMatches, generateApiKey, parseTokenHeader } from "@/lib/auth/api-key";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { SYSTEM_MANAGER } from "@/lib/constants";
import { AppError, invalid, notFound, zodToAppError } from "@/lib/errors";
import { createUserSchema, updateUserSchema, type CreateUserInput } from "./user.schema";

export const ROLES = [SYSTEM_MANAGER, "Desk User"] as const;


export function rolesOf(db: DB, name: string): string[] {
  return db.select({ role: hasRole.role }).from(hasRole).where(eq(hasRole.user, name)).all().map((r) => r.role);
}

export function findUser(db: DB, nameOrEmail: string) {
  const id = nameOrEmail.trim();
  return db
    .select()
    .from(user)
    .where(or(eq(user.name, id), eq(sql`lower(${user.email})`, id.toLowerCase())))
    .get();
}

/** Loads the signed-in user afresh, so disabling a user or removing a role takes effect at once. */
export function actorFor(name: string, via: Actor["via"], db = getDb()): Actor | null {
  const u = db.select().from(user).where(eq(user.name, name)).get();
  if (!u || !u.enabled) return null;
  return { user: u.name, fullName: u.fullName, roles: rolesOf(db, u.name), via };
}

export type TokenCheck = { ok: true; actor: Actor } | { ok: false; code: "UNAUTHORIZED" | "FORBIDDEN"; message: string };

/** Verifies `Authorization: token <key>:<secret>`. */
export function actorForToken(header: string | null, db = getDb()): TokenCheck | null {
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
  return { ok: true, actor: { user: u.name, fullName: u.fullName, roles: rolesOf(db, u.name), via: "token" } };
}

export function checkPassword(db: DB, login: string, password: string): Actor | null {
  const u = findUser(db, login);
  if (!u || !u.enabled || !verifyPassword(password, u.passwordHash)) return null;
  return { user: u.name, fullName: u.fullName, roles: rolesOf(db, u.name), via: "session" };
}

function ensureRoles(db: DB, roles: string[]) {
  for (const r of roles) db.insert(role).values({ name: r }).onConflictDoNothing().run();
}

/** Creates a user without an actor check: for the CLI and first-start seeding. */
export function createUserUnchecked(db: DB, input: CreateUserInput & { name?: string }): string {
  const v = createUserSchema.parse(input);
  const name = input.name ?? v.email;
  if (findUser(db, name) || findUser(db, v.email)) throw invalid("email", `User ${v.email} already exists`);
  db.transaction((tx) => {
    tx.insert(user)
      .values({ name, email: v.email, fullName: v.fullName, passwordHash: hashPassword(v.password), enabled: v.enabled })
      .run();
    ensureRoles(tx as unknown as DB, v.roles);
    for (const r of v.roles) tx.insert(hasRole).values({ user: name, role: r }).run();
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

export function createUser(actor: Actor | null, input: unknown, db = getDb()) {
  requireManager(actor);
  const parsed = createUserSchema.safeParse(input);
  if (!parsed.success) throw zodToAppError(parsed.error);
  return createUserUnchecked(db, parsed.data);
}

export function updateUser(actor: Actor | null, name: string, input: unknown, db = getDb()) {
  requireManager(actor);
  const parsed = updateUserSchema.safeParse(input);
  if (!parsed.success) throw zodToAppError(parsed.error);
  const v = parsed.data;
  const u = db.select().from(user).where(eq(user.name, name)).get();
  if (!u) throw notFound(`User ${name}`);
  if (actor && name === actor.user && (v.enabled === false || (v.roles && !v.roles.includes(SYSTEM_MANAGER)))) {
    throw new AppError("VALIDATION_ERROR", "You cannot disable yourself or remove your own System Manager role");
  }
  db.transaction((tx) => {
    tx.update(user)
      .set({
        ...(v.fullName !== undefined ? { fullName: v.fullName } : {}),
        ...(v.enabled !== undefined ? { enabled: v.enabled } : {}),
        ...(v.password ? { passwordHash: hashPassword(v.password) } : {}),
        modified: Date.now(),
      })
      .where(eq(user.name, name))
      .run();
    if (v.roles) {
      ensureRoles(tx as unknown as DB, v.roles);
      tx.delete(hasRole).where(eq(hasRole.user, name)).run();
      for (const r of v.roles) tx.insert(hasRole).values({ user: name, role: r }).run();
    }
  });
}

/** Generates a new API key + secret; the secret is returned once and stored hashed. */
export function createApiKeyUnchecked(db: DB, userName: string): { key: string; secret: string } {
  const u = findUser(db, userName);
  if (!u) throw notFound(`User ${userName}`);
  const k = generateApiKey();
  db.insert(apiKey).values({ key: k.key, secretHash: k.secretHash, user: u.name, created: Date.now() }).run();
  return { key: k.key, secret: k.secret };
}

export function createApiKey(actor: Actor | null, userName: string, db = getDb()) {
  requireManager(actor);
  return createApiKeyUnchecked(db, userName);
}

export function revokeApiKey(actor: Actor | null, userName: string, key: string, db = getDb()) {
  requireManager(actor);
  db.delete(apiKey).where(and(eq(apiKey.key, key), eq(apiKey.user, userName))).run();
}
