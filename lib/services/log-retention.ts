import "server-only";
// Log Settings: how long Request Log rows (with their attempts, pending deliveries and
// the events) are kept — 30 days by default, as in Frappe — and the purge, which the
// dispatcher runs daily and a System Manager can run now. It deletes in small batches,
// each its own transaction, yielding to the event loop in between, so the dispatcher
// (same process, same database) keeps claiming and recording while a big purge runs.
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type Database from "better-sqlite3";
import { getDb, type DB } from "@/db";
import type { Actor } from "@/lib/auth/roles";
import { purgeExpiredSessions } from "@/lib/auth/sessions";
import { purgeThrottle } from "@/lib/auth/throttle";
import { zodToAppError } from "@/lib/errors";
import { requireManager } from "./request-log-common";
import { clearStatsCache } from "./request-log-stats";
import { logSettingsSchema } from "./request-log.schema";

export const RETENTION_KEY = "log_retention_days";
export const LAST_RUN_KEY = "log_retention_last_run";
export const DEFAULT_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

export interface LogSettings {
  retention_days: number;
  /** Epoch ms of the last purge (daily or on demand), or null. */
  last_run: number | null;
}

function readSetting(db: Database.Database, key: string): string | undefined {
  return (db.prepare(`SELECT value FROM setting WHERE key = ?`).get(key) as { value: string } | undefined)?.value;
}

function writeSetting(db: Database.Database, key: string, value: string, now = Date.now()): void {
  db.prepare(`INSERT INTO setting (key, value, modified) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, modified = excluded.modified`).run(
    key,
    value,
    now,
  );
}

export function retentionDays(db: Database.Database = getDb().$client): number {
  const n = Number(readSetting(db, RETENTION_KEY));
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_RETENTION_DAYS;
}

export function getLogSettings(actor: Actor | null): LogSettings {
  requireManager(actor);
  const db = getDb().$client;
  const last = Number(readSetting(db, LAST_RUN_KEY));
  return { retention_days: retentionDays(db), last_run: Number.isFinite(last) && last > 0 ? last : null };
}

export function setLogSettings(actor: Actor | null, input: unknown): LogSettings {
  requireManager(actor);
  const r = logSettingsSchema.safeParse(input);
  if (!r.success) throw zodToAppError(r.error);
  writeSetting(getDb().$client, RETENTION_KEY, String(r.data.retention_days));
  return getLogSettings(actor);
}

export interface PurgeResult {
  logs: number;
  events: number;
  /** Rows deleted in all (logs + events; attempts and deliveries go with their log). */
  deleted: number;
  cutoff: number;
}

/**
 * Deletes logs and events created before now − `days`. Attempts and pending deliveries
 * go with their log (ON DELETE CASCADE). Each batch picks its rows through the created
 * index, so a batch costs the same at the start and the end of a million-row purge.
 */
export async function purgeOldLogs(days: number, batchSize = 500, db: DB = getDb(), now = Date.now()): Promise<PurgeResult> {
  const cutoff = now - days * DAY_MS;
  const c = db.$client;
  const size = Math.max(1, Math.trunc(batchSize));
  const delLogs = c.prepare(`DELETE FROM webhook_request_log WHERE name IN (SELECT name FROM webhook_request_log WHERE created < ? LIMIT ?)`);
  const delEvents = c.prepare(`DELETE FROM event WHERE id IN (SELECT id FROM event WHERE created < ? LIMIT ?)`);
  let logs = 0;
  let events = 0;
  for (const [stmt, add] of [
    [delLogs, (n: number) => (logs += n)],
    [delEvents, (n: number) => (events += n)],
  ] as const) {
    for (;;) {
      const n = c.transaction(() => stmt.run(cutoff, size).changes).immediate();
      add(n);
      if (n < size) break;
      await yieldToLoop();
    }
  }
  if (logs) clearStatsCache();
  return { logs, events, deleted: logs + events, cutoff };
}

/** "Clear Old Logs Now" from Log Settings. */
export async function purgeNow(actor: Actor | null): Promise<PurgeResult> {
  requireManager(actor);
  const db = getDb();
  writeSetting(db.$client, LAST_RUN_KEY, String(Date.now()));
  return purgeOldLogs(retentionDays(db.$client), 500, db);
}

let running = false;

/**
 * The daily purge: runs when the last run is a day old or more (the time is stored in the
 * setting table, so restarts and several processes still purge about once a day). Safe to
 * call every hour from the dispatcher: `setInterval(() => void runRetentionIfDue(), 3_600_000).unref()`.
 */
export async function runRetentionIfDue(db: DB = getDb(), now = Date.now()): Promise<PurgeResult | null> {
  if (running) return null;
  running = true;
  try {
    const c = db.$client;
    // Claim the run in one write, so two processes checking at once don't both purge.
    const claimed = c
      .transaction(() => {
        const last = Number(readSetting(c, LAST_RUN_KEY));
        if (Number.isFinite(last) && last > 0 && now - last < DAY_MS) return false;
        writeSetting(c, LAST_RUN_KEY, String(now), now);
        return true;
      })
      .immediate();
    if (!claimed) return null;
    const result = await purgeOldLogs(retentionDays(c), 500, db, now);
    // Ended sessions and passed sign-in windows are dead rows; nothing reads them again.
    purgeExpiredSessions(db, now);
    purgeThrottle(db, now);
    // Fresh statistics let the planner pick the most selective index for combined list
    // filters; analysis_limit keeps it to milliseconds on a million rows.
    c.pragma("analysis_limit = 1000");
    c.pragma("optimize");
    if (result.deleted) console.log(`[retention] deleted ${result.logs} request log(s) and ${result.events} event(s) older than ${retentionDays(c)} days`);
    return result;
  } catch (e) {
    console.error("[retention] purge failed:", e);
    return null;
  } finally {
    running = false;
  }
}
