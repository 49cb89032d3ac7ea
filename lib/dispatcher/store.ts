import "server-only";
// The dispatcher's SQL: claiming due deliveries under a lease, and recording outcomes in
// batched transactions. Raw prepared statements (cached per connection) because these run
// thousands of times a second.
//
// A claim also moves due_at to the lease's expiry. Leased rows then sit behind the due ones
// in the (queue, due_at) index, so a claim never scans past in-flight rows, and a lease
// left behind by a crashed process comes due again exactly when it expires.
import type Database from "better-sqlite3";
import { parseHeaders } from "@/lib/headers";
import { LOG_STATUS, type LogStatus } from "@/lib/constants";

export interface ClaimedDelivery {
  id: string;
  log: string;
  webhook: string | null;
  queue: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  maxRetries: number;
  attempts: number;
  manual: boolean;
}

export type OutcomeKind = "delivered" | "retry" | "exhausted" | "error" | "released";

export interface Outcome {
  delivery: ClaimedDelivery;
  kind: OutcomeKind;
  /** Epoch ms when the attempt started. */
  started: number;
  httpStatus?: number;
  durationMs?: number;
  response?: string;
  error?: string;
  /** For "retry". */
  nextDueAt?: number;
  /** Masked JSON of the headers actually sent, when they differ from what was queued. */
  sentHeaders?: string;
  /** JSON of the signatures sent (see attemptSignature), kept for after-the-fact verification. */
  signature?: string;
}

const STATUS: Record<Exclude<OutcomeKind, "released">, LogStatus> = {
  delivered: LOG_STATUS.delivered,
  retry: LOG_STATUS.failed,
  exhausted: LOG_STATUS.exhausted,
  error: LOG_STATUS.error,
};

interface Row {
  id: string;
  log: string;
  webhook: string | null;
  queue: string;
  method: string;
  url: string;
  headers: string;
  body: string;
  timeout_ms: number;
  max_retries: number;
  attempts: number;
  manual: number;
}

function statements(db: Database.Database) {
  return {
    claim: db.prepare<{ owner: string; now: number; margin: number; queue: string; limit: number }, Row>(
      `UPDATE delivery SET lease_owner = @owner, lease_until = @now + timeout_ms + @margin, due_at = @now + timeout_ms + @margin
       WHERE id IN (
         SELECT id FROM delivery
         WHERE queue = @queue AND due_at <= @now AND (lease_until IS NULL OR lease_until < @now)
         ORDER BY due_at LIMIT @limit)
       RETURNING id, log, webhook, queue, method, url, headers, body, timeout_ms, max_retries, attempts, manual`,
    ),
    insertAttempt: db.prepare(
      `INSERT INTO webhook_request_attempt (log, attempt, started, success, http_status, duration_ms, response, error, manual, signature)
       SELECT name, attempts + 1, @started, @success, @httpStatus, @durationMs, @response, @error, @manual, @signature
       FROM webhook_request_log WHERE name = @log`,
    ),
    finish: db.prepare(`DELETE FROM delivery WHERE id = ? AND lease_owner = ?`),
    reschedule: db.prepare(
      `UPDATE delivery SET due_at = @dueAt, attempts = attempts + 1, lease_owner = NULL, lease_until = NULL
       WHERE id = @id AND lease_owner = @owner`,
    ),
    release: db.prepare(`UPDATE delivery SET lease_owner = NULL, lease_until = NULL, due_at = ? WHERE id = ? AND lease_owner = ?`),
    releaseAll: db.prepare(`UPDATE delivery SET lease_owner = NULL, lease_until = NULL, due_at = ? WHERE lease_owner = ?`),
    updateLog: db.prepare(
      `UPDATE webhook_request_log SET status = @status, attempts = attempts + 1, next_retry = @nextRetry,
         http_status = @httpStatus, duration_ms = @durationMs, response = @response, error = @error,
         headers = coalesce(@headers, headers), modified = @now
       WHERE name = @log`,
    ),
    countAttempt: db.prepare(`UPDATE webhook_request_log SET attempts = attempts + 1, modified = ? WHERE name = ?`),
  };
}
type Statements = ReturnType<typeof statements>;

const cache = new WeakMap<Database.Database, Statements>();
function stmts(db: Database.Database): Statements {
  let s = cache.get(db);
  if (!s) {
    s = statements(db);
    cache.set(db, s);
  }
  return s;
}

/** Leases up to `limit` due deliveries of `queue` in one statement (expired leases included). */
export function claimDue(db: Database.Database, queue: string, owner: string, limit: number, leaseMarginMs: number, now = Date.now()): ClaimedDelivery[] {
  const rows = stmts(db).claim.all({ owner, now, margin: leaseMarginMs, queue, limit });
  return rows.map((r) => ({
    id: r.id,
    log: r.log,
    webhook: r.webhook,
    queue: r.queue,
    method: r.method,
    url: r.url,
    headers: parseHeaders(r.headers),
    body: r.body,
    timeoutMs: r.timeout_ms,
    maxRetries: r.max_retries,
    attempts: r.attempts,
    manual: !!r.manual,
  }));
}


function writeOne(s: Statements, o: Outcome, owner: string, now: number): void {
  const d = o.delivery;
  if (o.kind === "released") {
    s.release.run(now, d.id, owner);
    return;
  }
  s.insertAttempt.run({
    log: d.log,
    started: o.started,
    success: o.kind === "delivered" ? 1 : 0,
    httpStatus: o.httpStatus ?? null,
    durationMs: o.durationMs ?? null,
    response: o.response ?? null,
    error: o.error ?? null,
    manual: d.manual ? 1 : 0,
    signature: o.signature ?? null,
  });
  // Only the lease holder moves the delivery on; if our lease expired and another worker
  // took it over, this attempt is still counted but the other worker owns the outcome.
  const held =
    o.kind === "retry"
      ? s.reschedule.run({ dueAt: o.nextDueAt ?? now, id: d.id, owner }).changes > 0
      : s.finish.run(d.id, owner).changes > 0;
  if (!held) {
    s.countAttempt.run(now, d.log);
    return;
  }
  s.updateLog.run({
    log: d.log,
    status: STATUS[o.kind],
    nextRetry: o.kind === "retry" ? (o.nextDueAt ?? now) : null,
    httpStatus: o.httpStatus ?? null,
    durationMs: o.durationMs ?? null,
    response: o.response ?? null,
    error: o.error ?? null,
    headers: o.sentHeaders ?? null,
    now,
  });
}

/** Records outcomes in one transaction; if that fails, one by one so a bad row can't sink the rest. */
export function writeOutcomes(db: Database.Database, outcomes: Outcome[], owner: string): void {
  if (!outcomes.length) return;
  const s = stmts(db);
  const now = Date.now();
  try {
    db.transaction(() => {
      for (const o of outcomes) writeOne(s, o, owner, now);
    }).immediate();
  } catch (batchError) {
    console.error("[dispatcher] batch outcome write failed, retrying one by one:", batchError);
    for (const o of outcomes) {
      try {
        db.transaction(() => writeOne(s, o, owner, now)).immediate();
      } catch (e) {
        // The lease will expire and the delivery be sent again: at least once, never lost.
        console.error(`[dispatcher] could not record the outcome of delivery ${o.delivery.id}:`, e);
      }
    }
  }
}

/** Gives back every lease this owner holds (shutdown). */
export function releaseAll(db: Database.Database, owner: string): number {
  return stmts(db).releaseAll.run(Date.now(), owner).changes;
}
