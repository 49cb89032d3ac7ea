// The Webhook as Frappe's REST API writes it: snake_case fieldnames, 0/1 checks, the
// adapter's datetimes (UTC), child tables as arrays. Never any secret.
import { toFrappeDatetime } from "@/lib/services/frappe-rest/adapter";
import type { WebhookDoc, WebhookSummary } from "@/lib/services/webhook/webhooks";

const check = (b: boolean) => (b ? 1 : 0);

export function summaryJson(w: WebhookSummary): Record<string, unknown> {
  return {
    name: w.name,
    doctype: "Webhook",
    owner: w.owner,
    creation: toFrappeDatetime(w.creation),
    modified: toFrappeDatetime(w.modified),
    modified_by: w.modified_by,
    docstatus: 0,
    idx: 0,
    webhook_doctype: w.webhook_doctype,
    webhook_docevent: w.webhook_docevent,
    webhook_events: w.webhook_events,
    enabled: check(w.enabled),
    condition: w.condition,
    request_url: w.request_url,
    is_dynamic_url: check(w.is_dynamic_url),
    timeout: w.timeout,
    background_jobs_queue: w.background_jobs_queue,
    max_requests_per_second: w.max_requests_per_second,
    send_in_order: check(w.send_in_order),
    request_method: w.request_method,
    request_structure: w.request_structure,
    enable_security: check(w.enable_security),
    has_webhook_secret: w.has_webhook_secret,
    signature_scheme: w.signature_scheme,
    webhook_json: w.webhook_json,
    preview_document: w.preview_document,
    max_retries: w.max_retries,
    disable_after: w.disable_after,
    notification_type: w.notification_type,
    has_api_key: w.has_api_key,
    api_key_header: w.api_key_header,
  };
}

export function webhookJson(w: WebhookDoc): Record<string, unknown> {
  return {
    ...summaryJson(w),
    webhook_headers: w.webhook_headers.map((h) => ({ key: h.key, value: h.value })),
    webhook_data: w.webhook_data.map((d) => ({ fieldname: d.fieldname, key: d.key })),
  };
}

/** Frappe accepts the document itself or `{ "data": {...} }`. */
export function docBody(body: unknown): unknown {
  if (body && typeof body === "object" && !Array.isArray(body) && "data" in body && !("name" in body) && !("webhook_doctype" in body)) {
    const inner = (body as { data: unknown }).data;
    if (typeof inner === "string") {
      try {
        return JSON.parse(inner);
      } catch {
        return inner;
      }
    }
    return inner;
  }
  return body;
}
