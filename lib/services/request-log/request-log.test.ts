import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freshDb, type FreshDb } from "@/test/db";
import type { Actor } from "@/lib/auth/roles";
import { LOG_STATUS } from "@/lib/constants";
import { countLogs, decodeCursor, getLog, listLogs } from "./request-log";
import { getEvent, listEvents, reasonText, valuesText } from "../event/event-log";
import { purgeOldLogs } from "@/lib/delivery/retention";
import { runRetentionIfDue } from "@/lib/dispatcher/maintenance";
import { getLogSettings, setLogSettings } from "./log-retention";
import { percentile, webhookStats } from "./request-log-stats";

const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };
const deskUser: Actor = { user: "u@example.com", fullName: "U", roles: ["Desk User"], via: "session" };
const HOUR = 3_600_000;

let env: FreshDb;
let seq = 0;

function addLog(
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
  env.db.$client
    .prepare(
      `INSERT INTO webhook_request_log (name, webhook, reference_doctype, reference_document, headers, data, user, url, status, attempts, event, created, modified)
       VALUES (@name, @webhook, 'Sales Order', @docname, '{"Content-Type":"application/json"}', '{"name":"x"}', @user, 'http://r.test/h', @status, 1, @event, @created, @created)`,
    )
    .run(row);
  return row;
}

function addAttempt(log: string, started: number, success: boolean, durationMs: number, manual = false) {
  env.db.$client
    .prepare(
      `INSERT INTO webhook_request_attempt (log, attempt, started, success, http_status, duration_ms, response, manual) VALUES (?, 1, ?, ?, ?, ?, 'ok', ?)`,
    )
    .run(log, started, success ? 1 : 0, success ? 200 : 500, durationMs, manual ? 1 : 0);
}

beforeEach(async () => {
  env = await freshDb();
  seq = 0;
});
afterEach(() => env.close());

describe("listLogs", () => {
  it("requires System Manager", () => {
    expect(() => listLogs(deskUser)).toThrow(/System Manager/);
    expect(() => listLogs(null)).toThrow(/Login/);
  });

  it("pages newest first with keyset cursors, forwards and back, without gaps or repeats", () => {
    const t = 1_700_000_000_000;
    // Ties on created are broken by name.
    for (let i = 0; i < 45; i++) addLog({ created: t + Math.floor(i / 3) * 1000 });
    const seen: string[] = [];
    let page = listLogs(admin, {}, { limit: 10 });
    expect(page.prev).toBeUndefined();
    const pages = [page];
    for (;;) {
      seen.push(...page.rows.map((r) => r.name));
      if (!page.next) break;
      page = listLogs(admin, {}, { limit: 10, cursor: page.next });
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
    const back = listLogs(admin, {}, { limit: 10, cursor: third?.prev });
    expect(back.rows.map((r) => r.name)).toEqual(pages[1]?.rows.map((r) => r.name));
    expect(back.next).toBeDefined();
    const first = listLogs(admin, {}, { limit: 10, cursor: pages[1]?.prev });
    expect(first.prev).toBeUndefined();
    expect(first.rows.map((r) => r.name)).toEqual(pages[0]?.rows.map((r) => r.name));
  });

  it("sorts oldest first on request", () => {
    for (let i = 0; i < 5; i++) addLog();
    const page = listLogs(admin, {}, { order: "asc", limit: 3 });
    expect(page.rows.map((r) => r.name)).toEqual(["log_000001", "log_000002", "log_000003"]);
    expect(listLogs(admin, {}, { order: "asc", limit: 3, cursor: page.next }).rows.map((r) => r.name)).toEqual([
      "log_000004",
      "log_000005",
    ]);
  });

  it("filters by webhook, status, reference, user and date range, and counts", () => {
    const day = Date.parse("2026-03-10T12:00:00");
    addLog({ webhook: "hook-a", status: LOG_STATUS.failed, created: day });
    addLog({ webhook: "hook-b", status: LOG_STATUS.failed, created: day + 86_400_000, user: "x@example.com" });
    addLog({ webhook: "hook-b", status: LOG_STATUS.delivered, created: day + 2 * 86_400_000, docname: "SO-X" });
    expect(listLogs(admin, { webhook: "hook-b" }).rows).toHaveLength(2);
    expect(listLogs(admin, { status: "Failed" }).rows).toHaveLength(2);
    expect(listLogs(admin, { reference_doctype: "Sales Order", reference_document: "SO-X" }).rows).toHaveLength(1);
    expect(listLogs(admin, { user: "x@example.com" }).rows).toHaveLength(1);
    expect(listLogs(admin, { from: "2026-03-11", to: "2026-03-11" }).rows).toHaveLength(1);
    expect(listLogs(admin, { from: "2026-03-11" }).rows).toHaveLength(2);
    expect(countLogs(admin, { webhook: "hook-b", status: "Failed" })).toEqual({ count: 1, capped: false });
    expect(() => listLogs(admin, { status: "Nope" })).toThrow();
    expect(() => listLogs(admin, {}, { cursor: "garbage" })).toThrow(/cursor/);
  });

  it("decodes what it encodes", () => {
    addLog({ name: "log with spaces/ü" });
    addLog();
    const p = listLogs(admin, {}, { limit: 1, order: "asc" });
    expect(decodeCursor(p.next)?.key).toBe("log with spaces/ü");
  });
});

describe("getLog", () => {
  it("returns the log with attempts in order, and 404s on an unknown name", () => {
    const l = addLog({ status: LOG_STATUS.failed });
    addAttempt(l.name, l.created, false, 30);
    addAttempt(l.name, l.created + 1000, true, 20, true);
    const d = getLog(admin, l.name);
    expect(d.headers["Content-Type"]).toBe("application/json");
    expect(d.attemptList.map((a) => [a.success, a.manual])).toEqual([
      [false, false],
      [true, true],
    ]);
    expect(d.pending).toBe(false);
    expect(() => getLog(admin, "nope")).toThrow(/not found/);
  });
});

describe("webhookStats", () => {
  it("buckets attempts per hour and flags a failing webhook", () => {
    const now = Date.parse("2026-03-10T12:30:00Z");
    for (let i = 0; i < 6; i++) {
      const l = addLog({ status: LOG_STATUS.exhausted, created: now - (6 - i) * 60_000 });
      addAttempt(l.name, l.created, false, 100 + i);
    }
    const ok = addLog({ status: LOG_STATUS.delivered, created: now - 3 * HOUR });
    addAttempt(ok.name, ok.created, true, 10);
    env.db.$client.prepare(`UPDATE webhook_request_log SET created = ? WHERE name = ?`).run(now - 3 * HOUR, ok.name);
    const s = webhookStats(admin, "hook-a", "24h", now);
    expect(s.buckets).toHaveLength(24);
    expect(s.totals).toMatchObject({ delivered: 1, failed: 6 });
    expect(s.buckets[23]).toMatchObject({ failed: 6, delivered: 0 });
    expect(s.health.consecutiveFailures).toBe(6);
    expect(s.health.flagged).toBe(true);
    expect(s.health.lastSuccess).not.toBeNull();
    expect(s.counts).toMatchObject({ Exhausted: 6, Delivered: 1, Failed: 0 });
    expect(webhookStats(admin, "hook-a", "7d", now).buckets).toHaveLength(168);
    expect(() => webhookStats(admin, "hook-a", "1y")).toThrow(/range/);
  });

  it("computes nearest-rank percentiles", () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
  });
});

