import "server-only";
// Log Settings' retention: how long Request Log rows (with their attempts, pending
// deliveries and the events) are kept — 30 days by default, as in Frappe — and the purge.
// The purge deletes in small batches, each its own short transaction, so the dispatcher
// and ingest (other threads, same database) keep writing while a big purge runs.
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type Database from "better-sqlite3";
import { purgeLogsBefore } from "./store";

export const RETENTION_KEY = "log_retention_days";
export const LAST_RUN_KEY = "log_retention_last_run";
const DEFAULT_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

export function readSetting(db: Database.Database, key: string): string | undefined {
  return (db.prepare(`SELECT value FROM setting WHERE key = ?`).get(key) as { value: string } | undefined)?.value;
}

export function writeSetting(db: Database.Database, key: string, value: string, now = Date.now()): void {
  db.prepare(
    `INSERT INTO setting (key, value, modified) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, modified = excluded.modified`,
  ).run(key, value, now);
}

export function retentionDays(db: Database.Database): number {
  const n = Number(readSetting(db, RETENTION_KEY));
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_RETENTION_DAYS;
}

export interface PurgeResult {
  logs: number;
  events: number;
  /** Rows deleted in all (logs + events; attempts and deliveries go with their log). */
  deleted: number;
  cutoff: number;
}

/**
 * Deletes logs and events created before now − `days`. Each batch picks its rows through
 * the created index, so a batch costs the same at the start and the end of a big purge.
 */
export async function purgeOldLogs(db: Database.Database, days: number, batchSize = 500, now = Date.now()): Promise<PurgeResult> {
  const cutoff = now - days * DAY_MS;
  const size = Math.max(1, Math.trunc(batchSize));
  const delEvents = db.prepare(`DELETE FROM event WHERE id IN (SELECT id FROM event WHERE created < ? LIMIT ?)`);
  let logs = 0;
  let events = 0;
  for (;;) {
    const n = purgeLogsBefore(db, cutoff, size);
    logs += n;
    if (n < size) break;
    await yieldToLoop();
  }
  for (;;) {
    const n = db.transaction(() => delEvents.run(cutoff, size).changes).immediate();
    events += n;
    if (n < size) break;
    await yieldToLoop();
  }
  return { logs, events, deleted: logs + events, cutoff };
}

/**
 * Claims today's purge: true when the last run is a day old or more (the time is stored,
 * so restarts and several processes still purge about once a day).
 */
export function claimDailyRun(db: Database.Database, now = Date.now()): boolean {
  return db
    .transaction(() => {
      const last = Number(readSetting(db, LAST_RUN_KEY));
      if (Number.isFinite(last) && last > 0 && now - last < DAY_MS) return false;
      writeSetting(db, LAST_RUN_KEY, String(now), now);
      return true;
    })
    .immediate();
}
