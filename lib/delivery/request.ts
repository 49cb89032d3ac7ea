// The one way a request is built. `prepare` renders a webhook for a document (through the
// render pool: conditions and templates never run on the caller's thread) and `finalize`
// makes it complete: the API key, `webhook-id`, `webhook-timestamp` and every signature,
// made now. Preview, Copy as cURL, Send Test, Resend, Re-render and the dispatcher all end
// in `finalize`, so what the desk shows is what the receiver gets.
import { FRAPPE_SIGNATURE_HEADER } from "@/lib/constants";
import { RenderError } from "@/lib/renderer/errors";
import { isSecretHeader, maskHeaders } from "@/lib/renderer/mask";
import { buildRequestOff } from "@/lib/renderer/pool";
import { frappeSignature, standardWebhookHeaders } from "@/lib/renderer/signature";
import type { Doc, RenderContext, WebhookSpec } from "@/lib/renderer/types";

/** A request without what is added per send (API key, ids, timestamps, signatures). */
export interface BaseRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Stored per attempt (webhook_request_attempt.signature). HMAC outputs, never secrets. */
export interface AttemptSignature {
  id: string;
  /** Seconds, as sent in webhook-timestamp. */
  timestamp: number;
  frappe?: string;
  standard?: string;
}

export interface PreparedRequest extends BaseRequest {
  /** `webhook-id`: the delivery's id, the same on every retry. */
  id: string;
  /** JSON of AttemptSignature. */
  signature: string;
}

const USER_AGENT = "Webhook-Desk";
/** Headers `finalize` writes; a stored or rendered copy of them is replaced. */
export const SEND_TIME_HEADERS: ReadonlySet<string> = new Set([
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
  FRAPPE_SIGNATURE_HEADER.toLowerCase(),
  "content-length",
]);
const SEND_TIME = SEND_TIME_HEADERS;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const signsStandard = (spec: Pick<WebhookSpec, "enableSecurity" | "signatureScheme">): boolean =>
  spec.enableSecurity && (spec.signatureScheme === "standard" || spec.signatureScheme === "both");
const signsFrappe = (spec: Pick<WebhookSpec, "enableSecurity" | "signatureScheme">): boolean =>
  spec.enableSecurity && (spec.signatureScheme === "frappe" || spec.signatureScheme === "both");

const apiKeyHeaderOf = (spec: Pick<WebhookSpec, "apiKeyHeader"> | undefined): string => spec?.apiKeyHeader?.trim() || "X-API-Key";

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  const key = Object.keys(headers).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : headers[key];
}

function without(headers: Record<string, string>, names: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!names.has(k.toLowerCase())) out[k] = v;
  return out;
}

/** The spec the renderer gets: no secret ever enters the render pool. */
export function unsignedSpec(spec: WebhookSpec): WebhookSpec {
  const { webhookSecret: _s, previousSecret: _p, apiKey: _k, ...rest } = spec;
  return rest;
}

/**
 * The base request as stored: what `finalize` adds is taken out (a rendered API key header
 * included), so a stored request never holds a secret the webhook can supply at send time.
 */
export function baseOf(req: BaseRequest, spec: Pick<WebhookSpec, "apiKeyHeader" | "apiKey"> | undefined): BaseRequest {
  const drop = new Set(SEND_TIME);
  if (spec?.apiKey) drop.add(apiKeyHeaderOf(spec).toLowerCase());
  return { ...req, headers: without(req.headers, drop) };
}

export interface FinalizeOptions {
  id: string;
  nowMs: number;
}

/** The complete request: base headers + API key + webhook-id + signatures made at `nowMs`. */
export function finalize(spec: WebhookSpec | undefined, base: BaseRequest, opts: FinalizeOptions): PreparedRequest {
  const headers = without(base.headers, SEND_TIME);
  const timestamp = Math.floor(opts.nowMs / 1000);
  if (spec?.apiKey) {
    const name = apiKeyHeaderOf(spec);
    if (!HEADER_NAME.test(name)) throw new RenderError(`Invalid header name "${name}"`, "headers");
    if (/[\r\n\0]/.test(spec.apiKey)) throw new RenderError(`Invalid value for header "${name}": line breaks are not allowed`, "headers");
    for (const k of Object.keys(headers)) if (k.toLowerCase() === name.toLowerCase()) delete headers[k];
    headers[name] = spec.apiKey.trim();
  }
  let frappe: string | undefined;
  if (spec && signsFrappe(spec) && spec.webhookSecret) {
    frappe = frappeSignature(base.body, spec.webhookSecret);
    headers[FRAPPE_SIGNATURE_HEADER] = frappe;
  }
  headers["webhook-id"] = opts.id;
  let standard: string | undefined;
  if (spec && signsStandard(spec)) {
    // During a rotation the previous secret signs too: a second "v1," value.
    const secrets = [spec.webhookSecret, spec.previousSecret].filter((s): s is string => !!s);
    if (secrets.length) {
      const std = standardWebhookHeaders(opts.id, timestamp, base.body, secrets);
      headers["webhook-timestamp"] = std["webhook-timestamp"] ?? String(timestamp);
      headers["webhook-signature"] = standard = std["webhook-signature"] ?? "";
    }
  }
  if (headerValue(headers, "user-agent") === undefined) headers["User-Agent"] = USER_AGENT;
  headers["Content-Length"] = String(Buffer.byteLength(base.body, "utf8"));
  const record: AttemptSignature = { id: opts.id, timestamp, ...(frappe ? { frappe } : {}), ...(standard ? { standard } : {}) };
  return { method: base.method, url: base.url, headers, body: base.body, id: opts.id, signature: JSON.stringify(record) };
}

