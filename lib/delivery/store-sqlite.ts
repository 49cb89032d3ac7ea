import "server-only";
// SQLite's implementation of the delivery store (lib/delivery/store.ts is the interface).
// The only SQL that writes `delivery`, `webhook_request_log` and `webhook_request_attempt`.
// Statuses change in two places: `insertLog` (a new row: Queued, or Error when nothing can
// be sent) and `writeOutcome` (what an attempt, a hold or a cancel made of it); the verbs
// below it (requeue, hold, release, cancel) are the desk's ways of moving a row on.
//
// Raw prepared statements, cached per connection: ingest and the dispatcher run these
// thousands of times a second.
//
// A claim moves due_at to the lease's expiry, so leased rows sit behind the due ones in the
// claim index and a lease left by a crashed process comes due exactly when it expires. A
// claim never takes a lease of its own owner back: that request is in flight here, however
// long this thread was stalled.
import type Database from "better-sqlite3";
import type { DB } from "@/db";
import { LOG_STATUS } from "@/lib/constants";
import {
  admit,
  CAP_DEFER_MS,
  cappedWebhooks,
  uncappedRest,
  withClaimed,
  OUTCOME_STATUS,
  requeuedLogValues,
  storedRequest,
  type StoredRequestRow,
} from "./claims";
import { orderBlockedSql } from "./order";
import { planRate, reserveSql, saturatedSql, slotsToReserve, slotsWanted } from "./rate-limit";
import { healthChanges } from "./health";
import { onWork, type Topic } from "./signal";
import { WEBHOOK_VERSION_KEY, WEBHOOK_VERSION_SQL } from "./webhook-version";
import type { DeliverySource, SourceOptions } from "./source";
import type { ClaimedDelivery, ClaimRequest, NewDelivery, NewLog, Outcome, Requeue } from "./types";
import { logger } from "@/lib/log";

const log = logger("delivery");

interface ClaimRow {
  id: string;
  log: string;
  webhook: string | null;
  queue: string;
  timeout_ms: number;
  max_retries: number;
  attempts: number;
  manual: number;
  sign: number;
  created: number;
  rate_slot: number | null;
  order_key: string | null;
}

interface RequestRow extends StoredRequestRow {
  name: string;
}

interface ClaimParams {
  owner: string;
  now: number;
  margin: number;
  queue: string;
  limit: number;
  capped: string;
}

/** A delivery a claim may take as far as the rate limit goes: it holds a slot, or its webhook is not saturated. */
const NOT_SATURATED = `(rate_slot IS NOT NULL OR webhook IS NULL OR webhook NOT IN (${saturatedSql("@now")}))`;

/** A delivery that waits for an earlier one of its document (Send in Order per Document). */
const BLOCKED = orderBlockedSql("d");

const claimSql = (extra: string) =>
  `UPDATE delivery SET lease_owner = @owner, lease_until = @now + timeout_ms + @margin, due_at = @now + timeout_ms + @margin
   WHERE id IN (
     SELECT id FROM delivery d
     WHERE queue = @queue AND held = 0 AND due_at <= @now
       AND (lease_until IS NULL OR (lease_until < @now AND lease_owner <> @owner))
       AND coalesce(webhook, '') NOT IN (SELECT value FROM json_each(@capped)) ${extra} AND NOT ${BLOCKED}
     ORDER BY due_at LIMIT @limit)
   RETURNING id, log, webhook, queue, timeout_ms, max_retries, attempts, manual, sign, created, rate_slot, order_key`;

