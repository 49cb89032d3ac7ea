import "server-only";
// The Webhook as the desk and the REST resource see it: Frappe fieldnames, no secrets.
import { asc, eq } from "drizzle-orm";
import type { DB } from "@/db";
import { webhook, webhookData, webhookHeader, type Webhook } from "@/db/schema";
import type { WebhookValues } from "./webhook.schema";

/** A webhook as the form and the REST resource see it: Frappe fieldnames, no secrets. */
export interface WebhookDoc {
  name: string;
  webhook_doctype: string;
  webhook_docevent: string;
  webhook_events: string[];
  enabled: boolean;
  condition: string;
  request_url: string;
  is_dynamic_url: boolean;
  timeout: number;
  background_jobs_queue: string;
  /** null: no limit. */
  max_requests_per_second: number | null;
  send_in_order: boolean;
  request_method: string;
  request_structure: string;
  enable_security: boolean;
  has_webhook_secret: boolean;
  signature_scheme: string;
  webhook_headers: { key: string; value: string }[];
  webhook_data: { fieldname: string; key: string }[];
  webhook_json: string;
  preview_document: string | null;
  max_retries: number;
  /** Days of nothing but failures before it is disabled; 0: never. */
  disable_after: number;
  notification_type: string;
  has_api_key: boolean;
  api_key_header: string;
  owner: string;
  modified_by: string;
  creation: number;
  modified: number;
}

export type WebhookSummary = Omit<WebhookDoc, "webhook_headers" | "webhook_data">;

export function toSummary(r: Webhook): WebhookSummary {
  return {
    name: r.name,
    webhook_doctype: r.webhookDoctype,
    webhook_docevent: r.webhookDocevent,
    webhook_events: r.webhookEvents,
    enabled: r.enabled,
    condition: r.condition,
    request_url: r.requestUrl,
    is_dynamic_url: r.isDynamicUrl,
    timeout: r.timeout,
    background_jobs_queue: r.backgroundJobsQueue,
    max_requests_per_second: r.maxRequestsPerSecond,
    send_in_order: r.sendInOrder,
    request_method: r.requestMethod,
    request_structure: r.requestStructure,
    enable_security: r.enableSecurity,
    has_webhook_secret: !!r.webhookSecret,
    signature_scheme: r.signatureScheme,
    webhook_json: r.webhookJson,
    preview_document: r.previewDocument,
    max_retries: r.maxRetries,
    disable_after: r.disableAfter,
    notification_type: r.notificationType,
    has_api_key: !!r.apiKey,
    api_key_header: r.apiKeyHeader,
    owner: r.owner,
    modified_by: r.modifiedBy,
    creation: r.created,
    modified: r.modified,
  };
}

export async function loadWebhook(db: DB, name: string): Promise<{ row: Webhook; doc: WebhookDoc } | undefined> {
  const [row] = await db.select().from(webhook).where(eq(webhook.name, name)).limit(1);
  if (!row) return undefined;
  const headers = await db.select().from(webhookHeader).where(eq(webhookHeader.parent, name)).orderBy(asc(webhookHeader.idx));
  const data = await db.select().from(webhookData).where(eq(webhookData.parent, name)).orderBy(asc(webhookData.idx));
  return {
    row,
    doc: {
      ...toSummary(row),
      webhook_headers: headers.map((h) => ({ key: h.key, value: h.value })),
      webhook_data: data.map((d) => ({ fieldname: d.fieldname, key: d.key })),
    },
  };
}

/** The columns a write sets (everything but name, secrets and lifecycle). */
export function toColumns(v: WebhookValues) {
  return {
    webhookDoctype: v.webhook_doctype,
    webhookDocevent: v.webhook_docevent,
    webhookEvents: v.webhook_events,
    enabled: v.enabled,
    condition: v.condition.trim(),
    requestUrl: v.request_url.trim(),
    isDynamicUrl: v.is_dynamic_url,
    timeout: v.timeout,
    backgroundJobsQueue: v.background_jobs_queue || "default",
    maxRequestsPerSecond: v.max_requests_per_second,
    sendInOrder: v.send_in_order,
    requestMethod: v.request_method,
    requestStructure: v.request_structure,
    enableSecurity: v.enable_security,
    signatureScheme: v.signature_scheme,
    webhookJson: v.webhook_json,
    // Frappe clears preview_document on save: it is a preview aid, not configuration.
    previewDocument: null,
    maxRetries: v.max_retries,
    disableAfter: v.disable_after,
    notificationType: v.notification_type,
    apiKeyHeader: v.api_key_header || "X-API-Key",
  };
}
