// The REST adapter's one datetime format, on a server whose clock is not UTC: every resource
// writes and reads UTC whatever the time zone. TZ is set before any date is made (the
// modules under test make none when loaded), and checked.
process.env.TZ = "Asia/Kolkata";

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { activityLog } from "@/db/schema";
import type { Actor } from "@/lib/auth/roles";
import { freshDb, type FreshDb } from "@/test/db";
import { summaryJson } from "@/app/api/resource/Webhook/webhook-json";
import { toFrappeRow } from "../request-log/request-log-rest";
import type { LogListRow } from "../request-log/request-log";
import { apiFiltersFromQuery } from "../request-log/request-log-rest";
import { listActivity } from "../user/activity-log";
import type { WebhookSummary } from "../webhook/webhook-doc";
import { fromFrappeDatetime, isDateOnly, parseFrappeFilters, toFrappeDatetime } from "./adapter";
import { dateBound } from "./list-filter.schema";

const NOON_UTC = Date.UTC(2026, 2, 10, 12, 0, 0, 123);

it("runs in Asia/Kolkata (UTC+05:30)", () => {
  expect(new Date(NOON_UTC).getTimezoneOffset()).toBe(-330);
  expect(new Date(NOON_UTC).getHours()).toBe(17);
});

describe("toFrappeDatetime / fromFrappeDatetime", () => {
  it("writes UTC as Frappe's text", () => {
    expect(toFrappeDatetime(NOON_UTC)).toBe("2026-03-10 12:00:00.123000");
    expect(toFrappeDatetime(Date.UTC(2026, 0, 1))).toBe("2026-01-01 00:00:00.000000");
    expect(toFrappeDatetime(null)).toBeNull();
  });

  it("round-trips", () => {
    for (const ms of [0, NOON_UTC, Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2026, 2, 10, 18, 30), 1_767_225_600_001]) {
      expect(fromFrappeDatetime(toFrappeDatetime(ms))).toBe(ms);
    }
  });

  it("reads Frappe's text, ISO with an offset, epoch ms and a date alone, all as UTC", () => {
    expect(fromFrappeDatetime("2026-03-10 12:00:00.123456")).toBe(NOON_UTC);
    expect(fromFrappeDatetime("2026-03-10 12:00:00.123")).toBe(NOON_UTC);
    expect(fromFrappeDatetime("2026-03-10T12:00:00.123")).toBe(NOON_UTC);
    expect(fromFrappeDatetime("2026-03-10T12:00:00.123Z")).toBe(NOON_UTC);
    expect(fromFrappeDatetime("2026-03-10T17:30:00.123+05:30")).toBe(NOON_UTC);
    expect(fromFrappeDatetime("2026-03-10 07:00:00.123-0500")).toBe(NOON_UTC);
    expect(fromFrappeDatetime("2026-03-10 12:00")).toBe(NOON_UTC - 123);
    expect(fromFrappeDatetime(String(NOON_UTC))).toBe(NOON_UTC);
    expect(fromFrappeDatetime(NOON_UTC)).toBe(NOON_UTC);
    // A date alone is that UTC day, not the server's.
    expect(fromFrappeDatetime("2026-03-10")).toBe(Date.UTC(2026, 2, 10));
    expect(isDateOnly("2026-03-10")).toBe(true);
    expect(isDateOnly("2026-03-10 00:00")).toBe(false);
  });

  it("refuses what names no time", () => {
    for (const bad of ["", "last tuesday", "2026-02-30", "2026-13-01", "2026-03-10 24:00", "2026-03-10 12:60", "10/03/2026"]) {
      expect(fromFrappeDatetime(bad), bad).toBeNull();
    }
    expect(fromFrappeDatetime(Number.NaN)).toBeNull();
  });

  it("is the format of every resource", () => {
    const hook = { creation: NOON_UTC, modified: NOON_UTC + 1000 } as WebhookSummary;
    expect(summaryJson(hook)).toMatchObject({ creation: "2026-03-10 12:00:00.123000", modified: "2026-03-10 12:00:01.123000" });
    expect(toFrappeRow({ created: NOON_UTC, isTest: false } as LogListRow).creation).toBe("2026-03-10 12:00:00.123000");
  });

  it("is how the lists' From/To read a bound", () => {
    expect(dateBound.parse("2026-03-10")).toEqual({ ms: Date.UTC(2026, 2, 10), dateOnly: true });
    expect(dateBound.parse("2026-03-10 12:00:00.123000")).toEqual({ ms: NOON_UTC, dateOnly: false });
    expect(dateBound.parse(NOON_UTC)).toEqual({ ms: NOON_UTC, dateOnly: false });
    expect(dateBound.safeParse("last tuesday").success).toBe(false);
  });
});

describe("a UTC day on a list", () => {
  let t: FreshDb;
  beforeEach(async () => {
    t = await freshDb();
  });
  afterEach(() => t.close());
  const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };

  it("takes in the rows of that UTC day, whatever the day is in the server's zone", async () => {
    // 23:30 UTC on the 10th is already 05:00 on the 11th in Kolkata; 18:00 UTC is 23:30 on the 10th.
    const at = { lateOn10: Date.UTC(2026, 2, 10, 23, 30), eveningOn10: Date.UTC(2026, 2, 10, 18), earlyOn11: Date.UTC(2026, 2, 11, 0, 10) };
    for (const [subject, ms] of Object.entries(at))
      await t.db.insert(activityLog).values({ at: ms, operation: "Login", actor: "Administrator", subject });
    const subjects = async (f: Record<string, string>) => (await listActivity(admin, f)).rows.map((r) => r.subject).sort();
    expect(await subjects({ from: "2026-03-10", to: "2026-03-10" })).toEqual(["eveningOn10", "lateOn10"]);
    expect(await subjects({ from: "2026-03-11" })).toEqual(["earlyOn11"]);
    expect(await subjects({ to: "2026-03-10 18:00:00.000000" })).toEqual(["eveningOn10"]);
  });
});

describe("parseFrappeFilters", () => {
  it("reads each of Frappe's forms", () => {
    expect(parseFrappeFilters('[["Webhook", "enabled", "=", 1], ["name", "LIKE", "%a%"], ["status", "Failed"]]')).toEqual([
      ["enabled", "=", 1],
      ["name", "like", "%a%"],
      ["status", "=", "Failed"],
    ]);
    expect(parseFrappeFilters({ name: ["in", ["a", "b"]], status: "Failed" })).toEqual([
      ["name", "in", ["a", "b"]],
      ["status", "=", "Failed"],
    ]);
    expect(parseFrappeFilters("")).toEqual([]);
    expect(parseFrappeFilters(null)).toEqual([]);
    expect(() => parseFrappeFilters("{nope")).toThrow(/not valid JSON/);
    expect(() => parseFrappeFilters("[1]")).toThrow(/each filter/);
    expect(() => parseFrappeFilters("3")).toThrow(/Invalid filters/);
  });

  it("serves the Request Log's filters too, [field, value] included", () => {
    const q = new URLSearchParams({
      filters: JSON.stringify([
        ["webhook", "h"],
        ["`tabWebhook Request Log`.status", "=", "Failed"],
      ]),
    });
    expect(apiFiltersFromQuery(q)).toEqual({ webhook: "h", status: "Failed" });
  });
});