function statements(db: Database.Database) {
  return {
    insertLog: db.prepare(
      `INSERT INTO webhook_request_log (name, webhook, reference_document, headers, data, user, url, error, reference_doctype,
         doc_event, request_method, event, status, attempts, is_test, request_headers, created, modified)
       VALUES (@name, @webhook, @referenceDocument, @headers, @data, @user, @url, @error, @referenceDoctype,
         @docEvent, @method, @event, @status, 0, @isTest, @requestHeaders, @created, @created)`,
    ),
    insertDelivery: db.prepare(
      `INSERT INTO delivery (id, log, webhook, queue, timeout_ms, max_retries, attempts, manual, sign, held, due_at, created, order_key)
       VALUES (@id, @log, @webhook, @queue, @timeoutMs, @maxRetries, 0, @manual, @sign, 0, @dueAt, @created, @orderKey)`,
    ),
    claim: db.prepare<ClaimParams, ClaimRow>(claimSql("")),
    // While some webhook is rate-limited: its deliveries without a slot are passed by once it is saturated.
    claimRated: db.prepare<ClaimParams, ClaimRow>(claimSql(`AND ${NOT_SATURATED}`)),
    slotPointer: db.prepare<[string], { next_at: number }>(`SELECT next_at FROM webhook_rate_slot WHERE webhook = ?`),
    reserveSlot: db.prepare<{ w: string; now: number; span: number }, { first: number }>(
      reserveSql((i) => ["", "@w", "@now", "@span"][i] ?? "", "max"),
    ),
    deferToSlot: db.prepare(
      `UPDATE delivery SET lease_owner = NULL, lease_until = NULL, due_at = @at, rate_slot = @at WHERE id = @id AND lease_owner = @owner`,
    ),
    slotUsed: db.prepare(`UPDATE delivery SET rate_slot = NULL WHERE id = ?`),
    requests: db.prepare<[string], RequestRow>(
      `SELECT name, request_method, url, data, request_headers, headers FROM webhook_request_log WHERE name IN (SELECT value FROM json_each(?))`,
    ),
    insertAttempt: db.prepare(
      `INSERT INTO webhook_request_attempt (log, attempt, started, success, http_status, duration_ms, response, error, manual, signature)
       SELECT name, attempts + @k, @started, @success, @httpStatus, @durationMs, @response, @error, @manual, @signature
       FROM webhook_request_log WHERE name = @log`,
    ),
    finish: db.prepare(`DELETE FROM delivery WHERE id = ? AND lease_owner = ?`),
    reschedule: db.prepare(
      `UPDATE delivery SET due_at = @dueAt, attempts = attempts + 1, lease_owner = NULL, lease_until = NULL WHERE id = @id AND lease_owner = @owner`,
    ),
    release: db.prepare(`UPDATE delivery SET lease_owner = NULL, lease_until = NULL, due_at = ? WHERE id = ? AND lease_owner = ?`),
    releaseAll: db.prepare(`UPDATE delivery SET lease_owner = NULL, lease_until = NULL, due_at = ? WHERE lease_owner = ?`),
    holdOne: db.prepare(
      `UPDATE delivery SET held = 1, lease_owner = NULL, lease_until = NULL, due_at = ? WHERE id = ? AND lease_owner = ?`,
    ),
    holdLog: db.prepare(`UPDATE webhook_request_log SET held = 1, next_retry = NULL, modified = ? WHERE name = ?`),
    updateLog: db.prepare(
      `UPDATE webhook_request_log SET status = @status, attempts = attempts + @n, next_retry = @nextRetry, held = 0,
         http_status = coalesce(@httpStatus, CASE WHEN @n > 0 THEN NULL ELSE http_status END),
         duration_ms = coalesce(@durationMs, CASE WHEN @n > 0 THEN NULL ELSE duration_ms END),
         response = coalesce(@response, CASE WHEN @n > 0 THEN NULL ELSE response END),
         error = @error, headers = coalesce(@headers, headers), modified = @now
       WHERE name = @log`,
    ),
    countAttempts: db.prepare(`UPDATE webhook_request_log SET attempts = attempts + ?, modified = ? WHERE name = ?`),
    webhookVersion: db.prepare<[], { v: string }>(WEBHOOK_VERSION_SQL),
    // health.ts: a failure starts or continues the streak (only for a webhook that exists).
    failing: db.prepare<
      { webhook: string; first: number; last: number; error: string | null; exhausted: number; log: string | null; now: number },
      { failing_since: number }
    >(
      `INSERT INTO webhook_health (webhook, failing_since, last_failure, last_error, exhausted, last_exhausted_log, modified)
       SELECT name, @first, @last, @error, @exhausted, @log, @now FROM webhook WHERE name = @webhook
       ON CONFLICT (webhook) DO UPDATE SET failing_since = coalesce(failing_since, excluded.failing_since),
         last_failure = max(coalesce(last_failure, 0), excluded.last_failure), last_error = coalesce(excluded.last_error, last_error),
         exhausted = exhausted + excluded.exhausted, last_exhausted_log = coalesce(excluded.last_exhausted_log, last_exhausted_log),
         modified = excluded.modified
       RETURNING failing_since`,
    ),
    // A streak that was warned about leaves recovered_at for the sweep's webhook.recovered alert.
    recovered: db.prepare(
      `UPDATE webhook_health SET failing_since = NULL, recovered_at = CASE WHEN warned > 0 THEN @now ELSE recovered_at END, warned = 0,
         modified = @now WHERE webhook = @webhook AND failing_since IS NOT NULL`,
    ),
    bumpVersion: db.prepare(
      `INSERT INTO setting (key, value, modified) VALUES ('${WEBHOOK_VERSION_KEY}', ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, modified = excluded.modified`,
    ),
    nextDue: db.prepare<{ queue: string; capped: string; now: number }, { due: number | null }>(
      `SELECT min(due_at) AS due FROM delivery d WHERE queue = @queue AND held = 0 AND coalesce(webhook, '') NOT IN (SELECT value FROM json_each(@capped))
         AND ${NOT_SATURATED} AND NOT ${BLOCKED}`,
    ),
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

/** The webhooks' version (webhook-spec.ts's cache check) on a statement prepared once per connection. */
export function sqliteWebhookVersion(db: DB): string {
  return stmts(db.$client).webhookVersion.get()?.v ?? "";
}

/** A new log row, and its delivery when there is something to send. Inside the caller's transaction. */
export function insertLog(db: Database.Database, log: NewLog, delivery?: NewDelivery): void {
  const s = stmts(db);
  s.insertLog.run({ ...log, isTest: log.isTest ? 1 : 0 });
  if (delivery)
    s.insertDelivery.run({
      ...delivery,
      log: log.name,
      manual: delivery.manual ? 1 : 0,
      sign: delivery.sign ? 1 : 0,
      created: log.created,
      orderKey: delivery.orderKey ?? null,
    });
}

/** A claim claims again while deliveries waiting for a rate-limit slot left its batch short, this many rounds at most. */
const CLAIM_ROUNDS = 4;

/**
 * Leases up to `c.limit` due deliveries of `c.queue` with their requests (expired leases of
 * others included), passing by webhooks at their cap; rows of one webhook beyond its cap go
 * back, due CAP_DEFER_MS later, and rows of a rate-limited webhook whose slot is still to come
 * go back due at their slot (the claim then fills their places from the queue again).
 */
function claimDue(db: Database.Database, c: ClaimRequest, owner: string, leaseMarginMs: number, now = Date.now()): ClaimedDelivery[] {
  const fair = claimFilling(db, c, owner, leaseMarginMs, now);
  const rest = uncappedRest(c, fair.found, fair.claimed.length);
  return rest ? fair.claimed.concat(claimFilling(db, rest, owner, leaseMarginMs, now).claimed) : fair.claimed;
}

function claimFilling(
  db: Database.Database,
  c: ClaimRequest,
  owner: string,
  leaseMarginMs: number,
  now: number,
): { found: number; claimed: ClaimedDelivery[] } {
  const claimed: ClaimedDelivery[] = [];
  for (let round = 1; ; round++) {
    const limit = c.limit - claimed.length;
    const r = claimOnce(db, { ...c, limit, inflight: withClaimed(c.inflight, claimed) }, owner, leaseMarginMs, now);
    const found = claimed.length + r.found;
    claimed.push(...r.claimed);
    if (!r.waiting || r.found < limit || claimed.length >= c.limit || round >= CLAIM_ROUNDS) return { found, claimed };
  }
}

function claimOnce(
  db: Database.Database,
  c: ClaimRequest,
  owner: string,
  leaseMarginMs: number,
  now: number,
): { found: number; waiting: number; claimed: ClaimedDelivery[] } {
  const s = stmts(db);
  const rows = (c.rates?.size ? s.claimRated : s.claim).all({
    owner,
    now,
    margin: leaseMarginMs,
    queue: c.queue,
    limit: c.limit,
    capped: JSON.stringify(cappedWebhooks(c)),
  });
  if (!rows.length) return { found: 0, waiting: 0, claimed: [] };
  const { admitted, deferred } = admit(rows, c);
  for (const r of deferred) s.release.run(now + CAP_DEFER_MS, r.id, owner);
  const rate = planRateSync(s, admitted, c.rates, now, owner);
  if (!rate.length) return { found: rows.length, waiting: admitted.length, claimed: [] };
  const requests = new Map(s.requests.all(JSON.stringify(rate.map((r) => r.log))).map((r) => [r.name, r]));
  const claimed = rate.map((r) => ({
    id: r.id,
    log: r.log,
    webhook: r.webhook,
    queue: r.queue,
    timeoutMs: r.timeout_ms,
    maxRetries: r.max_retries,
    attempts: r.attempts,
    manual: !!r.manual,
    sign: !!r.sign,
    created: r.created,
    orderKey: r.order_key,
    ...storedRequest(requests.get(r.log)),
  }));
  return { found: rows.length, waiting: admitted.length - rate.length, claimed };
}

/** The rows to send now; the others (a rate-limited webhook's, before their slot) go back due at their slots. */
function planRateSync(s: Statements, rows: ClaimRow[], rates: ClaimRequest["rates"], now: number, owner: string): ClaimRow[] {
  if (!rates?.size) return rows;
  const firsts = new Map<string, { first: number; n: number }>();
  for (const [webhook, w] of slotsWanted(rows, rates)) {
    const n = slotsToReserve(w.n, w.intervalMs, s.slotPointer.get(webhook)?.next_at, now);
    const first = n > 0 ? s.reserveSlot.get({ w: webhook, now, span: n * w.intervalMs })?.first : 0;
    if (first !== undefined) firsts.set(webhook, { first, n });
  }
  const plan = planRate(rows, rates, firsts, now);
  for (const d of plan.defer) s.deferToSlot.run({ at: d.at, id: d.row.id, owner });
  for (const d of plan.release) s.release.run(now, d.id, owner);
  for (const id of plan.usedSlots) s.slotUsed.run(id);
  return plan.send;
}

/** When the next not-held delivery of `queue` comes due (epoch ms), or null; `capped` webhooks' are left out. */
function nextDueAt(db: Database.Database, queue: string, capped: string[] = []): number | null {
  return stmts(db).nextDue.get({ queue, capped: JSON.stringify(capped), now: Date.now() })?.due ?? null;
}

function writeOne(s: Statements, o: Outcome, owner: string, now: number): void {
  const d = o.delivery;
  if (o.kind === "released") {
    s.release.run(now, d.id, owner);
    return;
  }
  if (o.kind === "held") {
    if (s.holdOne.run(now, d.id, owner).changes > 0) s.holdLog.run(now, d.log);
    return;
  }
  o.attempts.forEach((a, i) =>
    s.insertAttempt.run({
      log: d.log,
      k: i + 1,
      started: a.started,
      success: o.kind === "delivered" && i === o.attempts.length - 1 ? 1 : 0,
      httpStatus: a.httpStatus ?? null,
      durationMs: a.durationMs ?? null,
      response: a.response ?? null,
      error: a.error ?? null,
      manual: d.manual ? 1 : 0,
      signature: a.signature ?? null,
    }),
  );
  // Only the lease holder moves the delivery on; if our lease expired and another worker
  // took it over, the attempts are still counted but the other worker owns the outcome.
  const held =
    o.kind === "retry"
      ? s.reschedule.run({ dueAt: o.nextDueAt ?? now, id: d.id, owner }).changes > 0
      : s.finish.run(d.id, owner).changes > 0;
  if (!held) {
    if (o.attempts.length) s.countAttempts.run(o.attempts.length, now, d.log);
    return;
  }
  const last = o.attempts[o.attempts.length - 1];
  s.updateLog.run({
    log: d.log,
    status: OUTCOME_STATUS[o.kind],
    n: o.attempts.length,
    nextRetry: o.kind === "retry" ? (o.nextDueAt ?? now) : null,
    httpStatus: last?.httpStatus ?? null,
    durationMs: last?.durationMs ?? null,
    response: last?.response ?? null,
    error: o.error ?? last?.error ?? null,
    headers: o.sentHeaders ?? null,
    now,
  });
}

/**
 * The batch's effect on its webhooks' failing streaks (health.ts). A streak that begins or
 * ends bumps the webhooks' version, so every process's webhook cache (and with it each
 * dispatcher's "is it failing" check) sees it.
 */
function writeHealth(s: Statements, outcomes: Outcome[], now: number): void {
  const { failures, recovered } = healthChanges(outcomes);
  let changed = false;
  for (const f of failures) {
    const row = s.failing.get({ ...f, log: f.lastExhaustedLog, now });
    if (row && row.failing_since === f.first) changed = true;
  }
  for (const webhook of recovered) if (s.recovered.run({ now, webhook }).changes > 0) changed = true;
  if (changed) s.bumpVersion.run(`${now.toString(36)}-health-${Math.random().toString(36).slice(2, 10)}`, now);
}

/**
 * One write transaction per dispatcher cycle: the outcomes of finished requests, then the
 * next claims. If the batch fails, outcomes are written one by one so a bad row cannot sink
 * the rest (and nothing is claimed this cycle).
 */
function cycle(
  db: Database.Database,
  outcomes: Outcome[],
  claims: ClaimRequest[],
  owner: string,
  leaseMarginMs: number,
  now = Date.now(),
): Map<string, ClaimedDelivery[]> {
  const s = stmts(db);
  const claimed = new Map<string, ClaimedDelivery[]>();
  try {
    db.transaction(() => {
      for (const o of outcomes) writeOne(s, o, owner, now);
      writeHealth(s, outcomes, now);
      for (const c of claims) if (c.limit > 0) claimed.set(c.queue, claimDue(db, c, owner, leaseMarginMs, now));
    }).immediate();
    return claimed;
  } catch (batchError) {
    if (!outcomes.length) throw batchError;
    log.error({ err: batchError }, "batch write failed, writing outcomes one by one");
    for (const o of outcomes) {
      try {
        db.transaction(() => {
          writeOne(s, o, owner, now);
          writeHealth(s, [o], now);
        }).immediate();
      } catch (e) {
        // The lease will expire and the delivery be sent again: at least once, never lost.
        log.error({ err: e, delivery: o.delivery.id }, "could not record the outcome of a delivery");
      }
    }
    return new Map();
  }
}

/** Gives back every lease this owner holds (shutdown). */
function releaseAll(db: Database.Database, owner: string): number {
  return stmts(db).releaseAll.run(Date.now(), owner).changes;
}

// ─── The desk's verbs on pending deliveries ────────────────────────────────────────────

/** Disabling a webhook: its pending deliveries wait (not sent, not counted). In the caller's transaction. */
export function holdWebhook(db: Database.Database, webhook: string, now = Date.now()): number {
  const n = db.prepare(`UPDATE delivery SET held = 1 WHERE webhook = ? AND held = 0`).run(webhook).changes;
  if (n) {
    db.prepare(
      `UPDATE webhook_request_log SET held = 1, next_retry = NULL, modified = ? WHERE name IN (SELECT log FROM delivery WHERE webhook = ?)`,
    ).run(now, webhook);
  }
  return n;
}

/** Enabling it again: held deliveries go when due (at once if their time passed). */
export function releaseWebhook(db: Database.Database, webhook: string, now = Date.now()): number {
  const n = db.prepare(`UPDATE delivery SET held = 0 WHERE webhook = ? AND held = 1`).run(webhook).changes;
  if (n) {
    db.prepare(
      `UPDATE webhook_request_log SET held = 0, modified = @now,
         next_retry = CASE WHEN status = '${LOG_STATUS.failed}' THEN (SELECT max(d.due_at, @now) FROM delivery d WHERE d.log = webhook_request_log.name) ELSE NULL END
       WHERE name IN (SELECT log FROM delivery WHERE webhook = @webhook)`,
    ).run({ now, webhook });
  }
  return n;
}

/** Deleting a webhook: its pending deliveries end Cancelled, in the caller's transaction. */
export function cancelWebhook(db: Database.Database, webhook: string, reason: string, now = Date.now()): number {
  db.prepare(
    `UPDATE webhook_request_log SET status = ?, next_retry = NULL, held = 0, error = ?, modified = ? WHERE name IN (SELECT log FROM delivery WHERE webhook = ?)`,
  ).run(LOG_STATUS.cancelled, reason, now, webhook);
  return db.prepare(`DELETE FROM delivery WHERE webhook = ?`).run(webhook).changes;
}

/**
 * Queues one manual attempt for a log now (manual deliveries are never retried): moves up
 * its pending delivery when there is one (so a log never has two), else inserts one.
 */
export function requeue(db: Database.Database, r: Requeue): void {
  const pending = db.prepare(`SELECT id FROM delivery WHERE log = ? LIMIT 1`).get(r.log) as { id: string } | undefined;
  if (pending) {
    // max_retries = attempts: the attempt about to be made is the last one.
    db.prepare(`UPDATE delivery SET id = ?, manual = 1, sign = 1, held = 0, max_retries = attempts, due_at = ? WHERE id = ?`).run(
      r.id,
      r.now,
      pending.id,
    );
  } else {
    db.prepare(
      `INSERT INTO delivery (id, log, webhook, queue, timeout_ms, max_retries, attempts, manual, sign, held, due_at, created)
       VALUES (?, ?, ?, ?, ?, 0, 0, 1, 1, 0, ?, ?)`,
    ).run(r.id, r.log, r.webhook, r.queue, r.timeoutMs, r.now, r.now);
  }
  db.prepare(
    `UPDATE webhook_request_log SET status = ?, next_retry = NULL, held = 0, request_method = ?, url = ?, headers = coalesce(?, headers), data = ?,
       request_headers = ?, modified = ? WHERE name = ?`,
  ).run(...requeuedLogValues(r));
}

// ─── Retention ──────────────────────────────────────────────────────────────────────────

/**
 * Deletes up to `limit` logs created before `cutoff` (their attempts and pending deliveries
 * go with them: ON DELETE CASCADE) in one transaction; returns how many.
 */
export function purgeLogsBefore(db: Database.Database, cutoff: number, limit: number): number {
  return db
    .transaction(
      () =>
        db
          .prepare(`DELETE FROM webhook_request_log WHERE name IN (SELECT name FROM webhook_request_log WHERE created < ? LIMIT ?)`)
          .run(cutoff, limit).changes,
    )
    .immediate();
}

// ─── The dispatcher's source (see source.ts) ────────────────────────────────────────────

/** Cycles on the dispatcher thread's own connection: one synchronous IMMEDIATE transaction each. */
export class SqliteSource implements DeliverySource {
  readonly dialect = "sqlite" as const;
  private readonly client: Database.Database;

  constructor(
    db: DB,
    private readonly opts: SourceOptions,
  ) {
    this.client = db.$client;
  }

  async start(): Promise<void> {}

  async cycle(outcomes: Outcome[], claims: ClaimRequest[]): Promise<Map<string, ClaimedDelivery[]>> {
    return cycle(this.client, outcomes, claims, this.opts.owner, this.opts.leaseMarginMs);
  }

  async nextDueAt(queue: string, capped: string[]): Promise<number | null> {
    return nextDueAt(this.client, queue, capped);
  }

  async releaseAll(): Promise<number> {
    return releaseAll(this.client, this.opts.owner);
  }

  onWork(cb: (topic: Topic) => void): () => void {
    return onWork(cb);
  }

  async close(): Promise<void> {}
}
