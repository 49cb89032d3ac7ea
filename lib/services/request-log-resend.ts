import "server-only";
// Sending a logged request again: Resend (the stored request) and Re-render and send (the
// current document through the current webhook), one log or in bulk.
//
// Why Resend re-renders headers: while a delivery is pending, the `delivery` row holds the
// exact, unmasked request, and Resend only moves it up (due_at = now, manual). Once it is
// delivered or exhausted that row is gone and the log keeps only MASKED headers, which
// cannot be sent. So Resend keeps the stored method, URL and body — the bytes the receiver
// was meant to get — and takes the headers from the webhook's current config through the
// one renderer (buildRequest), recomputing the Frappe signature over the stored body.
// Standard Webhooks signatures are added by the dispatcher at send time, with the delivery's
// id as `webhook-id`: Resend reuses the original id (it is a redelivery of the same message).
import type Database from "better-sqlite3";
import { createTwoFilesPatch } from "diff";
import { getDb, type DB } from "@/db";
import type { Actor } from "@/lib/auth/roles";
import { FRAPPE_SIGNATURE_HEADER, LOG_STATUS } from "@/lib/constants";
import { notifyDeliveriesQueued } from "@/lib/dispatcher/signal";
import { parseAttemptSignature } from "@/lib/dispatcher/signing";
import { AppError, notFound } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { buildRequest, frappeSignature, maskHeaders } from "@/lib/renderer";
import type { Doc, RenderedRequest, WebhookSpec } from "@/lib/renderer/types";
import { errorText, parseHeaders, requireManager } from "./request-log-common";
import { webhookByName, type WebhookWithSpec } from "./webhook-spec";

interface StoredLog {
  name: string;
  webhook: string | null;
  reference_doctype: string | null;
  reference_document: string | null;
  doc_event: string | null;
  request_method: string | null;
  url: string | null;
  headers: string | null;
  data: string | null;
  user: string | null;
  event: string | null;
  status: string;
}

export interface ResendResult {
  log: string;
  delivery: string;
  status: string;
}

function loadLog(db: Database.Database, name: string): StoredLog {
  const row = db.prepare(`SELECT * FROM webhook_request_log WHERE name = ?`).get(name) as StoredLog | undefined;
  if (!row) throw notFound(`Webhook Request Log ${name}`);
  return row;
}

function loadWebhook(db: DB, log: StoredLog): WebhookWithSpec & { spec: WebhookSpec } {
  const w = log.webhook ? webhookByName(db, log.webhook, 0) : undefined;
  if (!w) throw new AppError("CONFLICT", `The webhook ${log.webhook ?? ""} no longer exists`);
  if (!w.spec) throw new AppError("CONFLICT", w.specError ?? `The webhook ${w.row.name} could not be loaded`);
  return { ...w, spec: w.spec };
}

function storedDocument(db: Database.Database, log: StoredLog): Doc | undefined {
  if (!log.reference_doctype || !log.reference_document) return undefined;
  const row = db.prepare(`SELECT data FROM document WHERE doctype = ? AND name = ?`).get(log.reference_doctype, log.reference_document) as
    | { data: string }
    | undefined;
  if (!row) return undefined;
  try {
    const v: unknown = JSON.parse(row.data);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Doc) : undefined;
  } catch {
    return undefined;
  }
}

/** The current document through the current webhook: exactly what ingest would send now. */
function render(db: DB, log: StoredLog, spec: WebhookSpec): RenderedRequest {
  const doc = storedDocument(db.$client, log);
  if (!doc) throw new AppError("CONFLICT", `The document ${log.reference_doctype ?? ""} ${log.reference_document ?? ""} is not stored any more`);
  try {
    return buildRequest(spec, doc, {
      doctype: log.reference_doctype ?? spec.webhookDoctype,
      event: log.doc_event ?? spec.webhookDocevent,
      user: log.user,
      ...(log.event ? { eventId: log.event } : {}),
    });
  } catch (e) {
    throw new AppError("VALIDATION_ERROR", `Render error: ${errorText(e)}`);
  }
}

const withoutHeader = (h: Record<string, string>, name: string) =>
  Object.fromEntries(Object.entries(h).filter(([k]) => k.toLowerCase() !== name.toLowerCase()));

