import { eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rawGet } from "@/db";
import { delivery, doctype, event, webhook, webhookRequestAttempt, webhookRequestLog } from "@/db/schema";
import { freshDb, type FreshDb } from "@/test/db";
import type { Actor } from "@/lib/auth/roles";
import { LOG_STATUS } from "@/lib/constants";
import { countLogs, decodeCursor, getLog, listLogs } from "./request-log";
import { getEvent, listEvents, reasonText, valuesText } from "../event/event-log";
import { claimDailyRun, purgeOldLogs } from "@/lib/delivery/retention";
import { runRetentionIfDue } from "@/lib/dispatcher/maintenance";
import { getLogSettings, setLogSettings } from "./log-retention";
import { percentile, webhookStats } from "./request-log-stats";

const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };
const deskUser: Actor = { user: "u@example.com", fullName: "U", roles: ["Desk User"], via: "session" };
const HOUR = 3_600_000;

let env: FreshDb;
let seq = 0;

async function addLog(
  over: Partial<{ name: string; webhook: string; status: string; created: number; docname: string; user: string; event: string }> = {},
) {
  seq += 1;
  const row = {
    name: over.name ?? `log_${String(seq).padStart(6, "0")}`,
    webhook: over.webhook ?? "hook-a",
    status: over.status ?? LOG_STATUS.delivered,
    created: over.created ?? 1_700_000_000_000 + seq * 1000,
    docname: over.docname ?? `SO-${seq}`,
    user: over.user ?? "Administrator",
    event: over.event ?? null,
  };
  await env.db.insert(webhookRequestLog).values({
    name: row.name,
    webhook: row.webhook,
    referenceDoctype: "Sales Order",
    referenceDocument: row.docname,
    headers: '{"Content-Type":"application/json"}',
    data: '{"name":"x"}',
    user: row.user,
    url: "http://r.test/h",
    status: row.status,
    attempts: 1,
    event: row.event,
    created: row.created,
    modified: row.created,
  });
  return row;
}

async function addAttempt(log: string, started: number, success: boolean, durationMs: number, manual = false) {
  await env.db
    .insert(webhookRequestAttempt)
    .values({ log, attempt: 1, started, success, httpStatus: success ? 200 : 500, durationMs, response: "ok", manual });
}

const names = (p: { rows: { name: string }[] }) => p.rows.map((r) => r.name);

beforeEach(async () => {
  env = await freshDb({ seed: false });
  seq = 0;
});
afterEach(() => env.close());

