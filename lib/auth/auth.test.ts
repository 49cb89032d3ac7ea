import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { freshDb, type FreshDb } from "@/test/db";
import { activityLog, session } from "@/db/schema";
import { EVENT_PUBLISHER, SYSTEM_MANAGER } from "@/lib/constants";
import { AppError } from "@/lib/errors";
import {
  actorFor,
  actorForToken,
  createApiKeyUnchecked,
  createUserUnchecked,
  endAllUserSessions,
  listUsers,
  listUserSessions,
  revokeApiKey,
  updateUser,
} from "@/lib/services/user/users";
import { apiSecretMatches, generateApiKey, parseTokenHeader } from "./api-key";
import { hashPassword, verifyPassword } from "./password";
import { hasRole } from "./roles";
import { createSession, endSession, SESSION_LIFETIME_MS, sessionUser } from "./sessions";
import { INVALID_LOGIN, signInWithPassword } from "./sign-in";
import { PER_ADDRESS_LIMIT, reserveAttempt } from "./throttle";

describe("password hashing", () => {
  it("verifies the right password and rejects others", async () => {
    const h = await hashPassword("correct horse");
    expect(h).toMatch(/^scrypt\$/);
    expect(h).not.toContain("correct horse");
    expect(await verifyPassword("correct horse", h)).toBe(true);
    expect(await verifyPassword("correct horsE", h)).toBe(false);
    expect(await verifyPassword("", h)).toBe(false);
    expect(await verifyPassword("x", null)).toBe(false);
    expect(await verifyPassword("x", "garbage")).toBe(false);
  });

  it("salts every hash", async () => {
    expect(await hashPassword("same")).not.toBe(await hashPassword("same"));
  });

  it("hashes off the event loop", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await Promise.all([hashPassword("a"), hashPassword("b")]);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });
});

describe("API keys", () => {
  it("parses Frappe's token header", () => {
    expect(parseTokenHeader("token abc:def")).toEqual({ key: "abc", secret: "def" });
    expect(parseTokenHeader("Token abc:d:e")).toEqual({ key: "abc", secret: "d:e" });
    expect(parseTokenHeader("Bearer abc")).toBeNull();
    expect(parseTokenHeader("token abc")).toBeNull();
    expect(parseTokenHeader(null)).toBeNull();
  });

  it("stores only a hash of the secret", () => {
    const k = generateApiKey();
    expect(k.secretHash).not.toContain(k.secret);
    expect(apiSecretMatches(k.secret, k.secretHash)).toBe(true);
    expect(apiSecretMatches(k.secret + "x", k.secretHash)).toBe(false);
  });
});

