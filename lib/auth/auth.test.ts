import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freshDb } from "@/test/db";
import { SYSTEM_MANAGER } from "@/lib/constants";
import { AppError } from "@/lib/errors";
import { actorFor, actorForToken, checkPassword, createApiKeyUnchecked, createUserUnchecked, listUsers, updateUser } from "@/lib/services/users";
import { apiSecretMatches, generateApiKey, parseTokenHeader } from "./api-key";
import { hashPassword, verifyPassword } from "./password";
import { hasRole } from "./roles";
import { attemptDelay, recordFailure, recordSuccess } from "./throttle";

describe("password hashing", () => {
  it("verifies the right password and rejects others", () => {
    const h = hashPassword("correct horse");
    expect(h).toMatch(/^scrypt\$/);
    expect(h).not.toContain("correct horse");
    expect(verifyPassword("correct horse", h)).toBe(true);
    expect(verifyPassword("correct horsE", h)).toBe(false);
    expect(verifyPassword("", h)).toBe(false);
    expect(verifyPassword("x", null)).toBe(false);
    expect(verifyPassword("x", "garbage")).toBe(false);
  });
  it("salts every hash", () => {
    expect(hashPassword("same")).not.toBe(hashPassword("same"));
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

describe("users, roles and tokens against the database", () => {
  let t: ReturnType<typeof freshDb>;
  beforeEach(() => {
    t = freshDb({ seed: false });
  });
  afterEach(() => t.close());

  it("authenticates a user by name or email, case-insensitively by email", () => {
    createUserUnchecked(t.db, { email: "Ann@Example.com", password: "password-1", roles: [SYSTEM_MANAGER] });
    expect(checkPassword(t.db, "ann@example.com", "password-1")?.roles).toEqual([SYSTEM_MANAGER]);
    expect(checkPassword(t.db, "ANN@EXAMPLE.COM", "password-1")).not.toBeNull();
    expect(checkPassword(t.db, "ann@example.com", "wrong")).toBeNull();
    expect(checkPassword(t.db, "nobody", "password-1")).toBeNull();
  });

  it("answers 401 for a wrong secret and 403 for a disabled user", () => {
    const name = createUserUnchecked(t.db, { email: "bot@example.com", password: "password-1", roles: [] });
    const k = createApiKeyUnchecked(t.db, name);
    const ok = actorForToken(`token ${k.key}:${k.secret}`, t.db);
    expect(ok?.ok && ok.actor.user).toBe(name);
    const bad = actorForToken(`token ${k.key}:nope`, t.db);
    expect(bad).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    expect(actorForToken(`token unknown:${k.secret}`, t.db)).toMatchObject({ ok: false, code: "UNAUTHORIZED" });

    const admin = createUserUnchecked(t.db, { email: "admin@example.com", password: "password-1", roles: [SYSTEM_MANAGER] });
    updateUser(actorFor(admin, "session", t.db), name, { enabled: false }, t.db);
    expect(actorForToken(`token ${k.key}:${k.secret}`, t.db)).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(actorFor(name, "session", t.db)).toBeNull();
  });

  it("service verbs check the System Manager role first", () => {
    const name = createUserUnchecked(t.db, { email: "desk@example.com", password: "password-1", roles: ["Desk User"] });
    const actor = actorFor(name, "session", t.db);
    expect(hasRole(actor)).toBe(false);
    expect(() => listUsers(actor, t.db)).toThrowError(AppError);
    expect(() => listUsers(null, t.db)).toThrowError(/Login required/);
  });

  it("refuses duplicate users and short passwords", () => {
    createUserUnchecked(t.db, { email: "dup@example.com", password: "password-1" });
    expect(() => createUserUnchecked(t.db, { email: "dup@example.com", password: "password-1" })).toThrowError(/already exists/);
    expect(() => createUserUnchecked(t.db, { email: "short@example.com", password: "short" })).toThrow();
  });
});

describe("login throttle", () => {
  it("slows down after repeated failures and resets on success", () => {
    const ids = [`u:test-${Math.random()}`];
    expect(attemptDelay(ids)).toBe(0);
    for (let i = 0; i < 4; i++) recordFailure(ids);
    expect(attemptDelay(ids)).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) recordFailure(ids);
    expect(attemptDelay(ids)).toBe(-1);
    recordSuccess(ids);
    expect(attemptDelay(ids)).toBe(0);
  });
});
