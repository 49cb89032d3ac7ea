import "server-only";
// Sending a logged request again. Resend: the stored request (method, URL, body and the
// sealed headers as rendered) as a redelivery of the same message — the same webhook-id,
// signed again at send time with the webhook's current secret and API key. Re-render and
// send: the current document through the current webhook, a new message with a new id.
// Both queue exactly one manual attempt (no retries follow it).
import type Database from "better-sqlite3";
import type { DB } from "@/db";
import { LOG_STATUS } from "@/lib/constants";
import { AppError, notFound } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { parseHeaders } from "@/lib/headers";
import type { Doc } from "@/lib/renderer/types";
import { baseOf, finalize, maskedHeaders, render, type BaseRequest } from "./request";
import { parseAttemptSignature, sealHeaders, unsealHeaders } from "./sealed";
import { deliveryIdTaken, pendingDeliveryOf, requeue } from "./store";
import { webhookByName, type WebhookWithSpec } from "./webhook-spec";
import type { WebhookSpec } from "@/lib/renderer/types";

export interface StoredLog {
  name: string;
  webhook: string | null;
  reference_doctype: string | null;
  reference_document: string | null;
  doc_event: string | null;
  request_method: string | null;
  url: string | null;
  headers: string | null;
  request_headers: string | null;
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

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function loadLog(db: Database.Database, name: string): StoredLog {
  const row = db.prepare(`SELECT * FROM webhook_request_log WHERE name = ?`).get(name) as StoredLog | undefined;
  if (!row) throw notFound(`Webhook Request Log ${name}`);
  return row;
}

export function loadWebhookOf(db: DB, log: StoredLog): WebhookWithSpec & { spec: WebhookSpec } {
  const w = log.webhook ? webhookByName(db, log.webhook, 0) : undefined;
  if (!w) throw new AppError("CONFLICT", `The webhook ${log.webhook ?? ""} no longer exists`);
  if (!w.spec) throw new AppError("CONFLICT", w.specError ?? `The webhook ${w.row.name} could not be loaded`);
  return { ...w, spec: w.spec };
}

function storedDocument(db: Database.Database, log: Pick<StoredLog, "reference_doctype" | "reference_document">): Doc | undefined {
  if (!log.reference_doctype || !log.reference_document) return undefined;
  const row = db.prepare(`SELECT data FROM document WHERE doctype = ? AND name = ?`).get(log.reference_doctype, log.reference_document) as
    { data: string } | undefined;
  if (!row) return undefined;
  try {
    const v: unknown = JSON.parse(row.data);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Doc) : undefined;
  } catch {
    return undefined;
  }
}

/** The current document through the current webhook, rendered in the pool: what ingest would store now. */
export async function rerender(db: DB, log: StoredLog, spec: WebhookSpec): Promise<BaseRequest> {
  const doc = storedDocument(db.$client, log);
  if (!doc)
    throw new AppError("CONFLICT", `The document ${log.reference_doctype ?? ""} ${log.reference_document ?? ""} is not stored any more`);
  try {
    return await render(spec, doc, {
      doctype: log.reference_doctype ?? spec.webhookDoctype,
      event: log.doc_event ?? spec.webhookDocevent,
      user: log.user,
      ...(log.event ? { eventId: log.event } : {}),
    });
  } catch (e) {
    throw new AppError("VALIDATION_ERROR", `Render error: ${errorText(e)}`);
  }
}

/** The stored request's base headers; rows from before they were stored fall back to the webhook's own. */
function storedBaseHeaders(log: StoredLog, spec: WebhookSpec): Record<string, string> {
  const sealed = unsealHeaders(log.request_headers);
  if (sealed) return sealed;
  const shown = parseHeaders(log.headers);
  const type = Object.entries(shown).find(([k]) => k.toLowerCase() === "content-type");
  const headers: Record<string, string> = type ? { [type[0]]: type[1] } : {};
  for (const h of spec.headers) if (h.key.trim() && h.value.trim()) headers[h.key.trim()] = h.value.trim();
  return headers;
}

const headerValue = (h: Record<string, string>, name: string) => Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1];

/** The `webhook-id` the original request went out with (display headers, else the last attempt's record). */
function originalMessageId(c: Database.Database, log: StoredLog): string | undefined {
  const fromHeaders = headerValue(parseHeaders(log.headers), "webhook-id");
  if (fromHeaders && !fromHeaders.startsWith("***")) return fromHeaders;
  const last = c
    .prepare(`SELECT signature FROM webhook_request_attempt WHERE log = ? AND signature IS NOT NULL ORDER BY attempt DESC LIMIT 1`)
    .get(log.name) as { signature: string } | undefined;
  return parseAttemptSignature(last?.signature)?.id;
}

function refuseInFlight(c: Database.Database, log: string, now: number): ReturnType<typeof pendingDeliveryOf> {
  const pending = pendingDeliveryOf(c, log);
  if (pending?.leaseUntil && pending.leaseUntil >= now)
    throw new AppError("CONFLICT", "This request is being sent right now; try again in a moment");
  return pending;
}

/** Display headers for the log: what the request will carry, signatures masked (made at send time). */
function displayHeaders(spec: WebhookSpec, base: BaseRequest, id: string, now: number): string {
  return JSON.stringify(maskedHeaders(finalize(spec, base, { id, nowMs: now }).headers, spec));
}

/** Resend: queues the stored request again, in the caller's transaction (bulk jobs batch many). */
export function resendStored(db: DB, name: string, now = Date.now()): ResendResult {
  const c = db.$client;
  const log = loadLog(c, name);
  if (log.data === null || !log.url) {
    throw new AppError("CONFLICT", "Nothing was rendered for this log (it failed before sending); use Re-render and send");
  }
  const w = loadWebhookOf(db, log);
  const pending = refuseInFlight(c, name, now);
  const original = pending?.id ?? originalMessageId(c, log);
  const id = original && (pending?.id === original || !deliveryIdTaken(c, original)) ? original : newId("msg_");
  const base = baseOf(
    { method: log.request_method || w.spec.requestMethod, url: log.url, headers: storedBaseHeaders(log, w.spec), body: log.data },
    w.spec,
  );
  // The shown request stays as it was, unless the message id changed.
  queueRequest(c, w, name, id, base, now, headerValue(parseHeaders(log.headers), "webhook-id") !== id);
  return { log: name, delivery: id, status: LOG_STATUS.queued };
}

function queueRequest(
  c: Database.Database,
  w: WebhookWithSpec & { spec: WebhookSpec },
  log: string,
  id: string,
  base: BaseRequest,
  now: number,
  show: boolean,
) {
  requeue(c, {
    log,
    id,
    webhook: w.row.name,
    queue: w.queue,
    timeoutMs: w.timeoutMs,
    request: {
      ...base,
      requestHeaders: sealHeaders(base.headers, w.spec.apiKeyHeader ? [w.spec.apiKeyHeader] : []),
      ...(show ? { displayHeaders: displayHeaders(w.spec, base, id, now) } : {}),
    },
    now,
  });
}

/** Re-render and send: renders now (in the pool), then queues it as a new message. */
export async function rerenderAndQueue(db: DB, name: string): Promise<ResendResult> {
  const c = db.$client;
  const log = loadLog(c, name);
  const w = loadWebhookOf(db, log);
  const base = await rerender(db, log, w.spec);
  const id = newId("msg_");
  const now = Date.now();
  c.transaction(() => {
    refuseInFlight(c, name, now);
    queueRequest(c, w, name, id, base, now, true);
  }).immediate();
  return { log: name, delivery: id, status: LOG_STATUS.queued };
}
