import "server-only";
// Log Settings' retention: how long Request Log rows (with their attempts, pending
// deliveries and the events) are kept — 30 days by default, as in Frappe — and the purge.
// The purge deletes in small batches, each its own short transaction, so the dispatcher
// and ingest (other threads or processes, same database) keep writing while a big purge runs.
import { and, eq, inArray, lt } from "drizzle-orm";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { changes, tx, type DB } from "@/db";
import { event, setting } from "@/db/schema";
import { purgeLogsBefore } from "./store";

export const RETENTION_KEY = "log_retention_days";
export const LAST_RUN_KEY = "log_retention_last_run";
/** When a purge last deleted logs (epoch ms): caches of what the logs held check it (request-log-stats). */
export const PURGED_KEY = "log_retention_purged";
const DEFAULT_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

export async function readSetting(db: DB, key: string): Promise<string | undefined> {
  const [row] = await db.select({ value: setting.value }).from(setting).where(eq(setting.key, key)).limit(1);
  return row?.value;
}

/** Sets a setting, in the caller's transaction or one of its own. */
export async function writeSetting(db: DB, key: string, value: string, now = Date.now()): Promise<void> {
  await tx(
    (t) =>
      t
        .insert(setting)
        .values({ key, value, modified: now })
        .onConflictDoUpdate({ target: setting.key, set: { value, modified: now } }),
    {},
    db,
  );
}

export async function retentionDays(db: DB): Promise<number> {
  const n = Number(await readSetting(db, RETENTION_KEY));
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
export async function purgeOldLogs(db: DB, days: number, batchSize = 500, now = Date.now()): Promise<PurgeResult> {
  const cutoff = now - days * DAY_MS;
  const size = Math.max(1, Math.trunc(batchSize));
  let logs = 0;
  let events = 0;
  for (;;) {
    const n = await tx((t) => purgeLogsBefore(t, cutoff, size), {}, db);
    logs += n;
    if (n < size) break;
    await yieldToLoop();
  }
  for (;;) {
    const n = await tx(
      async (t) =>
        changes(
          await t
            .delete(event)
            .where(
              inArray(
                event.id,
                t.select({ id: event.id }).from(event).where(lt(event.created, cutoff)).orderBy(event.created, event.id).limit(size),
              ),
            ),
        ),
      {},
      db,
    );
    events += n;
    if (n < size) break;
    await yieldToLoop();
  }
  // Attempts are gone: every process drops the hours it cached from them (request-log-stats).
  if (logs) await writeSetting(db, PURGED_KEY, String(Date.now()));
  return { logs, events, deleted: logs + events, cutoff };
}

/**
 * Claims today's purge: true when the last run is a day old or more (the time is stored,
 * so restarts and several processes still purge about once a day). A compare-and-set on
 * the stored time, so of several processes claiming at once exactly one wins, on either dialect.
 */
export async function claimDailyRun(db: DB, now = Date.now()): Promise<boolean> {
  return tx(
    async (t) => {
      const last = await readSetting(t, LAST_RUN_KEY);
      const at = Number(last);
      if (Number.isFinite(at) && at > 0 && now - at < DAY_MS) return false;
      const claimed =
        last === undefined
          ? await t
              .insert(setting)
              .values({ key: LAST_RUN_KEY, value: String(now), modified: now })
              .onConflictDoNothing()
          : await t
              .update(setting)
              .set({ value: String(now), modified: now })
              .where(and(eq(setting.key, LAST_RUN_KEY), eq(setting.value, last)));
      return changes(claimed) > 0;
    },
    {},
    db,
  );
}
