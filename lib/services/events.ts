import "server-only";
// Ingest: what POST /api/events does, in one SQLite transaction per request — store the
// events, upsert document snapshots, register unknown DocTypes, route every event through
// the webhooks of its DocType, render the matching requests and queue deliveries. The
// dispatcher is woken only after the commit, so nothing is sent for a rejected request.
import type Database from "better-sqlite3";
import type { DB } from "@/db";
import { LOG_STATUS, SUBMIT_EVENTS } from "@/lib/constants";
import { notifyDeliveriesQueued } from "@/lib/dispatcher/signal";
import { newId } from "@/lib/ids";
import { buildRequest, evaluateCondition, maskHeaders } from "@/lib/renderer";
import type { Doc, RenderedRequest } from "@/lib/renderer/types";
import { DoctypeRegistrar } from "./doctype-infer";
import type { EventInput } from "./event-input";
import { conditionValues, type RoutingEntry } from "./routing";
import { refreshWebhookCache, skipReason, webhooksFor, type WebhookWithSpec } from "./webhook-spec";

export { parseEventsBody, MAX_BODY_BYTES, MAX_EVENTS_PER_REQUEST, type EventInput } from "./event-input";
export type { RoutingEntry } from "./routing";

export interface IngestActor {
  /** Our user that owns the API key. */
  user: string;
  apiKey?: string | null;
}

export interface IngestedEvent {
  id: string;
  deliveries: { webhook: string; request_log: string }[];
  /** The idempotency key was seen before: this is the original event; nothing new was queued. */
  duplicate?: boolean;
}

