import { index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { bool, lifecycle, ms } from "./util";

/**
 * Frappe's Webhook (seed 000), same fieldnames, plus what operating it needs
 * (max_retries, multi-event subscriptions, API key, signing scheme, secret rotation).
 */
export const webhook = sqliteTable(
  "webhook",
  {
    /** Typed by the user, unique (Frappe: autoname Prompt). */
    name: text("name").primaryKey(),
    webhookDoctype: text("webhook_doctype").notNull(),
    webhookDocevent: text("webhook_docevent").notNull(),
    /** Seed 004: several Doc Events at once; JSON array, empty = just webhook_docevent. */
    webhookEvents: text("webhook_events", { mode: "json" }).$type<string[]>().notNull().default([]),
    enabled: bool("enabled").notNull().default(true),
    condition: text("condition").notNull().default(""),
    requestUrl: text("request_url").notNull(),
    isDynamicUrl: bool("is_dynamic_url").notNull().default(false),
    /** Seconds. */
    timeout: integer("timeout").notNull().default(5),
    backgroundJobsQueue: text("background_jobs_queue").notNull().default("default"),
    requestMethod: text("request_method").notNull().default("POST"),
    /** "", "Form URL-Encoded", "JSON", "Event Envelope". */
    requestStructure: text("request_structure").notNull().default(""),
    enableSecurity: bool("enable_security").notNull().default(false),
    /** AES-256-GCM ciphertext (lib/crypto/secret-box.ts); never sent to the browser. */
    webhookSecret: text("webhook_secret"),
    /** Previous secret, still signing until previous_secret_expires (rotation). */
    previousSecret: text("previous_secret"),
    previousSecretExpires: ms("previous_secret_expires"),
    /** "frappe" (X-Frappe-Webhook-Signature), "standard" (Standard Webhooks) or "both". */
    signatureScheme: text("signature_scheme").notNull().default("frappe"),
    webhookJson: text("webhook_json").notNull().default(""),
    previewDocument: text("preview_document"),
    maxRetries: integer("max_retries").notNull().default(5),
    /** Requests per second the dispatcher sends at most (decimals allowed); null: no limit. */
    maxRequestsPerSecond: real("max_requests_per_second"),
    /**
     * Send in Order per Document: a document's next request waits until the previous one is
     * Delivered, Exhausted or otherwise finished (lib/delivery/order.ts).
     */
    sendInOrder: bool("send_in_order").notNull().default(false),
    /** Days of nothing but failed requests after which it is disabled (fractions allowed); 0: never. */
    disableAfter: real("disable_after").notNull().default(5),
    /** Seed 004. */
    notificationType: text("notification_type").notNull().default("REST"),
    apiKey: text("api_key"),
    apiKeyHeader: text("api_key_header").notNull().default("X-API-Key"),
    owner: text("owner").notNull().default("Administrator"),
    modifiedBy: text("modified_by").notNull().default("Administrator"),
    ...lifecycle,
  },
  (t) => [index("webhook_doctype_idx").on(t.webhookDoctype, t.enabled)],
);

export const webhookHeader = sqliteTable(
  "webhook_header",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    parent: text("parent")
      .notNull()
      .references(() => webhook.name, { onDelete: "cascade", onUpdate: "cascade" }),
    idx: integer("idx").notNull(),
    key: text("key").notNull().default(""),
    value: text("value").notNull().default(""),
  },
  (t) => [index("webhook_header_parent_idx").on(t.parent, t.idx)],
);

export const webhookData = sqliteTable(
  "webhook_data",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    parent: text("parent")
      .notNull()
      .references(() => webhook.name, { onDelete: "cascade", onUpdate: "cascade" }),
    idx: integer("idx").notNull(),
    fieldname: text("fieldname").notNull().default(""),
    key: text("key").notNull().default(""),
  },
  (t) => [index("webhook_data_parent_idx").on(t.parent, t.idx)],
);

/**
 * The shared send slot of a rate-limited webhook (Max Requests per Second): the earliest time
 * its next request may go. Every dispatcher, in any process, reserves slots by advancing it in
 * one statement (lib/delivery/rate-limit.ts); only rate-limited webhooks have a row.
 */
export const webhookRateSlot = sqliteTable("webhook_rate_slot", {
  webhook: text("webhook")
    .primaryKey()
    .references(() => webhook.name, { onDelete: "cascade", onUpdate: "cascade" }),
  nextAt: ms("next_at").notNull(),
});

/** Frappe's Version: who changed which fields of a document, and when. */
export const version = sqliteTable(
  "version",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    refDoctype: text("ref_doctype").notNull(),
    docname: text("docname").notNull(),
    /** { changed: [[field, old, new]], added: [...], removed: [...] } with secrets redacted. */
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    owner: text("owner").notNull(),
    created: ms("created").notNull(),
  },
  (t) => [index("version_ref_idx").on(t.refDoctype, t.docname, t.created)],
);

export type Webhook = typeof webhook.$inferSelect;
export type WebhookHeader = typeof webhookHeader.$inferSelect;
export type WebhookData = typeof webhookData.$inferSelect;
