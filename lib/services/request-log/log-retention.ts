import "server-only";
// Log Settings: the retention period a System Manager sets, and "Clear Old Logs Now". The
// purge itself is lib/delivery's; the daily run is the maintenance thread's (lib/dispatcher/thread.ts).
import { getDb } from "@/db";
import { requireManager, type Actor } from "@/lib/auth/roles";
import {
  LAST_RUN_KEY,
  RETENTION_KEY,
  purgeOldLogs,
  readSetting,
  retentionDays,
  writeSetting,
  type PurgeResult,
} from "@/lib/delivery/retention";
import { zodToAppError } from "@/lib/errors";
import { logSettingsSchema } from "./request-log.schema";

export interface LogSettings {
  retention_days: number;
  /** Epoch ms of the last purge (daily or on demand), or null. */
  last_run: number | null;
}

export async function getLogSettings(actor: Actor | null): Promise<LogSettings> {
  requireManager(actor);
  const db = getDb();
  const last = Number(await readSetting(db, LAST_RUN_KEY));
  return { retention_days: await retentionDays(db), last_run: Number.isFinite(last) && last > 0 ? last : null };
}

export async function setLogSettings(actor: Actor | null, input: unknown): Promise<LogSettings> {
  requireManager(actor);
  const r = logSettingsSchema.safeParse(input);
  if (!r.success) throw zodToAppError(r.error);
  await writeSetting(getDb(), RETENTION_KEY, String(r.data.retention_days));
  return getLogSettings(actor);
}

/** "Clear Old Logs Now" from Log Settings. */
export async function purgeNow(actor: Actor | null): Promise<PurgeResult> {
  requireManager(actor);
  const db = getDb();
  await writeSetting(db, LAST_RUN_KEY, String(Date.now()));
  // A purge that deleted logs writes PURGED_KEY, which drops every process's stats cache.
  return purgeOldLogs(db, await retentionDays(db), 500);
}
