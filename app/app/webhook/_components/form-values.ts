// Converting between the stored webhook (service or REST JSON) and the form's values.
import type { WebhookDoc } from "@/lib/services/webhook/webhook-doc";
import { NEW_WEBHOOK, type WebhookInput, type WebhookValues } from "@/lib/services/webhook/webhook.schema";

type CheckField = "enabled" | "is_dynamic_url" | "enable_security" | "send_in_order" | "has_webhook_secret" | "has_api_key";
/** The service's doc (booleans) or the REST resource's JSON (Frappe's 0/1 checks). */
export type WebhookJson = Omit<WebhookDoc, CheckField> & Record<CheckField, boolean | number>;

export function formValuesOf(doc: WebhookJson): WebhookInput {
  return {
    ...NEW_WEBHOOK,
    name: doc.name,
    webhook_doctype: doc.webhook_doctype,
    webhook_docevent: doc.webhook_docevent as WebhookValues["webhook_docevent"],
    webhook_events: doc.webhook_events as WebhookValues["webhook_events"],
    enabled: !!doc.enabled,
    condition: doc.condition,
    request_url: doc.request_url,
    is_dynamic_url: !!doc.is_dynamic_url,
    timeout: doc.timeout,
    background_jobs_queue: doc.background_jobs_queue,
    max_requests_per_second: doc.max_requests_per_second ?? null,
    send_in_order: !!doc.send_in_order,
    request_method: doc.request_method as WebhookValues["request_method"],
    request_structure: doc.request_structure as WebhookValues["request_structure"],
    enable_security: !!doc.enable_security,
    // Write-only: the browser never gets the secret back; blank means "keep".
    webhook_secret: "",
    signature_scheme: doc.signature_scheme as WebhookValues["signature_scheme"],
    webhook_headers: doc.webhook_headers.map((h) => ({ key: h.key, value: h.value })),
    webhook_data: doc.webhook_data.map((d) => ({ fieldname: d.fieldname, key: d.key })),
    webhook_json: doc.webhook_json,
    max_retries: doc.max_retries,
    disable_after: doc.disable_after,
    notification_type: doc.notification_type as WebhookValues["notification_type"],
    api_key: "",
    api_key_header: doc.api_key_header,
  };
}

/**
 * The body to save. A blank secret field means "keep the stored one" while security is
 * on, and "clear it" once security is off (so a disabled secret does not linger).
 */
export function toPayload(v: WebhookValues): Record<string, unknown> {
  const { webhook_secret, api_key, preview_document: _ignored, ...rest } = v;
  return {
    ...rest,
    ...(!v.enable_security ? { webhook_secret: "" } : webhook_secret?.trim() ? { webhook_secret } : {}),
    ...(api_key?.trim() ? { api_key } : {}),
  };
}

/** "Syntax error in template at line 3: …" → 3, for the editor's marker. */
export function templateErrorLine(message: string | undefined): number | undefined {
  const m = message ? /at line (\d+)/.exec(message) : null;
  return m?.[1] ? Number(m[1]) : undefined;
}
