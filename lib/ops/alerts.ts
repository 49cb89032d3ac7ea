import "server-only";
// Alerts that reach a person: the webhook health sweep (auto-disable and its warnings) and
// the alerts it raises. Each alert is one `alert` row (the desk's bell) plus its outbox rows
// (`alert_send`: an email per System Manager who asked for them, a POST to the Alert Webhook
// URL), written in the transaction that won the change of state, so an alert goes out once.
// alert-send.ts sends the outbox. Alerts are never raised about alert sends themselves.
import { and, eq } from "drizzle-orm";
import { tx, type DB } from "@/db";
import { alert, alertSend, hasRole, user, version, webhook } from "@/db/schema";
import { SYSTEM_MANAGER } from "@/lib/constants";
import { bumpWebhookVersion, holdWebhook } from "@/lib/delivery";
import { claimDisable, claimExhausted, claimRecovered, claimWarning, healthToSweep, type HealthRow } from "@/lib/delivery/health-store";
import { readSetting } from "@/lib/delivery/retention";
import { env } from "@/lib/env";
import { newId } from "@/lib/ids";

/** The operational events (the Alert Webhook's `type`). */
type AlertEvent = "webhook.failing" | "webhook.recovered" | "webhook.disabled" | "delivery.exhausted";

/** Log Settings: where operational events are POSTed, and the secret they are signed with (encrypted). */
export const ALERT_WEBHOOK_URL_KEY = "alert_webhook_url";
export const ALERT_WEBHOOK_SECRET_KEY = "alert_webhook_secret";

export const DAY_MS = 86_400_000;
/** Warnings at these shares of Disable After. */
const WARN_LEVELS = [50, 70, 90] as const;
/** At most one delivery.exhausted alert per webhook this often (the count says how many). */
const EXHAUSTED_ALERT_EVERY_MS = 3_600_000;

/** The desk's public address, for links in emails and payloads. */
function deskUrl(): string {
  const e = env();
  const base = e.NEXTAUTH_URL || `http://localhost:${e.PORT}`;
  return base.replace(/\/+$/, "");
}
export const webhookLink = (name: string) => `${deskUrl()}/app/webhook/${encodeURIComponent(name)}`;

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

interface NewAlert {
  event: AlertEvent;
  webhook: string;
  subject: string;
  message: string;
  data: Record<string, unknown>;
}

/** Writes an alert and its outbox rows, in the caller's transaction. */
async function raiseAlert(t: DB, a: NewAlert, now: number): Promise<string> {
  const id = newId("alr-", now);
  const payload = JSON.stringify({
    type: a.event,
    timestamp: new Date(now).toISOString(),
    data: { webhook: a.webhook, url: webhookLink(a.webhook), message: a.message, ...a.data },
  });
  await t.insert(alert).values({ id, event: a.event, webhook: a.webhook, subject: a.subject, message: a.message, payload, created: now });
  const targets: { channel: "email" | "webhook"; target: string }[] = [];
  if (env().SMTP_URL) {
    const people = await t
      .select({ email: user.email })
      .from(user)
      .innerJoin(hasRole, eq(hasRole.user, user.name))
      .where(and(eq(hasRole.role, SYSTEM_MANAGER), eq(user.enabled, true), eq(user.sendAlertEmails, true)));
    for (const p of people) if (p.email.includes("@")) targets.push({ channel: "email", target: p.email });
  }
  const hookUrl = await readSetting(t, ALERT_WEBHOOK_URL_KEY);
  if (hookUrl) targets.push({ channel: "webhook", target: hookUrl });
  if (targets.length)
    await t.insert(alertSend).values(
      targets.map((x) => ({
        id: newId("als-", now),
        alert: id,
        channel: x.channel,
        target: x.target,
        status: "Queued",
        attempts: 0,
        // Due at once (a sweep whose clock a test moved ahead does not push them into its future).
        nextAttempt: Math.min(now, Date.now()),
        created: now,
        modified: now,
      })),
    );
  return id;
}

const pctOf = (r: HealthRow, now: number) =>
  r.failingSince === null || r.disableAfter <= 0 ? 0 : ((now - r.failingSince) / (r.disableAfter * DAY_MS)) * 100;

const days = (d: number) => `${Number(d.toFixed(4))} day${d === 1 ? "" : "s"}`;

