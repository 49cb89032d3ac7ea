import "server-only";
// Send Test (frappe/frappe#13158): the unsaved form's request for a stored document, sent
// now through the dispatcher's own pieces (buildRequest → signForSend → sendRequest: SSRF
// guard, timeout, no redirects), logged as a test (is_test, one attempt, no retries).
import { and, eq } from "drizzle-orm";
import { getDb, type DB } from "@/db";
import { document, webhook, webhookRequestAttempt, webhookRequestLog } from "@/db/schema";
import type { Actor } from "@/lib/auth/roles";
import { LOG_STATUS } from "@/lib/constants";
import { sendRequest } from "@/lib/dispatcher/http-send";
import { signForSend } from "@/lib/dispatcher/signing";
import { AppError, invalid } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { maskHeaders } from "@/lib/renderer/mask";
import { buildRequest } from "@/lib/renderer/request";
import type { RenderedRequest } from "@/lib/renderer/types";
import { requireManager } from "./webhook-doc";
import { draftRow, lenient } from "./webhook-preview";
import { toWebhookSpec } from "./webhook-spec";

export interface TestSendResult {
  request_log: string;
  status: string;
  http_status: number | null;
  duration_ms: number;
  /** The receiver's answer, capped at 64 KiB. */
  response: string | null;
  error: string | null;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function sendTestWebhook(
  actor: Actor | null,
  unsaved: unknown,
  documentName: string | null | undefined,
  savedName?: string | null,
  db: DB = getDb(),
): Promise<TestSendResult> {
  requireManager(actor);
  const v = lenient(unsaved);
  if (!documentName) throw invalid("preview_document", "Select a document to send a test");
  if (!v.webhook_doctype) throw invalid("webhook_doctype", "Select a DocType first");
  if (!v.request_url.trim()) throw invalid("request_url", "Request URL is required");
  const stored = savedName ? db.select().from(webhook).where(eq(webhook.name, savedName)).get() : undefined;
  const found = db
    .select({ data: document.data })
    .from(document)
    .where(and(eq(document.doctype, v.webhook_doctype), eq(document.name, documentName), eq(document.deleted, false)))
    .get();
  if (!found) throw invalid("preview_document", `${v.webhook_doctype} ${documentName} not found`);

  const now = Date.now();
  const spec = toWebhookSpec(draftRow(v, stored, actor), v.webhook_headers, v.webhook_data, now);
  let req: RenderedRequest;
  try {
    req = buildRequest(spec, found.data, { doctype: v.webhook_doctype, event: v.webhook_docevent, user: actor.user, eventTime: new Date(now).toISOString() });
  } catch (e) {
    throw new AppError("VALIDATION_ERROR", `Failed to compute request body: ${message(e)}`);
  }
  const id = newId("msg_");
  const signed = signForSend(spec, id, now, req.headers, req.body);
  // Outside any transaction: better-sqlite3 transactions are synchronous.
  const result = await sendRequest({ method: req.method, url: req.url, headers: signed.headers, body: req.body, timeoutMs: Math.max(1, v.timeout) * 1000 });
  const ok = result.httpStatus !== undefined && result.httpStatus >= 200 && result.httpStatus < 300 && !result.error;
  const status = ok ? LOG_STATUS.delivered : LOG_STATUS.failed;
  const name = newId("log_");
  const finished = Date.now();
  db.transaction((t) => {
    const tx = t as unknown as DB;
    tx.insert(webhookRequestLog)
      .values({
        name,
        webhook: stored?.name ?? (v.name || null),
        referenceDocument: documentName,
        headers: JSON.stringify(maskHeaders(signed.headers, spec)),
        data: req.body,
        user: actor.user,
        url: req.url,
        response: result.response ?? null,
        error: result.error ?? null,
        referenceDoctype: v.webhook_doctype,
        docEvent: v.webhook_docevent,
        requestMethod: req.method,
        status,
        httpStatus: result.httpStatus ?? null,
        attempts: 1,
        durationMs: result.durationMs,
        isTest: true,
        created: now,
        modified: finished,
      })
      .run();
    tx.insert(webhookRequestAttempt)
      .values({
        log: name,
        attempt: 1,
        started: now,
        success: ok,
        httpStatus: result.httpStatus ?? null,
        durationMs: result.durationMs,
        response: result.response ?? null,
        error: result.error ?? null,
        manual: true,
        signature: signed.signature,
      })
      .run();
  });
  return {
    request_log: name,
    status,
    http_status: result.httpStatus ?? null,
    duration_ms: result.durationMs,
    response: result.response ?? null,
    error: result.error ?? null,
  };
}
