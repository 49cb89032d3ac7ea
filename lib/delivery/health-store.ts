import "server-only";
// webhook_health's other door (the outcome path writes it in store-sqlite/store-pg): the
// maintenance sweep's conditional UPDATEs, each of which only one process can win, so an
// alert about a change of state goes out exactly once however many workers sweep; and the
// reset when a System Manager enables a webhook again.
import { and, eq, gt, isNotNull, isNull, lt, or } from "drizzle-orm";
import { changes, type DB } from "@/db";
import { webhook, webhookHealth, type WebhookHealth } from "@/db/schema";

export type HealthRow = WebhookHealth & { enabled: boolean; disableAfter: number; requestUrl: string };

/** Health rows with something for the sweep to look at (a streak, a recovery or exhausted deliveries not told of). */
export async function healthToSweep(db: DB): Promise<HealthRow[]> {
  const rows = await db
    .select({ h: webhookHealth, enabled: webhook.enabled, disableAfter: webhook.disableAfter, requestUrl: webhook.requestUrl })
    .from(webhookHealth)
    .innerJoin(webhook, eq(webhook.name, webhookHealth.webhook))
    .where(
      or(
        isNotNull(webhookHealth.failingSince),
        isNotNull(webhookHealth.recoveredAt),
        gt(webhookHealth.exhausted, webhookHealth.exhaustedAlerted),
      ),
    );
  return rows.map((r) => ({ ...r.h, enabled: r.enabled, disableAfter: r.disableAfter, requestUrl: r.requestUrl }));
}

/** One webhook's health row, if it ever failed. */
export async function healthOf(db: DB, name: string): Promise<WebhookHealth | undefined> {
  const [row] = await db.select().from(webhookHealth).where(eq(webhookHealth.webhook, name)).limit(1);
  return row;
}

const sameStreak = (r: Pick<WebhookHealth, "webhook" | "failingSince">) =>
  and(
    eq(webhookHealth.webhook, r.webhook),
    r.failingSince === null ? isNull(webhookHealth.failingSince) : eq(webhookHealth.failingSince, r.failingSince),
  );

/** Marks the streak warned at `level` %; true for the one caller that moved it. */
export async function claimWarning(db: DB, r: WebhookHealth, level: number, now: number): Promise<boolean> {
  const res = await db
    .update(webhookHealth)
    .set({ warned: level, modified: now })
    .where(and(sameStreak(r), lt(webhookHealth.warned, level)));
  return changes(res) > 0;
}

/** Marks the streak's webhook disabled; true for the one caller that did (it then disables the webhook, same transaction). */
export async function claimDisable(db: DB, r: WebhookHealth, now: number): Promise<boolean> {
  const res = await db
    .update(webhookHealth)
    .set({ warned: 100, disabledAt: now, modified: now })
    .where(and(sameStreak(r), isNull(webhookHealth.disabledAt)));
  return changes(res) > 0;
}

/** Takes the recovery owed an alert; true for the one caller that did. */
export async function claimRecovered(db: DB, r: WebhookHealth, now: number): Promise<boolean> {
  if (r.recoveredAt === null) return false;
  const res = await db
    .update(webhookHealth)
    .set({ recoveredAt: null, modified: now })
    .where(and(eq(webhookHealth.webhook, r.webhook), eq(webhookHealth.recoveredAt, r.recoveredAt)));
  return changes(res) > 0;
}

/** Counts the exhausted deliveries up to `r.exhausted` as told of; true for the one caller that did. */
export async function claimExhausted(db: DB, r: WebhookHealth, now: number): Promise<boolean> {
  const res = await db
    .update(webhookHealth)
    .set({ exhaustedAlerted: r.exhausted, exhaustedAlertAt: now, modified: now })
    .where(and(eq(webhookHealth.webhook, r.webhook), eq(webhookHealth.exhaustedAlerted, r.exhaustedAlerted)));
  return changes(res) > 0;
}

/** Enabling a webhook (Re-enable, or the Enabled check): it starts healthy, its old streak forgotten. */
export async function resetHealth(db: DB, name: string, now = Date.now()): Promise<void> {
  await db
    .update(webhookHealth)
    .set({ failingSince: null, warned: 0, disabledAt: null, recoveredAt: null, modified: now })
    .where(eq(webhookHealth.webhook, name));
}
