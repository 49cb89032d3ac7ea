import "server-only";
// Ingest: what POST /api/events does. First, off the request's thread, every condition and
// template runs in the render pool (hard time and memory limits). Then one
// transaction stores the events, upserts document snapshots, registers unknown DocTypes,
// and queues the requests through lib/delivery. The dispatcher is woken only after the
// commit, so nothing is sent for a rejected request. On SQLite, when another connection holds
// the write lock, the transaction is retried without blocking the thread, and after a few
// seconds the request is answered 503 with Retry-After (db/index.ts's tx()).
import { inArray } from "drizzle-orm";
import { tx, type DB } from "@/db";
import { event } from "@/db/schema";
import { LOG_STATUS, SUBMIT_EVENTS } from "@/lib/constants";
import {
  baseOf,
  insertLogs,
  notifyDeliveriesQueued,
  orderKeyOf,
  queuedHeaders,
  refreshWebhookCache,
  sealHeaders,
  skipReason,
  unsignedSpec,
  webhooksFor,
  type BaseRequest,
  type WebhookWithSpec,
} from "@/lib/delivery";
import { newId } from "@/lib/ids";
import { renderPool, type RenderOutcome, type RenderTask } from "@/lib/renderer/pool";
import type { Doc, RenderedRequest } from "@/lib/renderer/types";
import { DoctypeRegistrar } from "../doctype/doctype-infer";
import { insertEvents, upsertDocuments, type DocumentRow } from "./ingest-rows";
import type { EventInput } from "./event-input";
import { conditionValues, type RoutingEntry } from "./routing";
import { countEvent, countQueued, countRenderError } from "@/lib/metrics";

export { parseEventsBody, MAX_BODY_BYTES, type EventInput } from "./event-input";
export type { RoutingEntry } from "./routing";

export interface IngestActor {
  /** Our user that owns the API key. */
  user: string;
  apiKey?: string | null;
}

