import "server-only";
// Sending a logged request again. Resend: the stored request (method, URL, body and the
// sealed headers as rendered) as a redelivery of the same message — the same webhook-id,
// signed again at send time with the webhook's current secret and API key. Re-render and
// send: the current document through the current webhook, a new message with a new id.
// Both queue exactly one manual attempt (no retries follow it).
import { and, desc, eq, isNotNull } from "drizzle-orm";
import { tx, type DB } from "@/db";
import { document, webhookRequestAttempt, webhookRequestLog, type WebhookRequestLog } from "@/db/schema";
import { LOG_STATUS } from "@/lib/constants";
import { AppError, notFound } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { parseHeaders } from "@/lib/headers";
import type { Doc } from "@/lib/renderer/types";
import { baseOf, finalize, maskedHeaders, render, type BaseRequest } from "./request";
import { parseAttemptSignature, sealHeaders, unsealHeaders } from "./sealed";
import { deliveryIdTaken, pendingDeliveryOf, requeue, type PendingDelivery } from "./store";
import { webhookByName, type WebhookWithSpec } from "./webhook-spec";
import type { WebhookSpec } from "@/lib/renderer/types";

/** A log row as stored (what a resend sends again). */
export type StoredLog = WebhookRequestLog;

export interface ResendResult {
  log: string;
  delivery: string;
  status: string;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export async function loadLog(db: DB, name: string): Promise<StoredLog> {
  const [row] = await db.select().from(webhookRequestLog).where(eq(webhookRequestLog.name, name)).limit(1);
  if (!row) throw notFound(`Webhook Request Log ${name}`);
  return row;
}

export async function loadWebhookOf(db: DB, log: StoredLog): Promise<WebhookWithSpec & { spec: WebhookSpec }> {
  const w = log.webhook ? await webhookByName(db, log.webhook, 0) : undefined;
  if (!w) throw new AppError("CONFLICT", `The webhook ${log.webhook ?? ""} no longer exists`);
  if (!w.spec) throw new AppError("CONFLICT", w.specError ?? `The webhook ${w.row.name} could not be loaded`);
  return { ...w, spec: w.spec };
}

async function storedDocument(db: DB, log: Pick<StoredLog, "referenceDoctype" | "referenceDocument">): Promise<Doc | undefined> {
  if (!log.referenceDoctype || !log.referenceDocument) return undefined;
  const [row] = await db
    .select({ data: document.data })
    .from(document)
    .where(and(eq(document.doctype, log.referenceDoctype), eq(document.name, log.referenceDocument)))
    .limit(1);
  const v: unknown = row?.data;
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Doc) : undefined;
}

/** The current document through the current webhook, rendered in the pool: what ingest would store now. */
export async function rerender(db: DB, log: StoredLog, spec: WebhookSpec): Promise<BaseRequest> {
  const doc = await storedDocument(db, log);
  if (!doc)
    throw new AppError("CONFLICT", `The document ${log.referenceDoctype ?? ""} ${log.referenceDocument ?? ""} is not stored any more`);
  try {
    return await render(spec, doc, {
      doctype: log.referenceDoctype ?? spec.webhookDoctype,
      event: log.docEvent ?? spec.webhookDocevent,
      user: log.user,
      ...(log.event ? { eventId: log.event } : {}),
    });
  } catch (e) {
    throw new AppError("VALIDATION_ERROR", `Render error: ${errorText(e)}`);
  }
}

/** The stored request's base headers; rows from before they were stored fall back to the webhook's own. */
function storedBaseHeaders(log: StoredLog, spec: WebhookSpec): Record<string, string> {
  const sealed = unsealHeaders(log.requestHeaders);
  if (sealed) return sealed;
  const shown = parseHeaders(log.headers);
  const type = Object.entries(shown).find(([k]) => k.toLowerCase() === "content-type");
  const headers: Record<string, string> = type ? { [type[0]]: type[1] } : {};
  for (const h of spec.headers) if (h.key.trim() && h.value.trim()) headers[h.key.trim()] = h.value.trim();
  return headers;
}

const headerValue = (h: Record<string, string>, name: string) => Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1];

/** The `webhook-id` the original request went out with (display headers, else the last attempt's record). */
async function originalMessageId(db: DB, log: StoredLog): Promise<string | undefined> {
  const fromHeaders = headerValue(parseHeaders(log.headers), "webhook-id");
  if (fromHeaders && !fromHeaders.startsWith("***")) return fromHeaders;
  const a = webhookRequestAttempt;
  const [last] = await db
    .select({ signature: a.signature })
    .from(a)
    .where(and(eq(a.log, log.name), isNotNull(a.signature)))
    .orderBy(desc(a.attempt), desc(a.id))
    .limit(1);
  return parseAttemptSignature(last?.signature)?.id;
}

async function refuseInFlight(db: DB, log: string, now: number): Promise<PendingDelivery | undefined> {
  const pending = await pendingDeliveryOf(db, log);
  if (pending?.leaseUntil && pending.leaseUntil >= now)
    throw new AppError("CONFLICT", "This request is being sent right now; try again in a moment");
  return pending;
}

/** Display headers for the log: what the request will carry, signatures masked (made at send time). */
function displayHeaders(spec: WebhookSpec, base: BaseRequest, id: string, now: number): string {
  return JSON.stringify(maskedHeaders(finalize(spec, base, { id, nowMs: now }).headers, spec));
}

/** Resend: queues the stored request again, in the caller's transaction (bulk jobs batch many). */
export async function resendStored(db: DB, name: string, now = Date.now()): Promise<ResendResult> {
  const log = await loadLog(db, name);
  if (log.data === null || !log.url) {
    throw new AppError("CONFLICT", "Nothing was rendered for this log (it failed before sending); use Re-render and send");
  }
  const w = await loadWebhookOf(db, log);
  const pending = await refuseInFlight(db, name, now);
  const original = pending?.id ?? (await originalMessageId(db, log));
  const id = original && (pending?.id === original || !(await deliveryIdTaken(db, original))) ? original : newId("msg_");
  const base = baseOf(
    { method: log.requestMethod || w.spec.requestMethod, url: log.url, headers: storedBaseHeaders(log, w.spec), body: log.data },
    w.spec,
  );
  // The shown request stays as it was, unless the message id changed.
  await queueRequest(db, w, name, id, base, now, headerValue(parseHeaders(log.headers), "webhook-id") !== id);
  return { log: name, delivery: id, status: LOG_STATUS.queued };
}

function queueRequest(
  db: DB,
  w: WebhookWithSpec & { spec: WebhookSpec },
  log: string,
  id: string,
  base: BaseRequest,
  now: number,
  show: boolean,
): Promise<void> {
  return requeue(db, {
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

/** Re-render and send: renders now (in the pool, outside any transaction), then queues it as a new message. */
export async function rerenderAndQueue(db: DB, name: string): Promise<ResendResult> {
  const log = await loadLog(db, name);
  const w = await loadWebhookOf(db, log);
  const base = await rerender(db, log, w.spec);
  const id = newId("msg_");
  const now = Date.now();
  await tx(
    async (t) => {
      await refuseInFlight(t, name, now);
      await queueRequest(t, w, name, id, base, now, true);
    },
    {},
    db,
  );
  return { log: name, delivery: id, status: LOG_STATUS.queued };
}