/** Disables the webhook the sweep found failing for its whole Disable After (in the transaction that won it). */
async function disable(t: DB, r: HealthRow, now: number): Promise<void> {
  await t.update(webhook).set({ enabled: false, modified: now }).where(eq(webhook.name, r.webhook));
  await bumpWebhookVersion(t, now);
  const held = await holdWebhook(t, r.webhook, now);
  await t.insert(version).values({
    refDoctype: "Webhook",
    docname: r.webhook,
    data: { changed: [["enabled", 1, 0]], comment: `Disabled automatically: every request failed for ${days(r.disableAfter)}` },
    owner: "Administrator",
    created: now,
  });
  await raiseAlert(
    t,
    {
      event: "webhook.disabled",
      webhook: r.webhook,
      subject: `Webhook ${r.webhook} was disabled`,
      message: `Every request of webhook ${r.webhook} failed for ${days(r.disableAfter)} (since ${iso(r.failingSince)}). It was disabled and its ${held} pending request${held === 1 ? " is" : "s are"} held; Re-enable it on its page to send them.`,
      data: { failing_since: iso(r.failingSince), disable_after_days: r.disableAfter, held, last_error: r.lastError },
    },
    now,
  );
}

export interface SweepResult {
  warned: number;
  disabled: number;
  recovered: number;
  exhausted: number;
}

/**
 * The health sweep (maintenance, every few seconds; any number of processes): warnings at
 * 50/70/90 % of Disable After, the disable at 100 %, webhook.recovered after a warned streak
 * ended, delivery.exhausted at most hourly per webhook. `now` can be moved for tests.
 */
export async function sweepHealth(db: DB, now = Date.now(), opts: { exhaustedEveryMs?: number } = {}): Promise<SweepResult> {
  const out: SweepResult = { warned: 0, disabled: 0, recovered: 0, exhausted: 0 };
  const every = opts.exhaustedEveryMs ?? EXHAUSTED_ALERT_EVERY_MS;
  for (const r of await healthToSweep(db)) {
    if (r.recoveredAt !== null && r.failingSince === null)
      await tx(
        async (t) => {
          if (!(await claimRecovered(t, r, now))) return;
          out.recovered += 1;
          await raiseAlert(
            t,
            {
              event: "webhook.recovered",
              webhook: r.webhook,
              subject: `Webhook ${r.webhook} has recovered`,
              message: `Webhook ${r.webhook} delivered a request again at ${iso(r.recoveredAt)}.`,
              data: { recovered_at: iso(r.recoveredAt) },
            },
            now,
          );
        },
        {},
        db,
      );
    const pct = pctOf(r, now);
    if (r.enabled && r.failingSince !== null && r.disableAfter > 0 && r.disabledAt === null) {
      if (pct >= 100) {
        await tx(
          async (t) => {
            if (!(await claimDisable(t, r, now))) return;
            out.disabled += 1;
            await disable(t, r, now);
          },
          {},
          db,
        );
      } else {
        const level = WARN_LEVELS.filter((l) => l <= pct).pop();
        if (level && level > r.warned)
          await tx(
            async (t) => {
              if (!(await claimWarning(t, r, level, now))) return;
              out.warned += 1;
              const left = r.disableAfter * DAY_MS - (now - (r.failingSince ?? now));
              await raiseAlert(
                t,
                {
                  event: "webhook.failing",
                  webhook: r.webhook,
                  subject: `Webhook ${r.webhook} is failing (${level} % of Disable After)`,
                  message: `Every request of webhook ${r.webhook} has failed since ${iso(r.failingSince)}. It will be disabled at ${iso(now + left)} unless a request gets through. Last error: ${r.lastError ?? "—"}`,
                  data: {
                    percent: level,
                    failing_since: iso(r.failingSince),
                    disable_at: iso(now + left),
                    disable_after_days: r.disableAfter,
                    last_error: r.lastError,
                  },
                },
                now,
              );
            },
            {},
            db,
          );
      }
    }
    if (r.exhausted > r.exhaustedAlerted && (r.exhaustedAlertAt === null || now - r.exhaustedAlertAt >= every))
      await tx(
        async (t) => {
          if (!(await claimExhausted(t, r, now))) return;
          out.exhausted += 1;
          const n = r.exhausted - r.exhaustedAlerted;
          await raiseAlert(
            t,
            {
              event: "delivery.exhausted",
              webhook: r.webhook,
              subject: `Webhook ${r.webhook}: ${n} request${n === 1 ? "" : "s"} gave up`,
              message: `${n} request${n === 1 ? "" : "s"} of webhook ${r.webhook} used up ${n === 1 ? "its" : "their"} retries${r.lastExhaustedLog ? ` (latest: ${r.lastExhaustedLog})` : ""}. Last error: ${r.lastError ?? "—"}`,
              data: { count: n, request_log: r.lastExhaustedLog, last_error: r.lastError },
            },
            now,
          );
        },
        {},
        db,
      );
  }
  return out;
}
