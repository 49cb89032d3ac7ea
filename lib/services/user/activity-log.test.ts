import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { activityLog } from "@/db/schema";
import { ACTIVITY, recordActivity } from "@/lib/auth/activity";
import type { Actor } from "@/lib/auth/roles";
import { freshDb, type FreshDb } from "@/test/db";
import { AppError } from "@/lib/errors";
import { activityOperations, countActivity, getActivity, listActivity } from "./activity-log";

const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };
const deskUser: Actor = { user: "u@example.com", fullName: "U", roles: ["Desk User", "Event Publisher"], via: "session" };
const T = new Date("2026-03-10T12:00:00").getTime();
const DAY = 86_400_000;

/** The AppError a call rejects with; fails the test when it rejects with something else or not at all. */
async function rejectionOf(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected an AppError");
}

let env: FreshDb;
beforeEach(async () => {
  env = await freshDb({ seed: false });
});
afterEach(() => env.close());

async function add(over: Partial<typeof activityLog.$inferInsert> = {}) {
  const [row] = await env.db
    .insert(activityLog)
    .values({ at: T, operation: ACTIVITY.login, actor: "ann@example.com", subject: "User/ann@example.com", ip: "10.0.0.1", ...over })
    .returning();
  if (!row) throw new Error("not inserted");
  return row;
}

describe("roles", () => {
  it("refuses anyone but a System Manager", async () => {
    await add();
    expect((await rejectionOf(listActivity(deskUser))).code).toBe("FORBIDDEN");
    expect((await rejectionOf(countActivity(deskUser))).code).toBe("FORBIDDEN");
    expect((await rejectionOf(getActivity(deskUser, 1))).code).toBe("FORBIDDEN");
    expect((await rejectionOf(listActivity(null))).code).toBe("UNAUTHORIZED");
  });
});

describe("listActivity", () => {
  it("lists newest first, ties broken by id, and pages with keyset cursors both ways", async () => {
    // 25 rows, three to a millisecond, so ties fall across page edges
    const ids: number[] = [];
    for (let i = 0; i < 25; i++) ids.push((await add({ at: T + Math.floor(i / 3) })).id);
    const newestFirst = [...ids].reverse();
    const seen: number[] = [];
    let page = await listActivity(admin, {}, { limit: 10 });
    expect(page.prev).toBeUndefined();
    const pages = [page];
    seen.push(...page.rows.map((r) => r.id));
    while (page.next) {
      page = await listActivity(admin, {}, { cursor: page.next, limit: 10 });
      pages.push(page);
      seen.push(...page.rows.map((r) => r.id));
    }
    expect(seen).toEqual(newestFirst);
    expect(pages.map((p) => p.rows.length)).toEqual([10, 10, 5]);
    // back from the last page gives the middle page again
    const last = pages[2];
    const back = await listActivity(admin, {}, { cursor: last?.prev, limit: 10 });
    expect(back.rows.map((r) => r.id)).toEqual(pages[1]?.rows.map((r) => r.id));
    expect(back.next).toBeDefined();
    expect(back.prev).toBeDefined();
    // oldest first on request
    expect((await listActivity(admin, {}, { order: "asc", limit: 3 })).rows.map((r) => r.id)).toEqual(ids.slice(0, 3));
  });

  it("filters by operation, user, subject (contains), address and dates", async () => {
    await add({ operation: ACTIVITY.loginFailed, actor: "Guest", subject: "User/ann@example.com", ip: "10.0.0.9", at: T - 2 * DAY });
    await add({ operation: ACTIVITY.apiKeyCreated, actor: "Administrator", subject: "User/bob@example.com", ip: "10.0.0.1", at: T - DAY });
    await add({ operation: ACTIVITY.webhookSecretRotated, actor: "Administrator", subject: "Webhook/50%_off", ip: "10.0.0.1", at: T });
    const ops = async (f: Record<string, string>) => (await listActivity(admin, f)).rows.map((r) => r.operation);
    expect(await ops({ operation: "Login Failed" })).toEqual(["Login Failed"]);
    expect(await ops({ user: "Administrator" })).toEqual(["Webhook Secret Rotated", "API Key Created"]);
    expect(await ops({ subject: "BOB@example" })).toEqual(["API Key Created"]);
    // LIKE wildcards in the filter are literal
    expect(await ops({ subject: "%_o" })).toEqual(["Webhook Secret Rotated"]);
    expect(await ops({ subject: "_" })).toEqual(["Webhook Secret Rotated"]);
    expect(await ops({ ip: "10.0.0.9" })).toEqual(["Login Failed"]);
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10); // a UTC day, as the REST adapter reads dates
    // a To date includes that whole day
    expect(await ops({ from: day(T - DAY), to: day(T - DAY) })).toEqual(["API Key Created"]);
    expect(await ops({ from: day(T - DAY) })).toEqual(["Webhook Secret Rotated", "API Key Created"]);
    expect(await ops({ operation: "Login", user: "" })).toEqual([]);
    expect(await countActivity(admin, { user: "Administrator" })).toEqual({ count: 2, capped: false });
  });

  it("answers 422 for a bad date and 400 for a forged cursor", async () => {
    expect((await rejectionOf(listActivity(admin, { from: "last tuesday" }))).code).toBe("VALIDATION_ERROR");
    expect((await rejectionOf(listActivity(admin, {}, { cursor: "nope" }))).code).toBe("BAD_REQUEST");
    expect((await rejectionOf(listActivity(admin, {}, { cursor: `a.1.${Buffer.from("x").toString("base64url")}` }))).code).toBe(
      "BAD_REQUEST",
    );
  });

  it("shows what recordActivity wrote", async () => {
    await recordActivity(
      { operation: ACTIVITY.userCreated, actor: "Administrator", subject: "User/c@example.com", detail: "No roles", ip: "127.0.0.1" },
      env.db,
    );
    const [row] = (await listActivity(admin)).rows;
    expect(row).toMatchObject({
      operation: "User Created",
      actor: "Administrator",
      subject: "User/c@example.com",
      detail: "No roles",
      ip: "127.0.0.1",
    });
    expect(row && (await getActivity(admin, String(row.id)))).toEqual(row);
  });
});

describe("getActivity / activityOperations", () => {
  it("404s for an unknown or malformed id", async () => {
    expect((await rejectionOf(getActivity(admin, "999"))).code).toBe("NOT_FOUND");
    expect((await rejectionOf(getActivity(admin, "1; DROP"))).code).toBe("NOT_FOUND");
  });

  it("offers every recorded operation for the filter, sorted", () => {
    const ops = activityOperations();
    expect(ops).toEqual(expect.arrayContaining(Object.values(ACTIVITY)));
    expect(ops).toEqual([...ops].sort((a, b) => a.localeCompare(b)));
  });
});
