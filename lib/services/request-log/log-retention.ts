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
import { encryptSecret } from "@/lib/crypto/secret-box";
import { tx } from "@/db";
import { invalid, zodToAppError } from "@/lib/errors";
import { purgeAlertsBefore } from "@/lib/ops/alert-send";
import { ALERT_WEBHOOK_SECRET_KEY, ALERT_WEBHOOK_URL_KEY } from "@/lib/ops/alerts";
import { logSettingsSchema } from "./request-log.schema";

export interface LogSettings {
  retention_days: number;
  /** Epoch ms of the last purge (daily or on demand), or null. */
  last_run: number | null;
  alert_webhook_url: string;
  /** The secret itself never leaves the server. */
  has_alert_webhook_secret: boolean;
}

export async function getLogSettings(actor: Actor | null): Promise<LogSettings> {
  requireManager(actor);
  const db = getDb();
  const last = Number(await readSetting(db, LAST_RUN_KEY));
  return {
    retention_days: await retentionDays(db),
    last_run: Number.isFinite(last) && last > 0 ? last : null,
    alert_webhook_url: (await readSetting(db, ALERT_WEBHOOK_URL_KEY)) ?? "",
    has_alert_webhook_secret: !!(await readSetting(db, ALERT_WEBHOOK_SECRET_KEY)),
  };
}

export async function setLogSettings(actor: Actor | null, input: unknown): Promise<LogSettings> {
  requireManager(actor);
  const r = logSettingsSchema.safeParse(input);
  if (!r.success) throw zodToAppError(r.error);
  const v = r.data;
  const db = getDb();
  await tx(
    async (t) => {
      await writeSetting(t, RETENTION_KEY, String(v.retention_days));
      if (v.alert_webhook_secret) {
        if (!v.alert_webhook_secret.startsWith("whsec_"))
          throw invalid("alert_webhook_secret", "Alert Webhook Secret must be a Standard Webhooks secret (whsec_…): use Generate");
        await writeSetting(t, ALERT_WEBHOOK_SECRET_KEY, encryptSecret(v.alert_webhook_secret));
      }
      if (v.alert_webhook_url !== undefined) {
        if (v.alert_webhook_url && !v.alert_webhook_secret && !(await readSetting(t, ALERT_WEBHOOK_SECRET_KEY)))
          throw invalid("alert_webhook_secret", "Alert Webhook Secret is required to sign the alerts: use Generate");
        await writeSetting(t, ALERT_WEBHOOK_URL_KEY, v.alert_webhook_url);
      }
    },
    {},
    db,
  );
  return getLogSettings(actor);
}

/** "Clear Old Logs Now" from Log Settings. */
export async function purgeNow(actor: Actor | null): Promise<PurgeResult & { alerts: number }> {
  requireManager(actor);
  const db = getDb();
  await writeSetting(db, LAST_RUN_KEY, String(Date.now()));
  // A purge that deleted logs writes PURGED_KEY, which drops every process's stats cache.
  const result = await purgeOldLogs(db, await retentionDays(db), 500);
  // Old alerts go too (those with a send still to retry stay), as the daily purge does.
  const alerts = await purgeAlertsBefore(db, result.cutoff);
  return { ...result, alerts };
}
