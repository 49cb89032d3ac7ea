import "server-only";
// Send Test (frappe/frappe#13158): the unsaved form's request for a stored document, built
// by lib/delivery's `prepare` (rendered in the pool, signed now) and sent by the dispatcher
// as a one-shot delivery — the same SSRF guard, timeout and no redirects as every other
// send — logged as a test (is_test, one attempt, no retries). This waits for its outcome.
import { setTimeout as sleep } from "node:timers/promises";
import { getDb, tx, type DB } from "@/db";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { LOG_STATUS } from "@/lib/constants";
import {
  insertLog,
  logOutcome,
  maskedHeaders,
  notifyDeliveriesQueued,
  prepare,
  queueOf,
  sealHeaders,
  toWebhookSpec,
  type PreparedRequest,
} from "@/lib/delivery";
import { AppError, invalid } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { draftRow, lenient, liveDocument, storedRow } from "./webhook-preview";

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
  const stored = await storedRow(db, savedName);
  const found = await liveDocument(db, v.webhook_doctype, documentName);
  if (!found) throw invalid("preview_document", `${v.webhook_doctype} ${documentName} not found`);

  const now = Date.now();
  const spec = toWebhookSpec(draftRow(v, stored, actor), v.webhook_headers, v.webhook_data, now);
  const id = newId("msg_");
  let req: PreparedRequest;
  try {
    req = await prepare(
      spec,
      found.data,
      { doctype: v.webhook_doctype, event: v.webhook_docevent, user: actor.user, eventTime: new Date(now).toISOString() },
      { id, nowMs: now },
    );
  } catch (e) {
    throw new AppError("VALIDATION_ERROR", `Failed to compute request body: ${message(e)}`);
  }
  const name = newId("log_");
  const timeoutMs = Math.max(1, v.timeout) * 1000;
  // Presigned (sign = false): the sealed headers are the complete request, since an unsaved
  // form's secret and API key are nowhere else. No webhook on the delivery: never held or cancelled.
  await tx(
    async (t) => {
      await insertLog(
        t,
        {
          name,
          webhook: stored?.name ?? (v.name || null),
          referenceDoctype: v.webhook_doctype,
          referenceDocument: documentName,
          docEvent: v.webhook_docevent,
          event: null,
          user: actor.user,
          url: req.url,
          method: req.method,
          headers: JSON.stringify(maskedHeaders(req.headers, spec)),
          data: req.body,
          requestHeaders: sealHeaders(req.headers, spec.apiKeyHeader ? [spec.apiKeyHeader] : []),
          status: LOG_STATUS.queued,
          error: null,
          isTest: true,
          created: now,
        },
        { id, webhook: null, queue: queueOf(v.background_jobs_queue), timeoutMs, maxRetries: 0, manual: true, sign: false, dueAt: now },
      );
    },
    {},
    db,
  );
  notifyDeliveriesQueued();
  // The dispatcher answers within the timeout; the margin covers claiming and recording.
  const deadline = Date.now() + timeoutMs + 5000;
  for (;;) {
    const o = await logOutcome(db, name);
    if (o && o.status !== LOG_STATUS.queued) {
      return {
        request_log: name,
        status: o.status,
        http_status: o.httpStatus,
        duration_ms: o.durationMs ?? 0,
        response: o.response,
        error: o.error,
      };
    }
    if (Date.now() > deadline) {
      return {
        request_log: name,
        status: LOG_STATUS.queued,
        http_status: null,
        duration_ms: 0,
        response: null,
        error: "Queued: no dispatcher has sent it yet (is one running?)",
      };
    }
    await sleep(15);
  }
}
