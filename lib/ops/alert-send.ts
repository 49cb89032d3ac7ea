import "server-only";
// The alerts' outbox (alert_send): emails over SMTP (SMTP_URL, ALERT_EMAIL_FROM; nodemailer)
// and POSTs of the operational event to the Alert Webhook URL, signed with Standard
// Webhooks (webhook-id is the send's id, the same on every retry; timestamp and signature
// fresh per attempt). A failed send is retried on the webhooks' retry schedule and shows in
// the desk (Alerts page: status, attempts, last error); it never raises an alert itself.
import { and, asc, eq, inArray, isNull, lt, lte, notInArray, or } from "drizzle-orm";
import nodemailer, { type Transporter } from "nodemailer";
import { changes, type DB } from "@/db";
import { alert, alertSend, type Alert, type AlertSend } from "@/db/schema";
import { decryptSecret } from "@/lib/crypto/secret-box";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";
import { readSetting } from "@/lib/delivery/retention";
import { standardWebhookHeaders } from "@/lib/renderer/signature";
import { ALERT_WEBHOOK_SECRET_KEY, webhookLink } from "./alerts";

const SEND_STATUS = { queued: "Queued", sent: "Sent", failed: "Failed", exhausted: "Exhausted" } as const;

/** How an alert webhook POST goes out: the dispatcher's HTTP client (SSRF guard, timeout), injected by maintenance. */
export type HttpSend = (req: {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}) => Promise<{ httpStatus?: number; error?: string; response?: string }>;

export interface SendOptions {
  http: HttpSend;
  /** Milliseconds between attempts (the webhooks' WEBHOOK_RETRY_SCHEDULE); attempts = its length + 1. */
  retryScheduleMs: number[];
  now?: number;
  batch?: number;
}

const log = logger("alerts");
const LEASE_MS = 60_000;
const TIMEOUT_MS = 10_000;

let transport: { url: string; t: Transporter } | undefined;
function mailer(url: string): Transporter {
  if (transport?.url !== url) transport = { url, t: nodemailer.createTransport(url) };
  return transport.t;
}

/** An error's text without the SMTP password (nodemailer may quote the URL). */
function scrub(message: string): string {
  const url = env().SMTP_URL;
  if (!url) return message;
  try {
    const pw = decodeURIComponent(new URL(url).password);
    return pw ? message.split(pw).join("*****") : message;
  } catch {
    return message;
  }
}

function emailOf(a: Alert): { subject: string; text: string } {
  const link = a.webhook ? webhookLink(a.webhook) : "";
  return {
    subject: `[Webhook Desk] ${a.subject}`,
    text: `${a.message}\n\n${link ? `Webhook: ${link}\n` : ""}Event: ${a.event}\nAt: ${new Date(a.created).toISOString()}\n\nYou get these emails because Send Alert Emails is on in your User settings.\n`,
  };
}

async function sendOne(db: DB, s: AlertSend, a: Alert, opts: SendOptions): Promise<string | undefined> {
  if (s.channel === "email") {
    const url = env().SMTP_URL;
    if (!url) return "SMTP_URL is not set";
    const from = env().ALERT_EMAIL_FROM;
    try {
      await mailer(url).sendMail({ from, to: s.target, ...emailOf(a) });
      return undefined;
    } catch (e) {
      return scrub(e instanceof Error ? e.message : String(e));
    }
  }
  const secret = decryptSecret(await readSetting(db, ALERT_WEBHOOK_SECRET_KEY));
  const ts = Math.floor((opts.now ?? Date.now()) / 1000);
  const headers = {
    "content-type": "application/json",
    "user-agent": "Webhook-Desk-Alerts",
    ...(secret ? standardWebhookHeaders(s.id, ts, a.payload, [secret]) : { "webhook-id": s.id, "webhook-timestamp": String(ts) }),
  };
  const r = await opts.http({ method: "POST", url: s.target, headers, body: a.payload, timeoutMs: TIMEOUT_MS });
  if (r.httpStatus !== undefined && r.httpStatus >= 200 && r.httpStatus < 300) return undefined;
  return r.error ?? `HTTP ${r.httpStatus ?? "?"}${r.response ? `: ${r.response.slice(0, 200)}` : ""}`;
}

/**
 * Sends the due outbox rows (Queued, or Failed with their retry due). Each row is leased by
 * a conditional UPDATE first, so two processes never send one row; a crash mid-send leaves
 * the lease to expire and the row is tried again.
 */
export async function runAlertSends(db: DB, opts: SendOptions): Promise<number> {
  const now = opts.now ?? Date.now();
  const due = await db
    .select()
    .from(alertSend)
    .where(
      and(
        inArray(alertSend.status, [SEND_STATUS.queued, SEND_STATUS.failed]),
        lte(alertSend.nextAttempt, now),
        or(isNull(alertSend.leaseUntil), lt(alertSend.leaseUntil, now)),
      ),
    )
    .orderBy(asc(alertSend.nextAttempt))
    .limit(opts.batch ?? 20);
  let sent = 0;
  for (const s of due) {
    const leased = await db
      .update(alertSend)
      .set({ leaseUntil: now + LEASE_MS })
      .where(
        and(eq(alertSend.id, s.id), eq(alertSend.attempts, s.attempts), or(isNull(alertSend.leaseUntil), lt(alertSend.leaseUntil, now))),
      );
    if (!changes(leased)) continue;
    const [a] = await db.select().from(alert).where(eq(alert.id, s.alert)).limit(1);
    if (!a) continue;
    const error = await sendOne(db, s, a, opts);
    const attempts = s.attempts + 1;
    const end = Date.now();
    const schedule = opts.retryScheduleMs.length ? opts.retryScheduleMs : [5000];
    const exhausted = attempts > schedule.length;
    await db
      .update(alertSend)
      .set(
        error === undefined
          ? { status: SEND_STATUS.sent, attempts, lastError: null, leaseUntil: null, modified: end }
          : {
              status: exhausted ? SEND_STATUS.exhausted : SEND_STATUS.failed,
              attempts,
              lastError: error.slice(0, 1000),
              leaseUntil: null,
              nextAttempt: exhausted ? s.nextAttempt : end + (schedule[attempts - 1] ?? 5000),
              modified: end,
            },
      )
      .where(eq(alertSend.id, s.id));
    if (error === undefined) sent += 1;
    else log.warn({ send: s.id, channel: s.channel, attempt: attempts, error }, "alert send failed");
  }
  return sent;
}

/**
 * Retention for alerts: deletes up to `limit` alerts created before `cutoff` whose sends have
 * all ended (Sent or Exhausted; one still to retry is kept), with their sends and read marks
 * (ON DELETE CASCADE), in batches of their own transactions. Returns how many.
 */
export async function purgeAlertsBefore(db: DB, cutoff: number, batchSize = 500): Promise<number> {
  let n = 0;
  for (;;) {
    const pending = db
      .select({ alert: alertSend.alert })
      .from(alertSend)
      .where(inArray(alertSend.status, [SEND_STATUS.queued, SEND_STATUS.failed]));
    const batch = db
      .select({ id: alert.id })
      .from(alert)
      .where(and(lt(alert.created, cutoff), notInArray(alert.id, pending)))
      .orderBy(asc(alert.created))
      .limit(batchSize);
    const gone = changes(await db.delete(alert).where(inArray(alert.id, batch)));
    n += gone;
    if (gone < batchSize) return n;
  }
}