/** Headers for re-sending `body` as stored (see the header comment). */
function headersForStoredBody(db: DB, log: StoredLog, spec: WebhookSpec, body: string): Record<string, string> {
  let headers: Record<string, string>;
  try {
    headers = render(db, log, spec).headers;
  } catch {
    // No document any more: the webhook's own headers, and the stored Content-Type (never masked).
    const stored = parseHeaders(log.headers);
    const type = Object.entries(stored).find(([k]) => k.toLowerCase() === "content-type");
    headers = { ...(type ? { [type[0]]: type[1] } : {}) };
    for (const h of spec.headers) if (h.key.trim()) headers[h.key.trim()] = h.value;
    if (spec.apiKey) headers[spec.apiKeyHeader || "X-API-Key"] = spec.apiKey;
  }
  headers = withoutHeader(withoutHeader(headers, FRAPPE_SIGNATURE_HEADER), "webhook-id");
  if (spec.enableSecurity && spec.webhookSecret && spec.signatureScheme !== "standard") {
    headers[FRAPPE_SIGNATURE_HEADER] = frappeSignature(body, spec.webhookSecret);
  }
  return headers;
}

const SEND_TIME_HEADERS = new Set(["webhook-id", "webhook-timestamp", "webhook-signature"]);

/** Masked headers as a comparable string, without the ones the dispatcher adds per send. */
const headerKey = (h: Record<string, string>) =>
  JSON.stringify(
    Object.entries(h)
      .filter(([k]) => !SEND_TIME_HEADERS.has(k.toLowerCase()))
      .map(([k, v]) => [k.toLowerCase(), v])
      .sort(([a], [b]) => (a ?? "").localeCompare(b ?? "")),
  );

const headerValue = (h: Record<string, string>, name: string) => Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1];

/**
 * The `webhook-id` the original request went out with: the log's headers (webhook-id is
 * not a secret, so it is stored unmasked), else the signature record of the last attempt.
 */
function originalMessageId(c: Database.Database, log: StoredLog): string | undefined {
  const fromHeaders = headerValue(parseHeaders(log.headers), "webhook-id");
  if (fromHeaders && !fromHeaders.startsWith("***")) return fromHeaders;
  const last = c.prepare(`SELECT signature FROM webhook_request_attempt WHERE log = ? AND signature IS NOT NULL ORDER BY attempt DESC LIMIT 1`).get(log.name) as
    | { signature: string }
    | undefined;
  return parseAttemptSignature(last?.signature)?.id;
}

interface QueueOptions {
  /**
   * Resend: the same message again, so the same webhook-id (receivers dedupe on it) and the
   * log's stored request is only rewritten when the rebuilt headers really differ.
   * Re-render and send: a new message with a new id, and the log shows the new request.
   */
  redelivery: boolean;
}

/**
 * Queues `req` for `log` now as ONE manual attempt (manual deliveries are never retried):
 * moves up the pending delivery when there is one (so a log never has two), else inserts a
 * new one. Runs inside the caller's transaction.
 */
function queue(
  db: DB,
  log: StoredLog,
  w: WebhookWithSpec,
  req: { method: string; url: string; headers: Record<string, string>; body: string },
  now: number,
  opts: QueueOptions,
): string {
  const c = db.$client;
  const pending = c.prepare(`SELECT id, lease_until AS leaseUntil FROM delivery WHERE log = ? LIMIT 1`).get(log.name) as
    | { id: string; leaseUntil: number | null }
    | undefined;
  if (pending && pending.leaseUntil && pending.leaseUntil >= now) {
    throw new AppError("CONFLICT", "This request is being sent right now; try again in a moment");
  }
  const headersJson = JSON.stringify(req.headers);
  let id: string;
  if (pending) {
    id = pending.id;
    // max_retries = attempts: the attempt about to be made is the last one.
    c.prepare(`UPDATE delivery SET method = ?, url = ?, headers = ?, body = ?, manual = 1, max_retries = attempts, due_at = ? WHERE id = ?`).run(
      req.method,
      req.url,
      headersJson,
      req.body,
      now,
      id,
    );
  } else {
    const original = opts.redelivery ? originalMessageId(c, log) : undefined;
    const taken = original ? c.prepare(`SELECT 1 FROM delivery WHERE id = ?`).get(original) : undefined;
    id = original && !taken ? original : newId("msg_");
    c.prepare(
      `INSERT INTO delivery (id, log, webhook, queue, method, url, headers, body, timeout_ms, max_retries, attempts, manual, due_at, created)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 1, ?, ?)`,
    ).run(id, log.name, w.row.name, w.queue, req.method, req.url, headersJson, req.body, w.timeoutMs, now, now);
  }
  const masked = maskHeaders({ ...req.headers, "webhook-id": id }, w.spec);
  const stored = parseHeaders(log.headers);
  const unchanged =
    opts.redelivery &&
    log.request_method === req.method &&
    log.url === req.url &&
    log.data === req.body &&
    headerKey(stored) === headerKey(masked) &&
    headerValue(stored, "webhook-id") === id;
  if (unchanged) {
    c.prepare(`UPDATE webhook_request_log SET status = ?, next_retry = NULL, modified = ? WHERE name = ?`).run(LOG_STATUS.queued, now, log.name);
  } else {
    c.prepare(
      `UPDATE webhook_request_log SET status = ?, next_retry = NULL, request_method = ?, url = ?, headers = ?, data = ?, modified = ? WHERE name = ?`,
    ).run(LOG_STATUS.queued, req.method, req.url, JSON.stringify(masked), req.body, now, log.name);
  }
  return id;
}