describe("users, roles, sessions and tokens against the database", () => {
  let t: FreshDb;
  beforeEach(async () => {
    t = await freshDb({ seed: false });
  });
  afterEach(() => t.close());

  const signIn = (login: string, password: string, ip = "10.0.0.1") => signInWithPassword(t.db, { login, password, ip });

  it("signs a user in by name or email, case-insensitively by email, and opens a session", async () => {
    await createUserUnchecked(t.db, { email: "Ann@Example.com", password: "password-1", roles: [SYSTEM_MANAGER] });
    const ok = await signIn("ann@example.com", "password-1");
    expect(ok.ok && ok.actor.roles).toEqual([SYSTEM_MANAGER]);
    expect(ok.ok && (await sessionUser(ok.sid, t.db))).toBe("ann@example.com");
    expect((await signIn("ANN@EXAMPLE.COM", "password-1")).ok).toBe(true);
    expect(await signIn("ann@example.com", "wrong")).toMatchObject({ ok: false, message: INVALID_LOGIN });
    expect(await signIn("nobody", "password-1")).toMatchObject({ ok: false, message: INVALID_LOGIN });
  });

  it("answers 401 for a wrong secret and 403 for a disabled user", async () => {
    const name = await createUserUnchecked(t.db, { email: "bot@example.com", password: "password-1", roles: [] });
    const k = await createApiKeyUnchecked(t.db, name);
    const ok = await actorForToken(`token ${k.key}:${k.secret}`, t.db);
    expect(ok?.ok && ok.actor.user).toBe(name);
    expect(ok?.ok && ok.actor.apiKey).toBe(k.key);
    expect(await actorForToken(`token ${k.key}:nope`, t.db)).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    expect(await actorForToken(`token unknown:${k.secret}`, t.db)).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    const admin = await createUserUnchecked(t.db, { email: "admin@example.com", password: "password-1", roles: [SYSTEM_MANAGER] });
    await updateUser(await actorFor(admin, "session", t.db), name, { enabled: false }, t.db);
    expect(await actorForToken(`token ${k.key}:${k.secret}`, t.db)).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await actorFor(name, "session", t.db)).toBeNull();
  });

  it("service verbs check the System Manager role first; Event Publisher is not enough", async () => {
    for (const role of ["Desk User", EVENT_PUBLISHER]) {
      const name = await createUserUnchecked(t.db, {
        email: `${role.replace(" ", "")}@example.com`,
        password: "password-1",
        roles: [role],
      });
      const actor = await actorFor(name, "session", t.db);
      expect(hasRole(actor)).toBe(false);
      await expect(async () => listUsers(actor, t.db)).rejects.toThrowError(AppError);
    }
    await expect(async () => listUsers(null, t.db)).rejects.toThrowError(/Login required/);
  });

  it("refuses duplicate users and short passwords", async () => {
    await createUserUnchecked(t.db, { email: "dup@example.com", password: "password-1" });
    await expect(createUserUnchecked(t.db, { email: "dup@example.com", password: "password-1" })).rejects.toThrowError(/already exists/);
    await expect(createUserUnchecked(t.db, { email: "short@example.com", password: "short" })).rejects.toThrow();
  });

  it("ends a user's sessions on a password change, disabling, or a removed role, and not otherwise", async () => {
    const admin = await actorFor(
      await createUserUnchecked(t.db, { email: "admin@example.com", password: "password-1", roles: [SYSTEM_MANAGER] }),
      "session",
      t.db,
    );
    const ann = await createUserUnchecked(t.db, {
      email: "ann@example.com",
      password: "password-1",
      roles: [SYSTEM_MANAGER, EVENT_PUBLISHER],
    });
    const live = async () => (await t.db.select().from(session).where(eq(session.user, ann))).length;
    const open = async () => createSession(t.db, ann);

    await open();
    await open();
    expect(await updateUser(admin, ann, { fullName: "Ann" }, t.db)).toEqual({ sessionsEnded: false });
    expect(await updateUser(admin, ann, { roles: [SYSTEM_MANAGER, EVENT_PUBLISHER, "Desk User"] }, t.db)).toEqual({ sessionsEnded: false });
    expect(await live()).toBe(2);
    expect(await updateUser(admin, ann, { password: "password-2" }, t.db)).toEqual({ sessionsEnded: true });
    expect(await live()).toBe(0);
    const sid = await open();
    await updateUser(admin, ann, { roles: [EVENT_PUBLISHER] }, t.db);
    expect(await sessionUser(sid, t.db)).toBeNull();
    await open();
    await updateUser(admin, ann, { enabled: false }, t.db);
    expect(await live()).toBe(0);
  });

  it("lists a user's sessions and logs them out from all devices, keeping your own current one", async () => {
    const adminName = await createUserUnchecked(t.db, { email: "admin@example.com", password: "password-1", roles: [SYSTEM_MANAGER] });
    const mine = await createSession(t.db, adminName, { ip: "10.0.0.1" });
    await createSession(t.db, adminName, { ip: "10.0.0.2" });
    const admin = await actorFor(adminName, "session", t.db, { sid: mine });
    const ann = await createUserUnchecked(t.db, { email: "ann@example.com", password: "password-1" });
    await createSession(t.db, ann, { ip: "10.0.0.3", userAgent: "Firefox" });
    await createSession(t.db, ann, { ip: "10.0.0.4" });

    const listed = await listUserSessions(admin, ann, t.db);
    expect(listed).toHaveLength(2);
    expect(listed[0]).not.toHaveProperty("id");
    expect((await listUserSessions(admin, adminName, t.db)).filter((s) => s.current)).toHaveLength(1);
    await expect(async () => listUserSessions(await actorFor(ann, "session", t.db), ann, t.db)).rejects.toThrowError(AppError);

    expect(await endAllUserSessions(admin, ann, t.db)).toBe(2);
    expect(await listUserSessions(admin, ann, t.db)).toEqual([]);
    expect(await endAllUserSessions(admin, adminName, t.db)).toBe(1);
    expect(await sessionUser(mine, t.db)).toBe(adminName);
    expect((await t.db.select().from(activityLog)).filter((r) => r.operation === "Sessions Ended")).toHaveLength(2);
  });

  it("a session slides for 12 hours of idleness and ends at sign-out", async () => {
    const ann = await createUserUnchecked(t.db, { email: "ann@example.com", password: "password-1" });
    const sid = await createSession(t.db, ann);
    const start = Date.now();
    expect(await sessionUser(sid, t.db, start + SESSION_LIFETIME_MS - 1000)).toBe(ann);
    // used just now, so it lives another 12 hours from here
    expect(await sessionUser(sid, t.db, start + 2 * SESSION_LIFETIME_MS - 2000)).toBe(ann);
    expect(await sessionUser(sid, t.db, start + 4 * SESSION_LIFETIME_MS)).toBeNull();
    const other = await createSession(t.db, ann);
    expect(await endSession(other, t.db)).toBe(ann);
    expect(await sessionUser(other, t.db)).toBeNull();
  });

  it("records keys, users, roles and sign-ins in the Activity Log, never a secret", async () => {
    const admin = await actorFor(
      await createUserUnchecked(t.db, { email: "admin@example.com", password: "password-1", roles: [SYSTEM_MANAGER] }),
      "session",
      t.db,
      { ip: "10.1.1.1" },
    );
    const ann = await createUserUnchecked(t.db, { email: "ann@example.com", password: "password-1" }, admin);
    const k = await createApiKeyUnchecked(t.db, ann, admin);
    await revokeApiKey(admin, ann, k.key, t.db);
    await updateUser(admin, ann, { roles: [EVENT_PUBLISHER], password: "password-2" }, t.db);
    await signIn("ann@example.com", "wrong");
    await signIn("ann@example.com", "password-2");
    const rows = await t.db.select().from(activityLog);
    expect(rows.map((r) => r.operation)).toEqual(
      expect.arrayContaining([
        "User Created",
        "API Key Created",
        "API Key Revoked",
        "Roles Changed",
        "Password Changed",
        "Login Failed",
        "Login",
      ]),
    );
    expect(rows.find((r) => r.operation === "API Key Created")).toMatchObject({
      actor: admin?.user,
      ip: "10.1.1.1",
      subject: `User/${ann}`,
    });
    const all = JSON.stringify(rows);
    for (const secret of [k.secret, "password-1", "password-2", "wrong"]) expect(all).not.toContain(secret);
  });
});