/**
 * The headers a queued request will carry, as the log shows them before it is sent: the
 * secret ones (API key, signatures) already masked, without computing them; the
 * timestamp is made at send time. The log shows the headers actually sent once it is.
 */
export function queuedHeaders(spec: WebhookSpec | undefined, base: BaseRequest, id: string): Record<string, string> {
  const headers = maskedHeaders(without(base.headers, SEND_TIME), spec);
  if (spec?.apiKey) headers[apiKeyHeaderOf(spec)] = "***";
  if (spec && signsFrappe(spec) && spec.webhookSecret) headers[FRAPPE_SIGNATURE_HEADER] = "***";
  headers["webhook-id"] = id;
  if (spec && signsStandard(spec) && (spec.webhookSecret || spec.previousSecret)) headers["webhook-signature"] = "***";
  return headers;
}

/** Renders `spec` for `doc` in the render pool (time and memory limits) and finalizes it. */
export async function prepare(spec: WebhookSpec, doc: Doc, ctx: RenderContext, opts: FinalizeOptions): Promise<PreparedRequest> {
  const rendered = await buildRequestOff(unsignedSpec(spec), doc, ctx);
  return finalize(spec, rendered, opts);
}

/** Only the render (no send-time parts): what ingest stores. Secrets never enter the pool. */
export async function render(spec: WebhookSpec, doc: Doc, ctx: RenderContext): Promise<BaseRequest> {
  return baseOf(await buildRequestOff(unsignedSpec(spec), doc, ctx), spec);
}

/** Values that must never be shown or stored in clear: secret header values and each signature. */
export function secretValues(headers: Record<string, string>, extraNames: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (!isSecretHeader(k, extraNames) || v.length < 4) continue;
    out.push(v);
    // "v1,abc v1,def": each signature, and the part after "v1," alone.
    for (const part of v.split(/\s+/)) if (part !== v && part.length >= 4) out.push(part);
    for (const part of v.split(/[\s,]+/)) if (part !== v && part.length >= 8) out.push(part);
    const bearer = /^\s*(?:bearer|basic|token)\s+(.+)$/i.exec(v)?.[1];
    if (bearer && bearer.length >= 4) out.push(bearer);
  }
  return out;
}

/** Headers for display: secret values masked (the custom API key header too). */
export function maskedHeaders(headers: Record<string, string>, spec?: Pick<WebhookSpec, "apiKeyHeader">): Record<string, string> {
  return maskHeaders(headers, spec?.apiKeyHeader ? [spec.apiKeyHeader] : []);
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Copy as cURL: the complete request with real signatures (made now, so a receiver
 * verifies the pasted command within its tolerance). The API key appears only when it was
 * typed in the unsaved form (`typedApiKey`), else as `$API_KEY`; curl sets Content-Length.
 */
export function curlCommand(
  req: PreparedRequest,
  spec: Pick<WebhookSpec, "apiKeyHeader" | "apiKey"> | undefined,
  typedApiKey: boolean,
): string {
  const apiKeyName = spec?.apiKey ? apiKeyHeaderOf(spec).toLowerCase() : undefined;
  const parts = [`curl -X ${req.method} ${shellQuote(req.url)}`];
  for (const [k, v] of Object.entries(req.headers)) {
    const lower = k.toLowerCase();
    if (lower === "content-length") continue;
    if (lower === apiKeyName && !typedApiKey) {
      // Double quotes so the shell expands $API_KEY.
      parts.push(`-H "${k}: $API_KEY"`);
      continue;
    }
    parts.push(`-H ${shellQuote(`${k}: ${v}`)}`);
  }
  if (req.body !== "") parts.push(`--data-raw ${shellQuote(req.body)}`);
  return parts.join(" \\\n  ");
}

/** The signature record of a request whose headers are complete (a presigned Send Test). */
export function signatureOfHeaders(headers: Record<string, string>, id: string, nowMs: number): string {
  const ts = Number(headerValue(headers, "webhook-timestamp"));
  const frappe = headerValue(headers, FRAPPE_SIGNATURE_HEADER);
  const standard = headerValue(headers, "webhook-signature");
  const record: AttemptSignature = {
    id: headerValue(headers, "webhook-id") ?? id,
    timestamp: Number.isFinite(ts) && ts > 0 ? ts : Math.floor(nowMs / 1000),
    ...(frappe ? { frappe } : {}),
    ...(standard ? { standard } : {}),
  };
  return JSON.stringify(record);
}