/** Re-queues one stored request; no role check (callers check). */
export function resendStored(db: DB, name: string, now = Date.now()): ResendResult {
  const log = loadLog(db.$client, name);
  if (log.data === null || !log.url) {
    throw new AppError("CONFLICT", "Nothing was rendered for this log (it failed before sending); use Re-render and send");
  }
  const w = loadWebhook(db, log);
  const body = log.data;
  const req = { method: log.request_method || w.spec.requestMethod, url: log.url, headers: headersForStoredBody(db, log, w.spec, body), body };
  const delivery = db.$client.transaction(() => queue(db, log, w, req, now, { redelivery: true })).immediate();
  return { log: name, delivery, status: LOG_STATUS.queued };
}

/** Resend: the stored request again, now, as a new manual attempt. */
export function resendLog(actor: Actor | null, name: string): ResendResult {
  requireManager(actor);
  const result = resendStored(getDb(), name);
  notifyDeliveriesQueued();
  return result;
}

export interface RequestView {
  method: string;
  url: string;
  /** Masked. */
  headers: Record<string, string>;
  body: string;
}

export interface ReRenderPreview {
  original: RequestView;
  rerendered: RequestView;
  /** Unified diff of the two, as text. */
  diff: string;
  changed: boolean;
}

const prettyBody = (body: string) => {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
};

const asText = (r: RequestView) =>
  [`${r.method} ${r.url}`, ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`), "", prettyBody(r.body), ""].join("\n");

/** Both requests with masked headers, and a diff (webhook-id differs per send: left out). */
export function reRenderPreview(actor: Actor | null, name: string): ReRenderPreview {
  requireManager(actor);
  const db = getDb();
  const log = loadLog(db.$client, name);
  const w = loadWebhook(db, log);
  const req = render(db, log, w.spec);
  const original: RequestView = {
    method: log.request_method ?? "",
    url: log.url ?? "",
    headers: withoutHeader(parseHeaders(log.headers), "webhook-id"),
    body: log.data ?? "",
  };
  const rerendered: RequestView = { method: req.method, url: req.url, headers: withoutHeader(maskHeaders(req.headers, w.spec), "webhook-id"), body: req.body };
  const a = asText(original);
  const b = asText(rerendered);
  // Without the "Index:/====" preamble: the dialog shows the unified diff itself.
  const diff = createTwoFilesPatch("original", "re-rendered", a, b, "", "", { context: 3 }).replace(/^=+\n/, "");
  return { original, rerendered, diff, changed: a !== b };
}

/** Re-render and send: the current document through the current webhook, as a manual attempt. */
export function reRenderAndSend(actor: Actor | null, name: string): ResendResult {
  requireManager(actor);
  const db = getDb();
  const log = loadLog(db.$client, name);
  const w = loadWebhook(db, log);
  const req = render(db, log, w.spec);
  const now = Date.now();
  const delivery = db.$client.transaction(() => queue(db, log, w, req, now, { redelivery: false })).immediate();
  notifyDeliveriesQueued();
  return { log: name, delivery, status: LOG_STATUS.queued };
}