describe("events", () => {
  it("lists events with matched counts and shows the routing trail with its logs", () => {
    const routing = [
      { webhook: "hook-a", matched: true, request_log: "log_x" },
      { webhook: "hook-b", matched: false, reason: "condition_false", condition: 'doc.status=="Open"', values: { "doc.status": "Draft" } },
    ];
    env.db.$client
      .prepare(
        `INSERT INTO event (id, doctype, event, docname, user, routing, created) VALUES ('evt_1', 'Sales Order', 'on_update', 'SO-1', 'Administrator', ?, ?)`,
      )
      .run(JSON.stringify(routing), Date.now());
    addLog({ name: "log_x", event: "evt_1" });
    const list = listEvents(admin, { doctype: "Sales Order" });
    expect(list.rows).toEqual([expect.objectContaining({ id: "evt_1", matched: 1, webhooks: 2 })]);
    const e = getEvent(admin, "evt_1");
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
  it("defaults to 30 days and validates the setting", () => {
    expect(getLogSettings(admin).retention_days).toBe(30);
    expect(setLogSettings(admin, { retention_days: "7" }).retention_days).toBe(7);
    expect(() => setLogSettings(admin, { retention_days: 0 })).toThrow();
    expect(() => setLogSettings(deskUser, { retention_days: 5 })).toThrow(/System Manager/);
  });

  it("deletes old logs with their attempts and deliveries, and old events, in batches", async () => {
    const now = Date.now();
    const old = Array.from({ length: 12 }, () => addLog({ created: now - 40 * 86_400_000 }));
    const fresh = addLog({ created: now });
    for (const l of old) addAttempt(l.name, l.created, true, 5);
    const first = old[0];
    if (!first) throw new Error("no rows");
    env.db.$client
      .prepare(`INSERT INTO delivery (id, log, timeout_ms, max_retries, due_at, created) VALUES ('d1', ?, 1000, 1, 0, 0)`)
      .run(first.name);
    env.db.$client
      .prepare(`INSERT INTO event (id, doctype, event, docname, routing, created) VALUES ('evt_old', 'X', 'on_update', 'a', '[]', ?)`)
      .run(now - 40 * 86_400_000);
    const r = await purgeOldLogs(env.db.$client, 30, 5, now);
    expect(r).toMatchObject({ logs: 12, events: 1, deleted: 13 });
    const count = (t: string) => (env.db.$client.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    expect(count("webhook_request_log")).toBe(1);
    expect(count("webhook_request_attempt")).toBe(0);
    expect(count("delivery")).toBe(0);
    expect(listLogs(admin).rows.map((l) => l.name)).toEqual([fresh.name]);
  });

  it("runs the daily purge at most once a day", async () => {
    const now = Date.now();
    addLog({ created: now - 40 * 86_400_000 });
    expect(await runRetentionIfDue(env.db, now)).toMatchObject({ logs: 1 });
    addLog({ created: now - 40 * 86_400_000 });
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
  it("reuses settled hours and still sees new attempts in the current hour", () => {
    const now = Date.parse("2026-03-10T12:30:00Z");
    const l = addLog({ status: LOG_STATUS.failed, created: now - 2 * HOUR });
    addAttempt(l.name, now - 2 * HOUR, false, 10);
    expect(webhookStats(admin, "hook-a", "24h", now).totals).toMatchObject({ failed: 1, delivered: 0 });
    addAttempt(l.name, now - 60_000, true, 12);
    expect(webhookStats(admin, "hook-a", "24h", now).totals).toMatchObject({ failed: 1, delivered: 1 });
  });
});