describe("listLogs", () => {
  it("requires System Manager", async () => {
    await expect(listLogs(deskUser)).rejects.toThrow(/System Manager/);
    await expect(listLogs(null)).rejects.toThrow(/Login/);
  });

  it("pages newest first with keyset cursors, forwards and back, without gaps or repeats", async () => {
    const t = 1_700_000_000_000;
    // Ties on created are broken by name.
    for (let i = 0; i < 45; i++) await addLog({ created: t + Math.floor(i / 3) * 1000 });
    const seen: string[] = [];
    let page = await listLogs(admin, {}, { limit: 10 });
    expect(page.prev).toBeUndefined();
    const pages = [page];
    for (;;) {
      seen.push(...names(page));
      if (!page.next) break;
      page = await listLogs(admin, {}, { limit: 10, cursor: page.next });
      pages.push(page);
    }
    expect(seen).toHaveLength(45);
    expect(new Set(seen).size).toBe(45);
    const sorted = [...seen].sort((a, b) => (a < b ? 1 : -1));
    expect(seen).toEqual(sorted);
    expect(pages).toHaveLength(5);
    // Back from the third page gives the second again.
    const third = pages[2];
    expect(third?.prev).toBeDefined();
    const back = await listLogs(admin, {}, { limit: 10, cursor: third?.prev });
    expect(names(back)).toEqual(pages[1] && names(pages[1]));
    expect(back.next).toBeDefined();
    const first = await listLogs(admin, {}, { limit: 10, cursor: pages[1]?.prev });
    expect(first.prev).toBeUndefined();
    expect(names(first)).toEqual(pages[0] && names(pages[0]));
  });

  it("breaks ties on created by name in byte order, the same on both dialects", async () => {
    // Mixed case, punctuation and non-ASCII: a locale collation would order these differently.
    const tie = ["log-b", "log_a", "Log_Z", "log_ä", "log a", "log_B"];
    for (const name of tie) await addLog({ name, created: 1_700_000_000_000 });
    const byteOrder = [...tie].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(names(await listLogs(admin, {}, { order: "asc" }))).toEqual(byteOrder);
    const walked: string[] = [];
    let page = await listLogs(admin, {}, { order: "asc", limit: 2 });
    for (;;) {
      walked.push(...names(page));
      if (!page.next) break;
      page = await listLogs(admin, {}, { order: "asc", limit: 2, cursor: page.next });
    }
    expect(walked).toEqual(byteOrder);
  });

  it("sorts oldest first on request", async () => {
    for (let i = 0; i < 5; i++) await addLog();
    const page = await listLogs(admin, {}, { order: "asc", limit: 3 });
    expect(names(page)).toEqual(["log_000001", "log_000002", "log_000003"]);
    expect(names(await listLogs(admin, {}, { order: "asc", limit: 3, cursor: page.next }))).toEqual(["log_000004", "log_000005"]);
  });

  it("filters by webhook, status, reference, user and date range, and counts", async () => {
    const day = Date.parse("2026-03-10T12:00:00");
    await addLog({ webhook: "hook-a", status: LOG_STATUS.failed, created: day });
    await addLog({ webhook: "hook-b", status: LOG_STATUS.failed, created: day + 86_400_000, user: "x@example.com" });
    await addLog({ webhook: "hook-b", status: LOG_STATUS.delivered, created: day + 2 * 86_400_000, docname: "SO-X" });
    const rows = async (f: Record<string, string>) => (await listLogs(admin, f)).rows;
    expect(await rows({ webhook: "hook-b" })).toHaveLength(2);
    expect(await rows({ status: "Failed" })).toHaveLength(2);
    expect(await rows({ reference_doctype: "Sales Order", reference_document: "SO-X" })).toHaveLength(1);
    expect(await rows({ user: "x@example.com" })).toHaveLength(1);
    expect(await rows({ from: "2026-03-11", to: "2026-03-11" })).toHaveLength(1);
    expect(await rows({ from: "2026-03-11" })).toHaveLength(2);
    expect(await countLogs(admin, { webhook: "hook-b", status: "Failed" })).toEqual({ count: 1, capped: false });
    expect(await countLogs(admin)).toEqual({ count: 3, capped: false });
    await expect(listLogs(admin, { status: "Nope" })).rejects.toThrow();
    await expect(listLogs(admin, {}, { cursor: "garbage" })).rejects.toThrow(/cursor/);
  });

  it("finds a reference document without its DocType through registered DocTypes and those of webhooks", async () => {
    await addLog({ docname: "SO-Y" });
    await addLog({ docname: "SE-Y" });
    await env.db.update(webhookRequestLog).set({ referenceDoctype: "Stock Entry" }).where(eq(webhookRequestLog.referenceDocument, "SE-Y"));
    await env.db.insert(doctype).values({ name: "Stock Entry" });
    // "Stock Entry" is a registered DocType; no webhook or DocType "Sales Order" made a log yet.
    expect(names(await listLogs(admin, { reference_document: "SE-Y" }))).toHaveLength(1);
    expect(names(await listLogs(admin, { reference_document: "SO-Y" }))).toHaveLength(0);
    await env.db
      .insert(webhook)
      .values({ name: "hook-a", webhookDoctype: "Sales Order", webhookDocevent: "on_update", requestUrl: "http://r.test/h" });
    expect(names(await listLogs(admin, { reference_document: "SO-Y" }))).toHaveLength(1);
    expect(await countLogs(admin, { reference_document: "SO-Y" })).toEqual({ count: 1, capped: false });
  });

  it("decodes what it encodes", async () => {
    await addLog({ name: "log with spaces/ü" });
    await addLog();
    const p = await listLogs(admin, {}, { limit: 1, order: "asc" });
    expect(decodeCursor(p.next)?.key).toBe("log with spaces/ü");
  });
});

describe("getLog", () => {
  it("returns the log with attempts in order, and 404s on an unknown name", async () => {
    const l = await addLog({ status: LOG_STATUS.failed });
    await addAttempt(l.name, l.created, false, 30);
    await addAttempt(l.name, l.created + 1000, true, 20, true);
    const d = await getLog(admin, l.name);
    expect(d.headers["Content-Type"]).toBe("application/json");
    expect(d.attemptList.map((a) => [a.success, a.manual])).toEqual([
      [false, false],
      [true, true],
    ]);
    expect(d.isTest).toBe(false);
    expect(d.held).toBe(false);
    expect(d.pending).toBe(false);
    await expect(getLog(admin, "nope")).rejects.toThrow(/not found/);
  });
});

