import { bigint, index, integer, json, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { bool, lifecycle, ms } from "./util";

/** What a host app posted to /api/events, with the routing trail of every webhook on its DocType. */
export const event = pgTable(
  "event",
  {
    id: text("id").primaryKey(),
    /** The optional idempotency key the host sent; a repeat is accepted once. */
    idempotencyKey: text("idempotency_key"),
    doctype: text("doctype").notNull(),
    event: text("event").notNull(),
    docname: text("docname").notNull(),
    /** Host-app user who did it, if sent. */
    user: text("user"),
    /** Our user and API key that posted it. */
    apiKey: text("api_key"),
    postedBy: text("posted_by"),
    /** Per webhook on the DocType: matched or why not. */
    routing: json("routing").$type<unknown[]>().notNull().default([]),
    created: ms("created").notNull(),
  },
  (t) => [
    uniqueIndex("event_idempotency_key_idx").on(t.idempotencyKey),
    index("event_created_idx").on(t.created),
    index("event_doc_idx").on(t.doctype, t.docname),
  ],
);

export const webhookRequestLog = pgTable(
  "webhook_request_log",
  {
    name: text("name").primaryKey(),
    // Seed 001 fields
    webhook: text("webhook"),
    referenceDocument: text("reference_document"),
    headers: text("headers"),
    data: text("data"),
    user: text("user"),
    url: text("url"),
    response: text("response"),
    error: text("error"),
    // Operating it
    referenceDoctype: text("reference_doctype"),
    docEvent: text("doc_event"),
    requestMethod: text("request_method"),
    event: text("event"),
    /** Queued, Delivered, Failed, Exhausted, Error, Cancelled (see lib/constants.ts). */
    status: text("status").notNull(),
    httpStatus: integer("http_status"),
    attempts: integer("attempts").notNull().default(0),
    nextRetry: ms("next_retry"),
    durationMs: integer("duration_ms"),
    isTest: bool("is_test").notNull().default(false),
    /**
     * The request's headers as rendered, for sending and resending (lib/delivery/sealed.ts):
     * encrypted when any is secret-bearing. Without the API key and signatures, which are
     * added from the webhook at send time (except for a presigned Send Test).
     */
    requestHeaders: text("request_headers"),
    /** The pending delivery is held because its webhook is disabled. */
    held: bool("held").notNull().default(false),
    ...lifecycle,
  },
  (t) => [
    index("webhook_request_log_created_idx").on(t.created, t.name),
    index("webhook_request_log_webhook_idx").on(t.webhook, t.created),
    index("webhook_request_log_status_idx").on(t.status, t.created),
    // "Failed requests of this webhook" (the chart's status links, bulk resend) without scanning either alone.
    index("webhook_request_log_webhook_status_idx").on(t.webhook, t.status, t.created),
    // The list's User filter: without it a user with few rows means scanning the whole table.
    index("webhook_request_log_user_idx").on(t.user, t.created),
    index("webhook_request_log_reference_idx").on(t.referenceDoctype, t.referenceDocument, t.created),
    index("webhook_request_log_event_idx").on(t.event),
  ],
);

export const webhookRequestAttempt = pgTable(
  "webhook_request_attempt",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    log: text("log")
      .notNull()
      .references(() => webhookRequestLog.name, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    started: ms("started").notNull(),
    success: bool("success").notNull(),
    httpStatus: integer("http_status"),
    durationMs: integer("duration_ms"),
    /** Capped at 64 KiB. */
    response: text("response"),
    error: text("error"),
    manual: bool("manual").notNull().default(false),
    /**
     * What the attempt was signed with, for the log's "Verify a Delivery" panel: JSON
     * { frappe?, id, timestamp, standard? }. HMAC outputs, not secrets, but never sent to the browser.
     */
    signature: text("signature"),
  },
  (t) => [index("webhook_request_attempt_log_idx").on(t.log, t.attempt)],
);

/**
 * The dispatcher's durable queue: one row per request still to send. The request itself
 * (method, URL, body, sealed headers) is on its log row, written once.
 */
export const delivery = pgTable(
  "delivery",
  {
    /** Sent as the `webhook-id` header, the same on every retry. */
    id: text("id").primaryKey(),
    log: text("log")
      .notNull()
      .references(() => webhookRequestLog.name, { onDelete: "cascade" }),
    webhook: text("webhook"),
    queue: text("queue").notNull().default("default"),
    timeoutMs: integer("timeout_ms").notNull(),
    maxRetries: integer("max_retries").notNull(),
    attempts: integer("attempts").notNull().default(0),
    /** One attempt and no retries (Resend, Re-render and send, Send Test). */
    manual: bool("manual").notNull().default(false),
    /** Signed from the webhook at send time; false: the stored headers are complete (Send Test). */
    sign: bool("sign").notNull().default(true),
    /** Not claimed while its webhook is disabled. */
    held: bool("held").notNull().default(false),
    dueAt: ms("due_at").notNull(),
    leaseOwner: text("lease_owner"),
    leaseUntil: ms("lease_until"),
    /**
     * PostgreSQL: the id of the pg-boss job that carries this delivery now (a fetched job with
     * another id is stale and completed unsent). Unused on SQLite.
     */
    job: text("job"),
    /**
     * The send slot (epoch ms) this delivery reserved from its webhook's rate limit: it is sent
     * at or after it without taking another. Cleared when the slot is used.
     */
    rateSlot: ms("rate_slot"),
    /**
     * Send in Order per Document: the document (its DocType and name, JSON) this delivery is
     * ordered by, when its webhook asked for order at ingest; null: sent whenever due.
     */
    orderKey: text("order_key"),
    created: ms("created").notNull(),
  },
  (t) => [
    index("delivery_claim_idx").on(t.queue, t.held, t.dueAt),
    index("delivery_webhook_idx").on(t.webhook),
    index("delivery_log_idx").on(t.log),
    index("delivery_order_idx")
      .on(t.webhook, t.orderKey)
      .where(sql`order_key IS NOT NULL`),
  ],
);

/** Key/value settings such as Log Settings' retention days. */
export const setting = pgTable("setting", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  modified: ms("modified").notNull(),
});

/**
 * Background jobs shown with progress in the desk (bulk resend). Durable: the work list is
 * stored and `done` moves in the same transaction as each batch, so a job resumes where it
 * stopped after a restart or kill -9 (whoever holds the lease runs it).
 */
export const job = pgTable("job", {
  id: text("id").primaryKey(),
  kind: text("kind").notNull(),
  status: text("status").notNull(),
  total: integer("total").notNull().default(0),
  done: integer("done").notNull().default(0),
  skipped: integer("skipped").notNull().default(0),
  error: text("error"),
  owner: text("owner").notNull(),
  /** JSON: the job's input (for bulk resend, the log names in order). */
  payload: text("payload"),
  leaseOwner: text("lease_owner"),
  leaseUntil: ms("lease_until"),
  ...lifecycle,
});

export type Event = typeof event.$inferSelect;
export type WebhookRequestLog = typeof webhookRequestLog.$inferSelect;
export type WebhookRequestAttempt = typeof webhookRequestAttempt.$inferSelect;
export type Delivery = typeof delivery.$inferSelect;