describe("sign-in throttle", () => {
  let t: FreshDb;
  beforeEach(async () => {
    t = await freshDb({ seed: false });
  });
  afterEach(() => t.close());

  it("locks one account from one address after the limit, and only that", async () => {
    await createUserUnchecked(t.db, { name: "Administrator", email: "admin@example.com", password: "password-1", roles: [SYSTEM_MANAGER] });
    await createUserUnchecked(t.db, { email: "ann@example.com", password: "password-1" });
    for (let i = 0; i < PER_ADDRESS_LIMIT; i++) {
      // both spellings of one account count together
      const r = await signInWithPassword(t.db, { login: i % 2 ? "Administrator" : "ADMIN@example.com", password: "bad", ip: "10.0.0.9" });
      expect(r).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    }
    const locked = await signInWithPassword(t.db, { login: "Administrator", password: "password-1", ip: "10.0.0.9" });
    expect(locked).toMatchObject({ ok: false, code: "TOO_MANY_REQUESTS" });
    // another account from the same address, and the same account from another address
    expect((await signInWithPassword(t.db, { login: "ann@example.com", password: "password-1", ip: "10.0.0.9" })).ok).toBe(true);
    expect((await signInWithPassword(t.db, { login: "admin@example.com", password: "password-1", ip: "10.0.0.10" })).ok).toBe(true);
  });

  it("guesses at made-up names never lock a real account", async () => {
    await createUserUnchecked(t.db, { name: "Administrator", email: "admin@example.com", password: "password-1", roles: [SYSTEM_MANAGER] });
    for (let i = 0; i < 30; i++) await signInWithPassword(t.db, { login: `nobody-${i % 3}`, password: "bad", ip: "10.0.0.9" });
    expect((await signInWithPassword(t.db, { login: "Administrator", password: "password-1", ip: "10.0.0.9" })).ok).toBe(true);
  });

  it("counts parallel attempts before hashing: at most the limit are checked", async () => {
    await createUserUnchecked(t.db, { email: "ann@example.com", password: "password-1" });
    const results = await Promise.all(
      Array.from({ length: 60 }, () => signInWithPassword(t.db, { login: "ann@example.com", password: "bad", ip: "10.0.0.9" })),
    );
    expect(results.filter((r) => !r.ok && r.code === "UNAUTHORIZED")).toHaveLength(PER_ADDRESS_LIMIT);
    expect(results.filter((r) => !r.ok && r.code === "TOO_MANY_REQUESTS")).toHaveLength(60 - PER_ADDRESS_LIMIT);
  });

  it("a window that has passed starts afresh", async () => {
    const now = Date.now();
    for (let i = 0; i < PER_ADDRESS_LIMIT; i++) expect((await reserveAttempt(t.db, "name:x", "a", now)).ok).toBe(true);
    expect((await reserveAttempt(t.db, "name:x", "a", now)).ok).toBe(false);
    expect((await reserveAttempt(t.db, "name:x", "a", now + 16 * 60_000)).ok).toBe(true);
  });
});