export interface IngestResult {
  events: IngestedEvent[];
  /** Deliveries queued by this request. */
  queued: number;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

function statements(db: Database.Database) {
  return {
    byKey: db.prepare<[string], { id: string; routing: string }>("SELECT id, routing FROM event WHERE idempotency_key = ?"),
    insertEvent: db.prepare(
      `INSERT INTO event (id, idempotency_key, doctype, event, docname, user, api_key, posted_by, routing, created)
       VALUES (@id, @key, @doctype, @event, @docname, @user, @apiKey, @postedBy, @routing, @created)`,
    ),
    upsertDocument: db.prepare(
      `INSERT INTO document (doctype, name, data, deleted, modified) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (doctype, name) DO UPDATE SET data = excluded.data, deleted = excluded.deleted, modified = excluded.modified`,
    ),
    insertLog: db.prepare(
      `INSERT INTO webhook_request_log (name, webhook, reference_document, headers, data, user, url, error,
         reference_doctype, doc_event, request_method, event, status, attempts, is_test, created, modified)
       VALUES (@name, @webhook, @docname, @headers, @data, @user, @url, @error,
         @doctype, @docEvent, @method, @event, @status, 0, 0, @now, @now)`,
    ),
    insertDelivery: db.prepare(
      `INSERT INTO delivery (id, log, webhook, queue, method, url, headers, body, timeout_ms, max_retries, attempts, manual, due_at, created)
       VALUES (@id, @log, @webhook, @queue, @method, @url, @headers, @body, @timeoutMs, @maxRetries, 0, 0, @now, @now)`,
    ),
  };
}
type Statements = ReturnType<typeof statements>;
const stmtCache = new WeakMap<Database.Database, Statements>();
function stmts(db: Database.Database): Statements {
  let s = stmtCache.get(db);
  if (!s) {
    s = statements(db);
    stmtCache.set(db, s);
  }
  return s;
}

interface Work {
  input: EventInput;
  id: string;
  doc: Doc;
  user: string;
  routing: RoutingEntry[];
  result: IngestedEvent;
}

interface Candidate {
  work: Work;
  webhook: WebhookWithSpec;
  entry: RoutingEntry;
}

/** Deliveries recorded in a stored routing trail (for answering a repeated idempotency key). */
function deliveriesFromRouting(json: string): IngestedEvent["deliveries"] {
  try {
    const routing = JSON.parse(json) as RoutingEntry[];
    return routing.filter((r) => r.matched && !r.reason && r.request_log).map((r) => ({ webhook: r.webhook, request_log: r.request_log ?? "" }));
  } catch {
    return [];
  }
}

export function ingestEvents(db: DB, actor: IngestActor, events: EventInput[], now = Date.now()): IngestResult {
  const client = db.$client;
  const s = stmts(client);
  const registrar = new DoctypeRegistrar(client);
  let queued = 0;

  const logRow = (w: WebhookWithSpec, work: Work, status: string, fields: { url: string; method: string; headers?: string | null; data?: string | null; error?: string | null }) => {
    const name = newId("log_");
    s.insertLog.run({
      name,
      webhook: w.row.name,
      docname: work.input.doc.name,
      headers: fields.headers ?? null,
      data: fields.data ?? null,
      user: work.user,
      url: fields.url,
      error: fields.error ?? null,
      doctype: work.input.doctype,
      docEvent: work.input.event,
      method: fields.method,
      event: work.id,
      status,
      now,
    });
    return name;
  };

  const run = () => {
    refreshWebhookCache(db);
    const seenKeys = new Map<string, IngestedEvent>();
    const works: Work[] = [];
    const results: IngestedEvent[] = [];
    // Last wins per (webhook, document) within the request, as Frappe does per transaction.
    const lastByTarget = new Map<string, Candidate>();

    for (const input of events) {
      if (input.id !== undefined) {
        const earlier = seenKeys.get(input.id);
        const stored = earlier ? undefined : s.byKey.get(input.id);
        if (earlier || stored) {
          results.push(earlier ? { ...earlier, duplicate: true } : { id: stored?.id ?? "", deliveries: deliveriesFromRouting(stored?.routing ?? "[]"), duplicate: true });
          continue;
        }
      }
      const id = newId("evt_");
      const doc: Doc = "doctype" in input.doc ? input.doc : { ...input.doc, doctype: input.doctype };
      const result: IngestedEvent = { id, deliveries: [] };
      const work: Work = { input, id, doc, user: input.user || actor.user, routing: [], result };
      if (input.id !== undefined) seenKeys.set(input.id, result);
      works.push(work);
      results.push(result);

      registrar.register(input.doctype, input.doc, false, now, SUBMIT_EVENTS.includes(input.event));
      s.upsertDocument.run(input.doctype, input.doc.name, JSON.stringify(doc), input.event === "on_trash" ? 1 : 0, now);

      for (const w of webhooksFor(db, input.doctype, { skipCheck: true })) {
        const skip = skipReason(w, input.event);
        if (skip) {
          work.routing.push({ webhook: w.row.name, matched: false, reason: skip });
          continue;
        }
        const entry: RoutingEntry = { webhook: w.row.name, matched: true };
        const condition = w.row.condition.trim();
        if (condition) {
          entry.condition = condition;
          const values = conditionValues(condition, doc);
          if (values) entry.values = values;
          let ok: boolean;
          try {
            ok = evaluateCondition(condition, doc);
          } catch (e) {
            // Logged for this webhook only; the others and the request go on.
            entry.matched = false;
            entry.reason = "condition_error";
            entry.error = errorText(e);
            entry.request_log = logRow(w, work, LOG_STATUS.error, {
              url: w.row.requestUrl,
              method: w.row.requestMethod,
              error: `Failed to evaluate the condition \`${condition}\`: ${entry.error}`,
            });
            work.routing.push(entry);
            continue;
          }
          if (!ok) {
            entry.matched = false;
            entry.reason = "condition_false";
            work.routing.push(entry);
            continue;
          }
        }
        work.routing.push(entry);
        // Seed 004: a webhook subscribed to several Webhook Events fires once per matching
        // event; otherwise the last event per document wins, as in Frappe.
        const perEvent = w.row.webhookEvents.length > 1 && w.events.includes(input.event);
        const target = `${w.row.name}\u0000${input.doctype}\u0000${input.doc.name}${perEvent ? `\u0000${input.event}` : ""}`;
        const previous = lastByTarget.get(target);
        if (previous) {
          previous.entry.reason = "superseded";
          previous.entry.superseded_by = id;
        }
        lastByTarget.set(target, { work, webhook: w, entry });
      }
    }

    // Render only the survivors of the last-wins rule.
    for (const { work, webhook: w, entry } of lastByTarget.values()) {
      let req: RenderedRequest;
      try {
        if (!w.spec) throw new Error(w.specError ?? "The webhook could not be loaded");
        req = buildRequest(w.spec, work.doc, {
          doctype: work.input.doctype,
          event: work.input.event,
          user: work.user,
          eventId: work.id,
          eventTime: new Date(now).toISOString(),
        });
      } catch (e) {
        entry.reason = "render_error";
        entry.error = errorText(e);
        entry.request_log = logRow(w, work, LOG_STATUS.error, {
          url: w.row.requestUrl,
          method: w.row.requestMethod,
          error: `Failed to compute request body: ${entry.error}`,
        });
        continue;
      }
      const deliveryId = newId("msg_");
      const log = logRow(w, work, LOG_STATUS.queued, {
        url: req.url,
        method: req.method,
        headers: JSON.stringify(maskHeaders({ ...req.headers, "webhook-id": deliveryId }, { apiKeyHeader: w.row.apiKeyHeader })),
        data: req.body,
      });
      s.insertDelivery.run({
        id: deliveryId,
        log,
        webhook: w.row.name,
        queue: w.queue,
        method: req.method,
        url: req.url,
        headers: JSON.stringify(req.headers),
        body: req.body,
        timeoutMs: w.timeoutMs,
        maxRetries: w.maxRetries,
        now,
      });
      entry.request_log = log;
      work.result.deliveries.push({ webhook: w.row.name, request_log: log });
      queued += 1;
    }

    for (const work of works) {
      s.insertEvent.run({
        id: work.id,
        key: work.input.id ?? null,
        doctype: work.input.doctype,
        event: work.input.event,
        docname: work.input.doc.name,
        user: work.user,
        apiKey: actor.apiKey ?? null,
        postedBy: actor.user,
        routing: JSON.stringify(work.routing),
        created: now,
      });
    }
    return results;
  };

  // IMMEDIATE: take the write lock up front, so a worker process writing at the same time
  // makes us wait (busy_timeout) instead of failing the upgrade from a read transaction.
  const results = client.transaction(run).immediate();
  registrar.publish();
  if (queued > 0) notifyDeliveriesQueued();
  return { events: results, queued };
}