interface IngestedEvent {
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

type StoredEvent = { id: string; routing: unknown[] };

/**
 * The events stored under these idempotency keys, by key, in one query (a request carries
 * at most 1,000 keys (event-input.ts): well under both dialects' bind-parameter limits).
 */
async function storedByKeys(db: DB, keys: string[]): Promise<Map<string, StoredEvent>> {
  const out = new Map<string, StoredEvent>();
  if (!keys.length) return out;
  const rows = await db
    .select({ key: event.idempotencyKey, id: event.id, routing: event.routing })
    .from(event)
    .where(inArray(event.idempotencyKey, [...new Set(keys)]));
  for (const r of rows) if (r.key !== null) out.set(r.key, { id: r.id, routing: r.routing });
  return out;
}

/** A second request with the same idempotency key committed between our check and our insert (PostgreSQL). */
function isIdempotencyConflict(e: unknown): boolean {
  for (let c: unknown = e; c; c = (c as { cause?: unknown }).cause) {
    const pg = c as { code?: string; constraint?: string };
    if (pg.code === "23505" && pg.constraint === "event_idempotency_key_idx") return true;
  }
  return false;
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

/** A log row to write: Error (nothing to send) or Queued with its request. */
interface Planned {
  candidate: Candidate;
  error?: string;
  request?: BaseRequest;
}

/** Deliveries recorded in a stored routing trail (for answering a repeated idempotency key). */
function deliveriesFromRouting(routing: unknown[]): IngestedEvent["deliveries"] {
  return (routing as RoutingEntry[])
    .filter((r) => r && r.matched && !r.reason && r.request_log)
    .map((r) => ({ webhook: r.webhook, request_log: r.request_log ?? "" }));
}

const failure = (o: RenderOutcome): string => (o.ok ? "" : o.error.message);

/** Runs tasks in the pool; an empty list costs nothing. */
async function runTasks(tasks: RenderTask[]): Promise<RenderOutcome[]> {
  return tasks.length ? renderPool().run(tasks) : [];
}

export async function ingestEvents(db: DB, actor: IngestActor, events: EventInput[], now = Date.now()): Promise<IngestResult> {
  await refreshWebhookCache(db);

  // 1. Route (reads only): which webhooks each event reaches, before any condition runs.
  const seenKeys = new Map<string, IngestedEvent>();
  const works: Work[] = [];
  const results: IngestedEvent[] = [];
  const routed: Candidate[] = [];
  const keysOf = (inputs: EventInput[]) => inputs.flatMap((i) => (i.id !== undefined ? [i.id] : []));
  const storedBefore = await storedByKeys(db, keysOf(events));
  for (const input of events) {
    if (input.id !== undefined) {
      const earlier = seenKeys.get(input.id);
      const stored = earlier ? undefined : storedBefore.get(input.id);
      if (earlier || stored) {
        results.push(
          earlier
            ? { ...earlier, duplicate: true }
            : { id: stored?.id ?? "", deliveries: deliveriesFromRouting(stored?.routing ?? []), duplicate: true },
        );
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
    for (const w of await webhooksFor(db, input.doctype, { skipCheck: true })) {
      const skip = skipReason(w, input.event);
      if (skip) {
        work.routing.push({ webhook: w.row.name, matched: false, reason: skip });
        continue;
      }
      const entry: RoutingEntry = { webhook: w.row.name, matched: true };
      work.routing.push(entry);
      routed.push({ work, webhook: w, entry });
    }
  }

  // 2. Conditions, in the render pool (an empty condition costs no round trip).
  const planned: Planned[] = [];
  const withCondition = routed.filter((c) => c.webhook.row.condition.trim() !== "");
  const verdicts = await runTasks(
    withCondition.map((c) => ({ kind: "condition", condition: c.webhook.row.condition.trim(), doc: c.work.doc })),
  );
  const verdictOf = new Map(withCondition.map((c, i) => [c, verdicts[i]]));
  // Last wins per (webhook, document) within the request, as Frappe does per transaction.
  const lastByTarget = new Map<string, Candidate>();
  for (const c of routed) {
    const { work, webhook: w, entry } = c;
    const condition = w.row.condition.trim();
    if (condition) {
      entry.condition = condition;
      const values = conditionValues(condition, work.doc);
      if (values) entry.values = values;
      const v = verdictOf.get(c);
      if (!v || !v.ok) {
        // Logged for this webhook only; the others and the request go on.
        entry.matched = false;
        entry.reason = "condition_error";
        entry.error = v ? failure(v) : "The condition was not evaluated";
        planned.push({ candidate: c, error: `Failed to evaluate the condition \`${condition}\`: ${entry.error}` });
        continue;
      }
      if (v.value !== true) {
        entry.matched = false;
        entry.reason = "condition_false";
        continue;
      }
    }
    // Seed 004: a webhook subscribed to several Webhook Events fires once per matching
    // event; otherwise the last event per document wins, as in Frappe.
    const perEvent = w.row.webhookEvents.length > 1 && w.events.includes(work.input.event);
    const target = `${w.row.name}\u0000${work.input.doctype}\u0000${work.input.doc.name}${perEvent ? `\u0000${work.input.event}` : ""}`;
    const previous = lastByTarget.get(target);
    if (previous) {
      previous.entry.reason = "superseded";
      previous.entry.superseded_by = work.id;
    }
    lastByTarget.set(target, c);
  }

  // 3. Render only the survivors of the last-wins rule, in the pool; no secret goes in.
  // (Map's entries rather than .values(): the data-layer lint rule reads any .values() as a query.)
  const lastWins = Array.from(lastByTarget, ([, c]) => c);
  const survivors = lastWins.filter((c) => c.webhook.spec);
  const renders = await runTasks(
    survivors.map((c) => ({
      kind: "request",
      spec: unsignedSpec(c.webhook.spec ?? ({} as never)),
      doc: c.work.doc,
      ctx: {
        doctype: c.work.input.doctype,
        event: c.work.input.event,
        user: c.work.user,
        eventId: c.work.id,
        eventTime: new Date(now).toISOString(),
      },
    })),
  );
  const renderOf = new Map(survivors.map((c, i) => [c, renders[i]]));
  for (const c of lastWins) {
    const r = renderOf.get(c);
    const why = !c.webhook.spec
      ? (c.webhook.specError ?? "The webhook could not be loaded")
      : !r
        ? "The request was not rendered"
        : r.ok
          ? ""
          : failure(r);
    if (why || !r?.ok) {
      c.entry.reason = "render_error";
      c.entry.error = why;
      planned.push({ candidate: c, error: `Failed to compute request body: ${why}` });
      continue;
    }
    planned.push({ candidate: c, request: baseOf(r.value as RenderedRequest, c.webhook.spec) });
  }

  // 4. One transaction: idempotency re-checked, documents, log rows + deliveries, events.
  // Everything it needs was computed above: it holds only queries. It may run again (a
  // retried PostgreSQL transaction), so it starts from scratch each time.
  let queued = 0;
  const queuedByQueue = new Map<string, number>();
  let stored = new Set<Work>();
  let registrar: DoctypeRegistrar | undefined;
  const write = async (t: DB) => {
    queued = 0;
    queuedByQueue.clear();
    for (const work of works) work.result.deliveries.length = 0;
    // A fresh registrar per try: a rolled-back try must not leave DocTypes marked as known.
    registrar = await DoctypeRegistrar.open(t, db);
    // Another request may have stored the same idempotency keys since step 1.
    const storedNow = await storedByKeys(t, keysOf(works.map((w) => w.input)));
    const fresh = new Set<Work>();
    stored = fresh;
    // Last wins per document within the request, as the upserts one by one did.
    const docs = new Map<string, DocumentRow>();
    for (const work of works) {
      const stored = work.input.id !== undefined ? storedNow.get(work.input.id) : undefined;
      if (stored) {
        Object.assign(work.result, { id: stored.id, deliveries: deliveriesFromRouting(stored.routing), duplicate: true });
        continue;
      }
      fresh.add(work);
      await registrar.register(work.input.doctype, work.input.doc, false, now, SUBMIT_EVENTS.includes(work.input.event));
      docs.set(`${work.input.doctype}\u0000${work.input.doc.name}`, {
        doctype: work.input.doctype,
        name: work.input.doc.name,
        data: work.doc,
        deleted: work.input.event === "on_trash",
        modified: now,
      });
    }
    await upsertDocuments(
      t,
      Array.from(docs, ([, d]) => d),
    );
    const entries: Parameters<typeof insertLogs>[1] = [];
    for (const p of planned) {
      const { work, webhook: w, entry } = p.candidate;
      if (!fresh.has(work)) continue;
      const name = newId("log_");
      entry.request_log = name;
      const common = {
        name,
        webhook: w.row.name,
        referenceDoctype: work.input.doctype,
        referenceDocument: work.input.doc.name,
        docEvent: work.input.event,
        event: work.id,
        user: work.user,
        isTest: false,
        created: now,
      };
      if (!p.request) {
        entries.push({
          log: {
            ...common,
            url: w.row.requestUrl,
            method: w.row.requestMethod,
            headers: null,
            data: null,
            requestHeaders: null,
            status: LOG_STATUS.error,
            error: p.error ?? null,
          },
        });
        continue;
      }
      const deliveryId = newId("msg_");
      const spec = w.spec;
      entries.push({
        log: {
          ...common,
          url: p.request.url,
          method: p.request.method,
          headers: JSON.stringify(queuedHeaders(spec, p.request, deliveryId)),
          data: p.request.body,
          requestHeaders: sealHeaders(p.request.headers, spec?.apiKeyHeader ? [spec.apiKeyHeader] : []),
          status: LOG_STATUS.queued,
          error: null,
        },
        delivery: {
          id: deliveryId,
          webhook: w.row.name,
          queue: w.queue,
          timeoutMs: w.timeoutMs,
          maxRetries: w.maxRetries,
          manual: false,
          sign: true,
          dueAt: now,
          orderKey: w.row.sendInOrder ? orderKeyOf(work.input.doctype, work.input.doc.name) : null,
        },
      });
      work.result.deliveries.push({ webhook: w.row.name, request_log: name });
      queued += 1;
    }
    await insertLogs(t, entries);
    for (const e of entries) if (e.delivery) queuedByQueue.set(e.delivery.queue, (queuedByQueue.get(e.delivery.queue) ?? 0) + 1);
    await insertEvents(
      t,
      Array.from(fresh, (work) => ({
        id: work.id,
        idempotencyKey: work.input.id ?? null,
        doctype: work.input.doctype,
        event: work.input.event,
        docname: work.input.doc.name,
        user: work.user,
        apiKey: actor.apiKey ?? null,
        postedBy: actor.user,
        routing: work.routing,
        created: now,
      })),
    );
  };
  // On SQLite tx() takes the write lock up front (BEGIN IMMEDIATE, retried without blocking,
  // then 503 BUSY). On PostgreSQL it runs READ COMMITTED: every write is an insert of new
  // rows or an upsert, so concurrent batches don't need serializing (SERIALIZABLE made four
  // batches in parallel conflict and re-run, down to ~150 events/s). Two requests with one new
  // idempotency key can both pass the re-check; the loser's insert fails on the unique index,
  // and its next try answers the winner's event as a duplicate.
  for (let attempt = 1; ; attempt++) {
    try {
      await tx(write, { isolation: "read committed" }, db);
      break;
    } catch (e) {
      if (attempt < 3 && isIdempotencyConflict(e)) continue;
      throw e;
    }
  }
  await registrar?.publish(db);
  for (const work of stored) countEvent(work.input.doctype, work.input.event);
  for (const [queue, n] of queuedByQueue) countQueued(queue, n);
  countRenderError("condition", planned.filter((p) => p.candidate.entry.reason === "condition_error").length);
  countRenderError("template", planned.filter((p) => p.candidate.entry.reason === "render_error").length);
  if (queued > 0) notifyDeliveriesQueued();
  return { events: results, queued };
}
