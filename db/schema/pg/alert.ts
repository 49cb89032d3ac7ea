import { index, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { user } from "./user";
import { webhook } from "./webhook";
import { ms } from "./util";

/**
 * A webhook's failing streak, for auto-disable and its alerts (lib/ops/alerts). Written by
 * lib/delivery when an outcome is recorded (a failure starts or continues the streak, a
 * success on a failing webhook ends it) and by the maintenance sweep, whose conditional
 * UPDATEs (warned, disabled_at, the exhausted counters) make each alert go out once.
 */
export const webhookHealth = pgTable("webhook_health", {
  webhook: text("webhook")
    .primaryKey()
    .references(() => webhook.name, { onDelete: "cascade", onUpdate: "cascade" }),
  /** The first failure since the last success; null: healthy. */
  failingSince: ms("failing_since"),
  lastFailure: ms("last_failure"),
  lastError: text("last_error"),
  /** The highest warning sent in this streak (50, 70, 90; 100: disabled); 0: none. */
  warned: integer("warned").notNull().default(0),
  /** A streak with warnings ended then: the sweep owes a webhook.recovered alert (null once sent). */
  recoveredAt: ms("recovered_at"),
  /** When the sweep disabled it; null once it is enabled again. */
  disabledAt: ms("disabled_at"),
  /** Deliveries that ended Exhausted, and how many of them an alert has told of. */
  exhausted: integer("exhausted").notNull().default(0),
  exhaustedAlerted: integer("exhausted_alerted").notNull().default(0),
  exhaustedAlertAt: ms("exhausted_alert_at"),
  lastExhaustedLog: text("last_exhausted_log"),
  modified: ms("modified").notNull(),
});

/** One operational event (webhook.failing, webhook.recovered, webhook.disabled, delivery.exhausted). */
export const alert = pgTable(
  "alert",
  {
    id: text("id").primaryKey(),
    event: text("event").notNull(),
    webhook: text("webhook"),
    subject: text("subject").notNull(),
    message: text("message").notNull(),
    /** The alert webhook's JSON body, as sent. */
    payload: text("payload").notNull(),
    created: ms("created").notNull(),
  },
  (t) => [index("alert_created_idx").on(t.created)],
);

/** Which System Manager has read which alert (the bell's unread count). */
export const alertRead = pgTable(
  "alert_read",
  {
    alert: text("alert")
      .notNull()
      .references(() => alert.id, { onDelete: "cascade" }),
    user: text("user")
      .notNull()
      .references(() => user.name, { onDelete: "cascade", onUpdate: "cascade" }),
    readAt: ms("read_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.alert, t.user] }), index("alert_read_user_idx").on(t.user)],
);

/** The alerts' outbox: one email to one System Manager, or one POST to the Alert Webhook URL, retried until sent. */
export const alertSend = pgTable(
  "alert_send",
  {
    id: text("id").primaryKey(),
    alert: text("alert")
      .notNull()
      .references(() => alert.id, { onDelete: "cascade" }),
    /** "email" or "webhook". */
    channel: text("channel").notNull(),
    /** The address or the URL. */
    target: text("target").notNull(),
    /** Queued, Sent, Failed (a retry follows), Exhausted. */
    status: text("status").notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    nextAttempt: ms("next_attempt").notNull(),
    leaseUntil: ms("lease_until"),
    created: ms("created").notNull(),
    modified: ms("modified").notNull(),
  },
  (t) => [index("alert_send_due_idx").on(t.status, t.nextAttempt), index("alert_send_alert_idx").on(t.alert)],
);

export type Alert = typeof alert.$inferSelect;
export type AlertSend = typeof alertSend.$inferSelect;
export type WebhookHealth = typeof webhookHealth.$inferSelect;
