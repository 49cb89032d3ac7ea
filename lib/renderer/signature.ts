// Webhook signatures: Frappe's X-Frappe-Webhook-Signature (base64 HMAC-SHA256 of the body)
// and Standard Webhooks (https://www.standardwebhooks.com): HMAC-SHA256 over
// "<id>.<timestamp>.<body>" with a `whsec_` secret whose remainder is the base64 key.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { FRAPPE_SIGNATURE_HEADER } from "@/lib/constants";

export interface VerifyResult {
  ok: boolean;
  reason?: string;
}

const SECRET_PREFIX = "whsec_";

/** Frappe: base64(HMAC-SHA256(secret, body bytes)). */
export function frappeSignature(body: string, secret: string): string {
  return createHmac("sha256", Buffer.from(secret, "utf8")).update(body, "utf8").digest("base64");
}

/** Key bytes of a Standard Webhooks secret; secrets without the prefix are used as UTF-8. */
function standardSecretKey(secret: string): Buffer {
  return secret.startsWith(SECRET_PREFIX) ? Buffer.from(secret.slice(SECRET_PREFIX.length), "base64") : Buffer.from(secret, "utf8");
}

/** One Standard Webhooks signature: "v1,<base64>". */
export function standardSignature(id: string, timestampSeconds: number, body: string, secret: string): string {
  const mac = createHmac("sha256", standardSecretKey(secret)).update(`${id}.${timestampSeconds}.${body}`, "utf8").digest("base64");
  return `v1,${mac}`;
}

/** webhook-id / webhook-timestamp / webhook-signature; several secrets (rotation) give several signatures. */
export function standardWebhookHeaders(id: string, timestampSeconds: number, body: string, secrets: string[]): Record<string, string> {
  const signatures = secrets.filter((s) => s !== "").map((s) => standardSignature(id, timestampSeconds, body, s));
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": signatures.join(" "),
  };
}

/** A fresh Standard Webhooks secret: whsec_ + base64 of 24 random bytes. */
export function generateStandardSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString("base64");
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  // timingSafeEqual needs equal lengths; compare against itself to keep timing flat.
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === lower) return headers[key];
  }
  return undefined;
}

/** Receiver-side check of a Standard Webhooks delivery (used by the echo receiver and tests). */
export function verifyStandard(
  headers: Record<string, string | undefined>,
  body: string,
  secret: string,
  toleranceSeconds = 300,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): VerifyResult {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signature = header(headers, "webhook-signature");
  if (!id) return { ok: false, reason: "missing webhook-id header" };
  if (!timestamp) return { ok: false, reason: "missing webhook-timestamp header" };
  if (!signature) return { ok: false, reason: "missing webhook-signature header" };
  if (!/^\d+$/.test(timestamp.trim())) return { ok: false, reason: "invalid webhook-timestamp header" };
  const ts = Number(timestamp.trim());
  if (nowSeconds - ts > toleranceSeconds) return { ok: false, reason: "timestamp too old" };
  if (ts - nowSeconds > toleranceSeconds) return { ok: false, reason: "timestamp too far in the future" };
  const expected = standardSignature(id, ts, body, secret);
  const candidates = signature.split(" ").filter((s) => s !== "");
  if (!candidates.some((c) => c.startsWith("v1,"))) return { ok: false, reason: "no v1 signature in webhook-signature header" };
  let match = false;
  for (const candidate of candidates) if (constantTimeEqual(candidate, expected)) match = true;
  return match ? { ok: true } : { ok: false, reason: "signature does not match" };
}

/** Receiver-side check of Frappe's signature header value. */
export function verifyFrappe(body: string, secret: string, signature: string | undefined | null): VerifyResult {
  if (!signature) return { ok: false, reason: `missing ${FRAPPE_SIGNATURE_HEADER} header` };
  return constantTimeEqual(signature.trim(), frappeSignature(body, secret))
    ? { ok: true }
    : { ok: false, reason: "signature does not match" };
}