describe("webhookStats", () => {
  it("buckets requests per hour and flags a failing webhook", async () => {
    const now = Date.parse("2026-03-10T12:30:00Z");
    for (let i = 0; i < 6; i++) {
      const l = await addLog({ status: LOG_STATUS.exhausted, created: now - (6 - i) * 60_000 });
      await addAttempt(l.name, l.created, false, 100 + i);
    }
    const ok = await addLog({ status: LOG_STATUS.delivered, created: now - 3 * HOUR });
    await addAttempt(ok.name, ok.created, true, 10);
    await env.db
      .update(webhookRequestLog)
      .set({ created: now - 3 * HOUR })
      .where(eq(webhookRequestLog.name, ok.name));
    const s = await webhookStats(admin, "hook-a", "24h", now);
    expect(s.buckets).toHaveLength(24);
    expect(s.totals).toMatchObject({ delivered: 1, failed: 6 });
    expect(s.buckets[23]).toMatchObject({ failed: 6, delivered: 0 });
    expect(s.buckets[20]).toMatchObject({ hour: Date.parse("2026-03-10T09:00:00Z"), delivered: 1, p50: 10 });
    expect(s.totals).toMatchObject({ p50: 102, p95: 105 });
    expect(s.health.consecutiveFailures).toBe(6);
    expect(s.health.flagged).toBe(true);
    expect(s.health.lastSuccess).not.toBeNull();
    expect(s.counts).toMatchObject({ Exhausted: 6, Delivered: 1, Failed: 0 });
    expect((await webhookStats(admin, "hook-a", "7d", now)).buckets).toHaveLength(168);
    await expect(webhookStats(admin, "hook-a", "1y")).rejects.toThrow(/range/);
  });

  it("counts requests, not attempts: a request retried until delivered is one delivered request", async () => {
    const now = Date.parse("2026-03-10T12:30:00Z");
    const retried = await addLog({ webhook: "hook-r", status: LOG_STATUS.delivered, created: now - 20 * 60_000 });
    for (let i = 0; i < 3; i++) await addAttempt(retried.name, retried.created + i * 60_000, false, 50);
    await addAttempt(retried.name, retried.created + 4 * 60_000, true, 20);
    const gaveUp = await addLog({ webhook: "hook-r", status: LOG_STATUS.exhausted, created: now - 10 * 60_000 });
    for (let i = 0; i < 2; i++) await addAttempt(gaveUp.name, gaveUp.created + i * 60_000, false, 40);
    await addLog({ webhook: "hook-r", status: LOG_STATUS.queued, created: now - 5 * 60_000 });
    const s = await webhookStats(admin, "hook-r", "24h", now);
    expect(s.totals).toMatchObject({ delivered: 1, failed: 1 });
    expect(s.buckets[23]).toMatchObject({ delivered: 1, failed: 1 });
    expect(s.counts).toMatchObject({ Delivered: 1, Exhausted: 1, Queued: 1 });
  });

  it("computes nearest-rank percentiles", () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
  });
});

describe("events", () => {
  it("lists events with matched counts and shows the routing trail with its logs", async () => {
    const routing = [
      { webhook: "hook-a", matched: true, request_log: "log_x" },
      { webhook: "hook-b", matched: false, reason: "condition_false", condition: 'doc.status=="Open"', values: { "doc.status": "Draft" } },
    ];
    await env.db.insert(event).values({
      id: "evt_1",
      doctype: "Sales Order",
      event: "on_update",
      docname: "SO-1",
      user: "Administrator",
      routing,
      created: Date.now(),
    });
    await addLog({ name: "log_x", event: "evt_1" });
    const list = await listEvents(admin, { doctype: "Sales Order" });
    expect(list.rows).toEqual([expect.objectContaining({ id: "evt_1", matched: 1, webhooks: 2 })]);
    const e = await getEvent(admin, "evt_1");
    expect(e.logs.map((l) => l.name)).toEqual(["log_x"]);
    const second = e.routing[1];
    expect(second && reasonText(second)).toBe("Condition was False");
    expect(valuesText(second?.values)).toEqual(['doc.status = "Draft"']);
    expect(reasonText({ webhook: "w", matched: false, reason: "other_event" }, ["on_submit"])).toBe(
      "Subscribed to other events (on_submit)",
    );
  });
});

