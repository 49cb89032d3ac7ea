import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { activityLog } from "@/db/schema";
import { ACTIVITY, recordActivity } from "@/lib/auth/activity";
import type { Actor } from "@/lib/auth/roles";
import { freshDb, type FreshDb } from "@/test/db";
import { errorOf } from "@/test/errors";
import { activityOperations, countActivity, getActivity, listActivity } from "./activity-log";

const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };
const deskUser: Actor = { user: "u@example.com", fullName: "U", roles: ["Desk User", "Event Publisher"], via: "session" };
const T = new Date("2026-03-10T12:00:00").getTime();
const DAY = 86_400_000;

let env: FreshDb;
beforeEach(async () => {
  env = await freshDb({ seed: false });
});
afterEach(() => env.close());

function add(over: Partial<typeof activityLog.$inferInsert> = {}) {
  return env.db
    .insert(activityLog)
    .values({ at: T, operation: ACTIVITY.login, actor: "ann@example.com", subject: "User/ann@example.com", ip: "10.0.0.1", ...over })
    .returning()
    .get();
}

describe("roles", () => {
  it("refuses anyone but a System Manager", () => {
    add();
    expect(errorOf(() => listActivity(deskUser)).code).toBe("FORBIDDEN");
    expect(errorOf(() => countActivity(deskUser)).code).toBe("FORBIDDEN");
    expect(errorOf(() => getActivity(deskUser, 1)).code).toBe("FORBIDDEN");
    expect(errorOf(() => listActivity(null)).code).toBe("UNAUTHORIZED");
  });
});

describe("listActivity", () => {
  it("lists newest first, ties broken by id, and pages with keyset cursors both ways", () => {
    // 25 rows, three to a millisecond, so ties fall across page edges
    const ids = Array.from({ length: 25 }, (_, i) => add({ at: T + Math.floor(i / 3) }).id);
    const newestFirst = [...ids].reverse();
    const seen: number[] = [];
    let page = listActivity(admin, {}, { limit: 10 });
    expect(page.prev).toBeUndefined();
    const pages = [page];
    seen.push(...page.rows.map((r) => r.id));
    while (page.next) {
      page = listActivity(admin, {}, { cursor: page.next, limit: 10 });
      pages.push(page);
      seen.push(...page.rows.map((r) => r.id));
    }
    expect(seen).toEqual(newestFirst);
    expect(pages.map((p) => p.rows.length)).toEqual([10, 10, 5]);
    // back from the last page gives the middle page again
    const last = pages[2];
    const back = listActivity(admin, {}, { cursor: last?.prev, limit: 10 });
    expect(back.rows.map((r) => r.id)).toEqual(pages[1]?.rows.map((r) => r.id));
    expect(back.next).toBeDefined();
    expect(back.prev).toBeDefined();
    // oldest first on request
    expect(listActivity(admin, {}, { order: "asc", limit: 3 }).rows.map((r) => r.id)).toEqual(ids.slice(0, 3));
  });

  it("filters by operation, user, subject (contains), address and dates", () => {
    add({ operation: ACTIVITY.loginFailed, actor: "Guest", subject: "User/ann@example.com", ip: "10.0.0.9", at: T - 2 * DAY });
    add({ operation: ACTIVITY.apiKeyCreated, actor: "Administrator", subject: "User/bob@example.com", ip: "10.0.0.1", at: T - DAY });
    add({ operation: ACTIVITY.webhookSecretRotated, actor: "Administrator", subject: "Webhook/50%_off", ip: "10.0.0.1", at: T });
    const ops = (f: Record<string, string>) => listActivity(admin, f).rows.map((r) => r.operation);
    expect(ops({ operation: "Login Failed" })).toEqual(["Login Failed"]);
    expect(ops({ user: "Administrator" })).toEqual(["Webhook Secret Rotated", "API Key Created"]);
    expect(ops({ subject: "BOB@example" })).toEqual(["API Key Created"]);
    // LIKE wildcards in the filter are literal
    expect(ops({ subject: "%_o" })).toEqual(["Webhook Secret Rotated"]);
    expect(ops({ subject: "_" })).toEqual(["Webhook Secret Rotated"]);
    expect(ops({ ip: "10.0.0.9" })).toEqual(["Login Failed"]);
    const day = (ms: number) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
    // a To date includes that whole day
    expect(ops({ from: day(T - DAY), to: day(T - DAY) })).toEqual(["API Key Created"]);
    expect(ops({ from: day(T - DAY) })).toEqual(["Webhook Secret Rotated", "API Key Created"]);
    expect(ops({ operation: "Login", user: "" })).toEqual([]);
    expect(countActivity(admin, { user: "Administrator" })).toEqual({ count: 2, capped: false });
  });

  it("answers 422 for a bad date and 400 for a forged cursor", () => {
    expect(errorOf(() => listActivity(admin, { from: "last tuesday" })).code).toBe("VALIDATION_ERROR");
    expect(errorOf(() => listActivity(admin, {}, { cursor: "nope" })).code).toBe("BAD_REQUEST");
    expect(errorOf(() => listActivity(admin, {}, { cursor: `a.1.${Buffer.from("x").toString("base64url")}` })).code).toBe("BAD_REQUEST");
  });

  it("shows what recordActivity wrote", () => {
    recordActivity(
      { operation: ACTIVITY.userCreated, actor: "Administrator", subject: "User/c@example.com", detail: "No roles", ip: "127.0.0.1" },
      env.db,
    );
    const [row] = listActivity(admin).rows;
    expect(row).toMatchObject({
      operation: "User Created",
      actor: "Administrator",
      subject: "User/c@example.com",
      detail: "No roles",
      ip: "127.0.0.1",
    });
    expect(row && getActivity(admin, String(row.id))).toEqual(row);
  });
});

describe("getActivity / activityOperations", () => {
  it("404s for an unknown or malformed id", () => {
    expect(errorOf(() => getActivity(admin, "999")).code).toBe("NOT_FOUND");
    expect(errorOf(() => getActivity(admin, "1; DROP")).code).toBe("NOT_FOUND");
  });

  it("offers every recorded operation for the filter, sorted", () => {
    const ops = activityOperations();
    expect(ops).toEqual(expect.arrayContaining(Object.values(ACTIVITY)));
    expect(ops).toEqual([...ops].sort((a, b) => a.localeCompare(b)));
  });
});
