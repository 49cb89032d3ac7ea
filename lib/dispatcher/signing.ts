import "server-only";
// Send-time signing shared by the dispatcher and Send Test: `webhook-id`, the Standard
// Webhooks headers (made now, so retries carry a fresh timestamp), and a record of the
// signatures sent so the log can verify a delivery later without keeping any secret.
import { FRAPPE_SIGNATURE_HEADER } from "@/lib/constants";
import { standardWebhookHeaders } from "@/lib/renderer/signature";
import type { WebhookSpec } from "@/lib/renderer/types";

/** Stored per attempt (webhook_request_attempt.signature). HMAC outputs, never secrets. */
export interface AttemptSignature {
  id: string;
  /** Seconds, as sent in webhook-timestamp. */
  timestamp: number;
  frappe?: string;
  standard?: string;
}

export interface SignedHeaders {
  headers: Record<string, string>;
  /** Standard Webhooks headers were added. */
  signed: boolean;
  /** JSON of AttemptSignature. */
  signature: string;
}

const find = (headers: Record<string, string>, name: string): string | undefined => {
  const lower = name.toLowerCase();
  const key = Object.keys(headers).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : headers[key];
};

export const signsStandard = (spec: Pick<WebhookSpec, "enableSecurity" | "signatureScheme">): boolean =>
  spec.enableSecurity && (spec.signatureScheme === "standard" || spec.signatureScheme === "both");

/** The stored (rendered) headers plus webhook-id and, when the scheme asks, the Standard signature. */
export function signForSend(spec: WebhookSpec | undefined, id: string, nowMs: number, stored: Record<string, string>, body: string): SignedHeaders {
  const timestamp = Math.floor(nowMs / 1000);
  const extra: Record<string, string> = { "webhook-id": id };
  let signed = false;
  if (spec && signsStandard(spec)) {
    // During a rotation the previous secret signs too: a second "v1," value.
    const secrets = [spec.webhookSecret, spec.previousSecret].filter((s): s is string => !!s);
    if (secrets.length) {
      Object.assign(extra, standardWebhookHeaders(id, timestamp, body, secrets));
      signed = true;
    }
  }
  const names = new Set(Object.keys(extra).map((k) => k.toLowerCase()));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(stored)) if (!names.has(k.toLowerCase())) headers[k] = v;
  Object.assign(headers, extra);
  const frappe = find(headers, FRAPPE_SIGNATURE_HEADER);
  const standard = signed ? extra["webhook-signature"] : undefined;
  const record: AttemptSignature = { id, timestamp, ...(frappe ? { frappe } : {}), ...(standard ? { standard } : {}) };
  return { headers, signed, signature: JSON.stringify(record) };
}

export function parseAttemptSignature(json: string | null | undefined): AttemptSignature | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as Partial<AttemptSignature> | null;
    if (!v || typeof v !== "object" || typeof v.id !== "string" || typeof v.timestamp !== "number") return null;
    return {
      id: v.id,
      timestamp: v.timestamp,
      ...(typeof v.frappe === "string" ? { frappe: v.frappe } : {}),
      ...(typeof v.standard === "string" ? { standard: v.standard } : {}),
    };
  } catch {
    return null;
  }
}