describe("retention", () => {
  it("defaults to 30 days and validates the setting", async () => {
    expect((await getLogSettings(admin)).retention_days).toBe(30);
    expect((await setLogSettings(admin, { retention_days: "7" })).retention_days).toBe(7);
    expect((await setLogSettings(admin, { retention_days: 9 })).retention_days).toBe(9);
    await expect(setLogSettings(admin, { retention_days: 0 })).rejects.toThrow();
    await expect(setLogSettings(deskUser, { retention_days: 5 })).rejects.toThrow(/System Manager/);
  });

  it("deletes old logs with their attempts and deliveries, and old events, in batches", async () => {
    const now = Date.now();
    const old = [];
    for (let i = 0; i < 12; i++) old.push(await addLog({ created: now - 40 * 86_400_000 }));
    const fresh = await addLog({ created: now });
    for (const l of old) await addAttempt(l.name, l.created, true, 5);
    const first = old[0];
    if (!first) throw new Error("no rows");
    await env.db.insert(delivery).values({ id: "d1", log: first.name, timeoutMs: 1000, maxRetries: 1, dueAt: 0, created: 0 });
    await env.db
      .insert(event)
      .values({ id: "evt_old", doctype: "X", event: "on_update", docname: "a", routing: [], created: now - 40 * 86_400_000 });
    const r = await purgeOldLogs(env.db, 30, 5, now);
    expect(r).toMatchObject({ logs: 12, events: 1, deleted: 13 });
    const count = async (t: string) => (await rawGet<{ n: number }>(sql`SELECT count(*) AS n FROM ${sql.identifier(t)}`))?.n;
    expect(await count("webhook_request_log")).toBe(1);
    expect(await count("webhook_request_attempt")).toBe(0);
    expect(await count("delivery")).toBe(0);
    expect(names(await listLogs(admin))).toEqual([fresh.name]);
  });

  it("claims the daily run once a day, for exactly one of several claiming at once", async () => {
    const now = Date.now();
    const both = (at: number) => Promise.all([claimDailyRun(env.db, at), claimDailyRun(env.db, at)]);
    expect((await both(now)).sort()).toEqual([false, true]);
    expect(await claimDailyRun(env.db, now + 3_600_000)).toBe(false);
    expect((await both(now + 86_400_000)).sort()).toEqual([false, true]);
    expect((await getLogSettings(admin)).last_run).toBe(now + 86_400_000);
  });

  it("runs the daily purge at most once a day", async () => {
    const now = Date.now();
    await addLog({ created: now - 40 * 86_400_000 });
    expect(await runRetentionIfDue(env.db, now)).toMatchObject({ logs: 1 });
    await addLog({ created: now - 40 * 86_400_000 });
    expect(await runRetentionIfDue(env.db, now + 3_600_000)).toBeNull();
    expect(await runRetentionIfDue(env.db, now + 86_400_000)).toMatchObject({ logs: 1 });
  });
});

describe("REST filters", () => {
  it("accepts plain keys and Frappe's filters JSON", async () => {
    const { apiFiltersFromQuery } = await import("./request-log-rest");
    const q = new URLSearchParams({
      status: "Failed",
      filters: JSON.stringify([
        ["Webhook Request Log", "webhook", "=", "h"],
        ["creation", ">=", "2026-01-01"],
      ]),
    });
    expect(apiFiltersFromQuery(q)).toEqual({ status: "Failed", webhook: "h", from: "2026-01-01" });
    expect(apiFiltersFromQuery(new URLSearchParams({ filters: '{"reference_document": "SO-1"}' }))).toEqual({ reference_document: "SO-1" });
    expect(() => apiFiltersFromQuery(new URLSearchParams({ filters: '[["url", "like", "%x%"]]' }))).toThrow(/Unsupported filter/);
  });
});

describe("webhookStats cache", () => {
  it("reuses settled hours' durations, sees new attempts in the current hour and a request's status now", async () => {
    const now = Date.parse("2026-03-10T12:30:00Z");
    const l = await addLog({ status: LOG_STATUS.failed, created: now - 2 * HOUR });
    await addAttempt(l.name, now - 2 * HOUR, false, 10);
    expect((await webhookStats(admin, "hook-a", "24h", now)).totals).toMatchObject({ failed: 1, delivered: 0, p50: 10 });
    // Its retry an hour later delivers it: one request, delivered now.
    await addAttempt(l.name, now - 60_000, true, 30);
    await env.db.update(webhookRequestLog).set({ status: LOG_STATUS.delivered }).where(eq(webhookRequestLog.name, l.name));
    const s = await webhookStats(admin, "hook-a", "24h", now);
    expect(s.totals).toMatchObject({ failed: 0, delivered: 1, p95: 30 });
    expect(s.buckets[21]).toMatchObject({ delivered: 1, failed: 0, p50: 10 });
    expect(s.buckets[23]).toMatchObject({ delivered: 0, failed: 0, p50: 30 });
  });

  it("forgets settled hours once any process purged logs", async () => {
    const now = Date.now();
    const l = await addLog({ status: LOG_STATUS.failed, created: now - 2 * HOUR });
    await addAttempt(l.name, now - 2 * HOUR, false, 10);
    expect((await webhookStats(admin, "hook-a", "24h", now)).totals).toMatchObject({ failed: 1 });
    // The settled hour is cached: a row gone behind its back is still counted...
    await env.db.delete(webhookRequestAttempt).where(eq(webhookRequestAttempt.log, l.name));
    expect((await webhookStats(admin, "hook-a", "24h", now)).totals).toMatchObject({ failed: 1 });
    // ...until a purge (here or in another process: it stores when it ran) deletes logs.
    expect(await purgeOldLogs(env.db, 1, 500, now + 86_400_000 - HOUR)).toMatchObject({ logs: 1 });
    expect((await webhookStats(admin, "hook-a", "24h", now)).totals).toMatchObject({ failed: 0 });
  });
});
