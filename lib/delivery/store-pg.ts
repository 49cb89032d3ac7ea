import "server-only";
// PostgreSQL's implementation of the delivery store (lib/delivery/store.ts is the interface),
// with the same effects as store-sqlite.ts row for row: the same `delivery`,
// `webhook_request_log` and `webhook_request_attempt` writes, statuses and lease rules. What
// PostgreSQL adds is the pg-boss job that carries each due or waiting delivery (./boss.ts):
// inserted, replaced or deleted in the same transaction as the delivery row. Idle workers
// are woken after the commit, by the caller (notifyDeliveriesQueued in ./signal.ts): a
// pg_notify inside these transactions would take PostgreSQL's notify lock at every commit.
//
// Invariants: a delivery that is not held has one live job, delivery.job; a held one has
// none (job NULL) and releasing it inserts one. A fetched job whose id is not delivery.job
// is stale and deleted unsent.
//
// The dispatcher's side (`pgCycle`) batches a cycle's outcomes into a handful of statements
// (unnest arrays), then claims each queue, all in one READ COMMITTED transaction (every
// write there is guarded in its WHERE: the job id, the lease owner), as SQLite's cycle does.
//
// The read-only store functions (logOutcome, pendingDeliveryOf, deliveryIdTaken) are
// written once, with drizzle, in store.ts.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { pgClientOf, tx, type DB, type TxOptions } from "@/db";
import { onCopied } from "@/db/copy-to";
import { LOG_STATUS } from "@/lib/constants";
import { BOSS_SCHEMA, deleteJobs, ensureBoss, fetchJobs, insertJobs, type NewJob, type Sql } from "./boss";
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
import { WORK_CHANNEL } from "./signal";
import { WEBHOOK_VERSION_KEY } from "./webhook-version";
import type { ClaimedDelivery, ClaimRequest, NewDelivery, NewLog, Outcome, Requeue } from "./types";
import { logger } from "@/lib/log";

const log = logger("delivery");

/** A delivery row as the statements that give it a job return it. */
interface JobbedRow {
  id: string;
  queue: string;
  webhook: string | null;
  timeout_ms: number;
  job: string;
}

const jobOf = (r: JobbedRow, startAfter: number, slot = false): NewJob => ({
  id: r.job,
  queue: r.queue,
  delivery: r.id,
  webhook: r.webhook,
  timeoutMs: r.timeout_ms,
  startAfter,
  ...(slot ? { slot } : {}),
});

/**
 * Runs `fn` on the connection of the caller's transaction, or in a transaction of its own
 * (db/index.ts's tx: re-run on a serialization failure or deadlock). pg-boss's schema is
 * made sure of first (once per process; see ensureBoss).
 */
async function onClient<T>(db: DB, fn: (c: pg.PoolClient) => Promise<T>, isolation?: TxOptions["isolation"]): Promise<T> {
  await ensureBoss(db);
  const open = pgClientOf(db);
  if (open) return fn(open);
  return tx(
    (t) => {
      const c = pgClientOf(t);
      if (!c) throw new Error("The PostgreSQL delivery store needs a PostgreSQL handle");
      return fn(c);
    },
    { isolation },
    db,
  );
}

/** The dispatcher's transactions: on its own pool, READ COMMITTED (see the top of this file). */
const dispatcherTx = <T>(db: DB, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => onClient(db, fn, "read committed");

/**
 * New log rows, and their deliveries (each with its job) where there is something to send:
 * two statements however many (one without deliveries).
 */
export async function insertLogs(db: DB, entries: { log: NewLog; delivery?: NewDelivery }[]): Promise<void> {
  if (!entries.length) return;
  const sending = entries.flatMap((e) => (e.delivery ? [{ log: e.log, delivery: e.delivery, job: randomUUID() }] : []));
  await onClient(db, async (c) => {
    // The rows go as one JSON parameter each (json_to_recordset): JSON.stringify is native,
    // where pg's text[] parameters escape every character of every body in JavaScript.
    await c.query({
      name: "wd_insert_logs",
      text: `WITH l AS (
          INSERT INTO webhook_request_log (name, webhook, reference_document, headers, data, "user", url, error, reference_doctype,
            doc_event, request_method, event, status, attempts, is_test, request_headers, created, modified)
          SELECT name, webhook, reference_document, headers, data, "user", url, error, reference_doctype,
            doc_event, request_method, event, status, 0, is_test, request_headers, created, created
          FROM json_to_recordset($1::json) AS x(name text, webhook text, reference_document text, headers text, data text, "user" text,
            url text, error text, reference_doctype text, doc_event text, request_method text, event text, status text, is_test boolean,
            request_headers text, created bigint)
          RETURNING name, created)
        INSERT INTO delivery (id, log, webhook, queue, timeout_ms, max_retries, attempts, manual, sign, held, due_at, created, job, order_key)
        SELECT y.id, y.log, y.webhook, y.queue, y.timeout_ms, y.max_retries, 0, y.manual, y.sign, false, y.due_at, l.created, y.job, y.order_key
        FROM json_to_recordset($2::json) AS y(id text, log text, webhook text, queue text, timeout_ms int, max_retries int,
          manual boolean, sign boolean, due_at bigint, job text, order_key text)
        JOIN l ON l.name = y.log`,
      values: [
        JSON.stringify(
          entries.map(({ log: l }) => ({
            name: l.name,
            webhook: l.webhook,
            reference_document: l.referenceDocument,
            headers: l.headers,
            data: l.data,
            user: l.user,
            url: l.url,
            error: l.error,
            reference_doctype: l.referenceDoctype,
            doc_event: l.docEvent,
            request_method: l.method,
            event: l.event,
            status: l.status,
            is_test: l.isTest,
            request_headers: l.requestHeaders,
            created: l.created,
          })),
        ),
        JSON.stringify(
          sending.map(({ log: l, delivery: x, job }) => ({
            id: x.id,
            log: l.name,
            webhook: x.webhook,
            queue: x.queue,
            timeout_ms: x.timeoutMs,
            max_retries: x.maxRetries,
            manual: x.manual,
            sign: x.sign,
            due_at: x.dueAt,
            job,
            order_key: x.orderKey ?? null,
          })),
        ),
      ],
    });
    await insertJobs(
      c,
      sending.map((e) => ({
        id: e.job,
        queue: e.delivery.queue,
        delivery: e.delivery.id,
        webhook: e.delivery.webhook,
        timeoutMs: e.delivery.timeoutMs,
        startAfter: e.delivery.dueAt,
      })),
    );
  });
}

/** A new log row, and its delivery when there is something to send (see insertLogs). */
export async function insertLog(db: DB, log: NewLog, delivery?: NewDelivery): Promise<void> {
  await insertLogs(db, [delivery ? { log, delivery } : { log }]);
}

// ─── The desk's verbs on pending deliveries ────────────────────────────────────────────

/** Disabling a webhook: its pending deliveries wait (not sent, not counted); their jobs go. */
export async function holdWebhook(db: DB, webhook: string, now = Date.now()): Promise<number> {
  return onClient(db, async (c) => {
    const held = await c.query<{ queue: string; job: string | null }>(
      `WITH old AS (SELECT id, queue, job FROM delivery WHERE webhook = $1 AND NOT held FOR UPDATE),
         upd AS (UPDATE delivery d SET held = true, job = NULL FROM old WHERE d.id = old.id RETURNING d.id)
       SELECT old.queue, old.job FROM old`,
      [webhook],
    );
    if (!held.rowCount) return 0;
    await c.query(
      `UPDATE webhook_request_log SET held = true, next_retry = NULL, modified = $1 WHERE name IN (SELECT log FROM delivery WHERE webhook = $2)`,
      [now, webhook],
    );
    await deleteJobs(c, held.rows);
    return held.rowCount;
  });
}

/**
 * Enabling it again: held deliveries go when due (at once if their time passed), each with a
 * new job. The caller wakes the workers after the commit (notifyDeliveriesQueued).
 */
export async function releaseWebhook(db: DB, webhook: string, now = Date.now()): Promise<number> {
  return onClient(db, async (c) => {
    const released = await c.query<JobbedRow & { due_at: number }>(
      `UPDATE delivery SET held = false, job = gen_random_uuid()::text WHERE webhook = $1 AND held RETURNING id, queue, webhook, job, timeout_ms, due_at`,
      [webhook],
    );
    if (!released.rowCount) return 0;
    await c.query(
      `UPDATE webhook_request_log SET held = false, modified = $1,
         next_retry = CASE WHEN status = '${LOG_STATUS.failed}'
           THEN (SELECT greatest(d.due_at, $1) FROM delivery d WHERE d.log = webhook_request_log.name LIMIT 1) ELSE NULL END
       WHERE name IN (SELECT log FROM delivery WHERE webhook = $2)`,
      [now, webhook],
    );
    // A leased one (in flight) is due when its lease ends: claim moved due_at there.
    await insertJobs(
      c,
      released.rows.map((r) => jobOf(r, Math.max(r.due_at, now))),
    );
    return released.rowCount;
  });
}

/** Deleting a webhook: its pending deliveries end Cancelled, and their jobs go. */
export async function cancelWebhook(db: DB, webhook: string, reason: string, now = Date.now()): Promise<number> {
  return onClient(db, async (c) => {
    await c.query(
      `UPDATE webhook_request_log SET status = $1, next_retry = NULL, held = false, error = $2, modified = $3
       WHERE name IN (SELECT log FROM delivery WHERE webhook = $4)`,
      [LOG_STATUS.cancelled, reason, now, webhook],
    );
    const gone = await c.query<{ queue: string; job: string | null }>(`DELETE FROM delivery WHERE webhook = $1 RETURNING queue, job`, [
      webhook,
    ]);
    await deleteJobs(c, gone.rows);
    return gone.rowCount ?? 0;
  });
}

/**
 * Queues one manual attempt for a log now (manual deliveries are never retried): moves up
 * its pending delivery when there is one (so a log never has two), else inserts one. A
 * delivery in flight keeps its lease, as on SQLite: its new job starts when the lease ends.
 * The caller wakes the workers after the commit (notifyDeliveriesQueued), once for a batch.
 */
export async function requeue(db: DB, r: Requeue): Promise<void> {
  await onClient(db, async (c) => {
    const pending = (await c.query<{ id: string }>(`SELECT id FROM delivery WHERE log = $1 LIMIT 1`, [r.log])).rows[0];
    const job = randomUUID();
    if (pending) {
      // max_retries = attempts: the attempt about to be made is the last one.
      const moved = await c.query<{
        queue: string;
        timeout_ms: number;
        webhook: string | null;
        old_job: string | null;
        lease_until: number | null;
        order_key: string | null;
      }>(
        `WITH old AS (SELECT id, job, lease_until FROM delivery WHERE id = $3 FOR UPDATE)
         UPDATE delivery d SET id = $1, manual = true, sign = true, held = false, max_retries = d.attempts, due_at = $2, job = $4
         FROM old WHERE d.id = old.id
         RETURNING d.queue, d.timeout_ms, d.webhook, old.job AS old_job, old.lease_until, d.order_key`,
        [r.id, r.now, pending.id, job],
      );
      const m = moved.rows[0];
      if (m) {
        await deleteJobs(c, [{ queue: m.queue, job: m.old_job }]);
        const startAfter = m.lease_until !== null && m.lease_until > r.now ? m.lease_until : r.now;
        await insertJobs(c, [{ id: job, queue: m.queue, delivery: r.id, webhook: m.webhook, timeoutMs: m.timeout_ms, startAfter }]);
        // A new id (Re-render and send) puts it last in its document's order: the next one may go first.
        if (m.order_key && m.webhook && r.id !== pending.id)
          await wakeSuccessors(c, [{ webhook: m.webhook, orderKey: m.order_key }], r.now);
      }
    } else {
      await c.query(
        `INSERT INTO delivery (id, log, webhook, queue, timeout_ms, max_retries, attempts, manual, sign, held, due_at, created, job)
         VALUES ($1, $2, $3, $4, $5, 0, 0, true, true, false, $6, $6, $7)`,
        [r.id, r.log, r.webhook, r.queue, r.timeoutMs, r.now, job],
      );
      await insertJobs(c, [{ id: job, queue: r.queue, delivery: r.id, webhook: r.webhook, timeoutMs: r.timeoutMs, startAfter: r.now }]);
    }
    await c.query(
      `UPDATE webhook_request_log SET status = $1, next_retry = NULL, held = false, request_method = $2, url = $3, headers = coalesce($4, headers),
         data = $5, request_headers = $6, modified = $7 WHERE name = $8`,
      requeuedLogValues(r),
    );
  });
}

/**
 * Deletes up to `limit` logs created before `cutoff` with their attempts and pending
 * deliveries (and those deliveries' jobs) in one transaction; returns how many.
 */
export async function purgeLogsBefore(db: DB, cutoff: number, limit: number, now = Date.now()): Promise<number> {
  return onClient(db, async (c) => {
    const names = (
      await c.query<{ name: string }>(`SELECT name FROM webhook_request_log WHERE created < $1 LIMIT $2`, [cutoff, limit])
    ).rows.map((r) => r.name);
    if (!names.length) return 0;
    const gone = await c.query<{ queue: string; job: string | null; webhook: string | null; order_key: string | null }>(
      `DELETE FROM delivery WHERE log = ANY($1::text[]) RETURNING queue, job, webhook, order_key`,
      [names],
    );
    await deleteJobs(c, gone.rows);
    await wakeSuccessors(
      c,
      gone.rows.flatMap((r) => (r.webhook && r.order_key ? [{ webhook: r.webhook, orderKey: r.order_key }] : [])),
      now,
    );
    return (await c.query(`DELETE FROM webhook_request_log WHERE name = ANY($1::text[])`, [names])).rowCount ?? 0;
  });
}

// ─── Send in Order per Document (order.ts) ──────────────────────────────────────────────

/** A delivery that waits for an earlier one of its document. */
const BLOCKED = orderBlockedSql("d", ' COLLATE "C"');

/**
 * Fetched jobs whose delivery was not leased, because it waits for an earlier one of its
 * document: it waits without a job (job NULL) until that one ends (wakeSuccessors). One whose
 * turn came since the claim (the earlier one's end committed in between) gets a new job due
 * now instead. The fetched jobs themselves are all stale after this; the caller deletes them.
 */
async function waitInOrder(c: Sql, fetched: { id: string; data: { d: string } }[], now: number): Promise<void> {
  if (!fetched.length) return;
  const r = await c.query<JobbedRow & { job: string | null; rate_slot: number | null }>(
    `UPDATE delivery d SET job = CASE WHEN ${BLOCKED} THEN NULL ELSE gen_random_uuid()::text END
     FROM unnest($1::text[], $2::text[]) AS j(id, job)
     WHERE d.id = j.id AND d.job = j.job AND NOT d.held AND d.order_key IS NOT NULL
     RETURNING d.id, d.queue, d.webhook, d.timeout_ms, d.job, d.rate_slot`,
    [fetched.map((j) => j.data.d), fetched.map((j) => j.id)],
  );
  await insertJobs(
    c,
    r.rows.flatMap((x) => (x.job ? [jobOf({ ...x, job: x.job }, now, x.rate_slot !== null)] : [])),
  );
}

/**
 * After deliveries of these documents ended (their rows deleted in this transaction): the first
 * delivery still pending for each gets a new job due now, unless it is held or in flight. The
 * job is replaced even when it has one: a claim that found it waiting may be about to drop it
 * (waitInOrder, in a transaction that did not see this one's delete), and the row lock taken
 * here makes one of the two see the other's write.
 */
async function wakeSuccessors(c: Sql, ended: { webhook: string; orderKey: string }[], now: number): Promise<void> {
  if (!ended.length) return;
  const r = await c.query<JobbedRow & { old_job: string | null; due_at: number; rate_slot: number | null }>(
    `WITH k AS (SELECT DISTINCT webhook, order_key FROM unnest($1::text[], $2::text[]) AS k(webhook, order_key)),
       head AS (
         SELECT n.id FROM k CROSS JOIN LATERAL (
           SELECT d.id, d.held, d.lease_owner FROM delivery d WHERE d.webhook = k.webhook AND d.order_key = k.order_key ORDER BY d.id COLLATE "C" LIMIT 1) n
         WHERE NOT n.held AND n.lease_owner IS NULL ORDER BY n.id),
       old AS (SELECT d.id, d.job FROM delivery d JOIN head ON head.id = d.id WHERE NOT d.held AND d.lease_owner IS NULL FOR UPDATE OF d)
     UPDATE delivery d SET job = gen_random_uuid()::text FROM old WHERE d.id = old.id
     RETURNING d.id, d.queue, d.webhook, d.timeout_ms, d.job, old.job AS old_job, d.due_at, d.rate_slot`,
    [ended.map((e) => e.webhook), ended.map((e) => e.orderKey)],
  );
  if (!r.rowCount) return;
  await deleteJobs(
    c,
    r.rows.map((x) => ({ queue: x.queue, job: x.old_job })),
  );
  await insertJobs(
    c,
    r.rows.map((x) => jobOf(x, Math.max(Number(x.due_at), now), x.rate_slot !== null)),
  );
}

// ─── The dispatcher's side ──────────────────────────────────────────────────────────────

interface ClaimRow {
  id: string;
  log: string;
  webhook: string | null;
  queue: string;
  timeout_ms: number;
  max_retries: number;
  attempts: number;
  manual: boolean;
  sign: boolean;
  job: string;
  created: number;
  rate_slot: number | null;
  order_key: string | null;
}

/** Owner-guarded delivery changes of a batch of outcomes, then the attempts and log rows (store-sqlite's writeOne, batched). */
async function writeOutcomes(c: Sql, outcomes: Outcome[], owner: string, now: number): Promise<void> {
  if (!outcomes.length) return;
  // Attempts first: they are numbered from the log's count before this outcome.
  const a = { log: [] as string[], k: [] as number[], started: [] as number[], success: [] as boolean[] };
  const b = { http: [] as (number | null)[], dur: [] as (number | null)[], resp: [] as (string | null)[], err: [] as (string | null)[] };
  const m = { manual: [] as boolean[], sig: [] as (string | null)[] };
  for (const o of outcomes)
    o.attempts.forEach((x, i) => {
      a.log.push(o.delivery.log);
      a.k.push(i + 1);
      a.started.push(x.started);
      a.success.push(o.kind === "delivered" && i === o.attempts.length - 1);
      b.http.push(x.httpStatus ?? null);
      b.dur.push(x.durationMs ?? null);
      b.resp.push(x.response ?? null);
      b.err.push(x.error ?? null);
      m.manual.push(o.delivery.manual);
      m.sig.push(x.signature ?? null);
    });
  if (a.log.length)
    await c.query(
      `INSERT INTO webhook_request_attempt (log, attempt, started, success, http_status, duration_ms, response, error, manual, signature)
       SELECT l.name, l.attempts + a.k, a.started, a.success, a.http_status, a.duration_ms, a.response, a.error, a.manual, a.signature
       FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bool[], $5::int[], $6::int[], $7::text[], $8::text[], $9::bool[], $10::text[])
         AS a(log, k, started, success, http_status, duration_ms, response, error, manual, signature)
       JOIN webhook_request_log l ON l.name = a.log`,
      [a.log, a.k, a.started, a.success, b.http, b.dur, b.resp, b.err, m.manual, m.sig],
    );

  // Only the lease holder moves the delivery on; if our lease expired and another worker
  // took it over, the attempts are still counted but the other worker owns the outcome.
  const finishing = outcomes.filter((o) => o.kind !== "retry" && o.kind !== "released" && o.kind !== "held");
  const moving = outcomes.filter((o) => o.kind === "retry" || o.kind === "released" || o.kind === "held");
  const owned = new Set<string>();
  if (finishing.length) {
    const r = await c.query<{ id: string }>(`DELETE FROM delivery WHERE id = ANY($1::text[]) AND lease_owner = $2 RETURNING id`, [
      finishing.map((o) => o.delivery.id),
      owner,
    ]);
    for (const row of r.rows) owned.add(row.id);
  }
  // Send in Order per Document: the next delivery of each document whose request ended may go.
  const ended = finishing.filter((o) => owned.has(o.delivery.id) && o.delivery.orderKey && o.delivery.webhook);
  if (ended.length)
    await wakeSuccessors(
      c,
      ended.map((o) => ({ webhook: o.delivery.webhook ?? "", orderKey: o.delivery.orderKey ?? "" })),
      now,
    );
  const newJobs: NewJob[] = [];
  if (moving.length) {
    const due = (o: Outcome) => (o.kind === "retry" ? (o.nextDueAt ?? now) : now);
    const dueOf = new Map(moving.map((o) => [o.delivery.id, due(o)]));
    const r = await c.query<{ id: string; queue: string; webhook: string | null; timeout_ms: number; job: string | null }>(
      `UPDATE delivery d SET due_at = o.due, attempts = d.attempts + CASE WHEN o.kind = 'retry' THEN 1 ELSE 0 END,
         held = d.held OR o.kind = 'held', lease_owner = NULL, lease_until = NULL,
         job = CASE WHEN d.held OR o.kind = 'held' THEN NULL ELSE o.job END
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS o(id, kind, due, job)
       WHERE d.id = o.id AND d.lease_owner = $5
       RETURNING d.id, d.queue, d.webhook, d.timeout_ms, d.job`,
      [moving.map((o) => o.delivery.id), moving.map((o) => o.kind), moving.map(due), moving.map(() => randomUUID()), owner],
    );
    for (const row of r.rows) {
      owned.add(row.id);
      if (row.job) newJobs.push(jobOf({ ...row, job: row.job }, dueOf.get(row.id) ?? now));
    }
  }
  await deleteJobs(
    c,
    outcomes.filter((o) => owned.has(o.delivery.id)).map((o) => ({ queue: o.delivery.queue, job: o.delivery.job })),
  );
  await insertJobs(c, newJobs);

  const heldLogs = moving.filter((o) => o.kind === "held" && owned.has(o.delivery.id)).map((o) => o.delivery.log);
  if (heldLogs.length)
    await c.query(`UPDATE webhook_request_log SET held = true, next_retry = NULL, modified = $1 WHERE name = ANY($2::text[])`, [
      now,
      heldLogs,
    ]);
  const recorded = outcomes.filter((o) => o.kind !== "released" && o.kind !== "held");
  const mine = recorded.filter((o) => owned.has(o.delivery.id));
  if (mine.length) {
    const last = (o: Outcome) => o.attempts[o.attempts.length - 1];
    await c.query(
      `UPDATE webhook_request_log l SET status = u.status, attempts = l.attempts + u.n, next_retry = u.next_retry, held = false,
         http_status = coalesce(u.http_status, CASE WHEN u.n > 0 THEN NULL ELSE l.http_status END),
         duration_ms = coalesce(u.duration_ms, CASE WHEN u.n > 0 THEN NULL ELSE l.duration_ms END),
         response = coalesce(u.response, CASE WHEN u.n > 0 THEN NULL ELSE l.response END),
         error = u.error, headers = coalesce(u.headers, l.headers), modified = $10
       FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::int[], $6::int[], $7::text[], $8::text[], $9::text[])
         AS u(log, status, n, next_retry, http_status, duration_ms, response, error, headers)
       WHERE l.name = u.log`,
      [
        mine.map((o) => o.delivery.log),
        mine.map((o) => OUTCOME_STATUS[o.kind as keyof typeof OUTCOME_STATUS]),
        mine.map((o) => o.attempts.length),
        mine.map((o) => (o.kind === "retry" ? (o.nextDueAt ?? now) : null)),
        mine.map((o) => last(o)?.httpStatus ?? null),
        mine.map((o) => last(o)?.durationMs ?? null),
        mine.map((o) => last(o)?.response ?? null),
        mine.map((o) => o.error ?? last(o)?.error ?? null),
        mine.map((o) => o.sentHeaders ?? null),
        now,
      ],
    );
  }
  const theirs = recorded.filter((o) => !owned.has(o.delivery.id) && o.attempts.length);
  if (theirs.length)
    await c.query(
      `UPDATE webhook_request_log l SET attempts = l.attempts + u.n, modified = $3 FROM unnest($1::text[], $2::int[]) AS u(log, n) WHERE l.name = u.log`,
      [theirs.map((o) => o.delivery.log), theirs.map((o) => o.attempts.length), now],
    );
}

/**
 * The batch's effect on its webhooks' failing streaks (health.ts, as store-sqlite's
 * writeHealth): one upsert for the failures, one update for the streaks that ended, and a
 * webhook version bump when a streak began or ended. Rows in webhook order, so concurrent
 * workers lock them in the same order.
 */
async function writeHealth(c: Sql, outcomes: Outcome[], now: number): Promise<void> {
  const { failures, recovered } = healthChanges(outcomes);
  let changed = false;
  if (failures.length) {
    const r = await c.query<{ webhook: string; failing_since: number }>(
      `INSERT INTO webhook_health AS h (webhook, failing_since, last_failure, last_error, exhausted, last_exhausted_log, modified)
       SELECT w.name, f.first, f.last, f.error, f.exhausted, f.log, $7
       FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::int[], $6::text[]) WITH ORDINALITY AS f(webhook, first, last, error, exhausted, log, n)
       JOIN webhook w ON w.name = f.webhook ORDER BY f.n
       ON CONFLICT (webhook) DO UPDATE SET failing_since = coalesce(h.failing_since, excluded.failing_since),
         last_failure = greatest(h.last_failure, excluded.last_failure), last_error = coalesce(excluded.last_error, h.last_error),
         exhausted = h.exhausted + excluded.exhausted, last_exhausted_log = coalesce(excluded.last_exhausted_log, h.last_exhausted_log),
         modified = excluded.modified
       RETURNING h.webhook, h.failing_since`,
      [
        failures.map((f) => f.webhook),
        failures.map((f) => f.first),
        failures.map((f) => f.last),
        failures.map((f) => f.error),
        failures.map((f) => f.exhausted),
        failures.map((f) => f.lastExhaustedLog),
        now,
      ],
    );
    const first = new Map(failures.map((f) => [f.webhook, f.first]));
    if (r.rows.some((row) => Number(row.failing_since) === first.get(row.webhook))) changed = true;
  }
  if (recovered.length) {
    const r = await c.query(
      `UPDATE webhook_health SET failing_since = NULL, recovered_at = CASE WHEN warned > 0 THEN $2 ELSE recovered_at END, warned = 0, modified = $2
       WHERE webhook = ANY($1::text[]) AND failing_since IS NOT NULL`,
      [recovered, now],
    );
    if (r.rowCount) changed = true;
  }
  if (changed)
    await c.query(
      `INSERT INTO setting (key, value, modified) VALUES ('${WEBHOOK_VERSION_KEY}', $1, $2)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, modified = excluded.modified`,
      [`${now.toString(36)}-health-${randomUUID().slice(0, 8)}`, now],
    );
}

/** A claim fetches again while stale jobs or deliveries waiting for a rate-limit slot took slots of its batch, this many rounds at most. */
const CLAIM_ROUNDS = 4;

/**
 * Fetches up to `req.limit` jobs of `req.queue` (passing by webhooks at their cap) and leases
 * their deliveries; stale jobs are deleted, and jobs of one webhook beyond its cap are
 * replaced by jobs due CAP_DEFER_MS later. When the capped claim ran out of due rows, the
 * uncapped rest follows (see uncappedRest).
 */
async function claimQueue(c: Sql, req: ClaimRequest, owner: string, leaseMarginMs: number, now: number): Promise<ClaimedDelivery[]> {
  const fair = await claimFilling(c, req, owner, leaseMarginMs, now);
  const rest = uncappedRest(req, fair.found, fair.claimed.length);
  return rest ? fair.claimed.concat((await claimFilling(c, rest, owner, leaseMarginMs, now)).claimed) : fair.claimed;
}

/**
 * claimOnce, again while a round's batch was full but stale jobs (dropped unsent) left slots
 * empty: a batch of stale jobs alone must not read as a drained queue, or the dispatcher
 * would wait for its next poll with work due. `found`: the slots earlier rounds filled plus
 * what the last round fetched, so it is below `req.limit` exactly when the queue ran dry.
 */
async function claimFilling(
  c: Sql,
  req: ClaimRequest,
  owner: string,
  leaseMarginMs: number,
  now: number,
): Promise<{ found: number; claimed: ClaimedDelivery[] }> {
  const claimed: ClaimedDelivery[] = [];
  for (let round = 1; ; round++) {
    const limit = req.limit - claimed.length;
    const r = await claimOnce(c, { ...req, limit, inflight: withClaimed(req.inflight, claimed) }, owner, leaseMarginMs, now);
    const found = claimed.length + r.found;
    claimed.push(...r.claimed);
    if (!(r.stale + r.waiting) || r.found < limit || claimed.length >= req.limit || round >= CLAIM_ROUNDS) return { found, claimed };
  }
}

async function claimOnce(
  c: Sql,
  req: ClaimRequest,
  owner: string,
  leaseMarginMs: number,
  now: number,
): Promise<{ found: number; stale: number; waiting: number; claimed: ClaimedDelivery[] }> {
  const saturated = req.rates?.size ? (await c.query<{ webhook: string }>(SATURATED_SQL, [now])).rows.map((x) => x.webhook) : [];
  const jobs = await fetchJobs(c, req.queue, req.limit, cappedWebhooks(req), leaseMarginMs, saturated);
  if (!jobs.length) return { found: 0, stale: 0, waiting: 0, claimed: [] };
  const { admitted, deferred } = admit(
    jobs.map((j) => ({ ...j, webhook: j.data.w ?? null })),
    req,
  );
  if (deferred.length) {
    const moved = await c.query<{ id: string; queue: string; webhook: string | null; timeout_ms: number; job: string }>(
      `UPDATE delivery d SET job = j.fresh FROM unnest($1::text[], $2::text[], $3::text[]) AS j(id, job, fresh)
       WHERE d.id = j.id AND d.job = j.job AND NOT d.held RETURNING d.id, d.queue, d.webhook, d.timeout_ms, d.job`,
      [deferred.map((j) => j.data.d), deferred.map((j) => j.id), deferred.map(() => randomUUID())],
    );
    await insertJobs(
      c,
      moved.rows.map((r) => jobOf(r, now + CAP_DEFER_MS)),
    );
  }
  // The lease and the stored request in one statement.
  const rows = admitted.length
    ? (
        await c.query<ClaimRow & StoredRequestRow>(
          `WITH claimed AS (
             UPDATE delivery d SET lease_owner = $3, lease_until = $4::bigint + d.timeout_ms + $5::bigint, due_at = $4::bigint + d.timeout_ms + $5::bigint
             FROM unnest($1::text[], $2::text[]) AS j(id, job)
             WHERE d.id = j.id AND d.job = j.job AND NOT d.held AND NOT ${BLOCKED}
             RETURNING d.id, d.log, d.webhook, d.queue, d.timeout_ms, d.max_retries, d.attempts, d.manual, d.sign, d.job, d.created,
               d.rate_slot, d.order_key)
           SELECT claimed.*, l.request_method, l.url, l.data, l.request_headers, l.headers
           FROM claimed LEFT JOIN webhook_request_log l ON l.name = claimed.log`,
          [admitted.map((j) => j.data.d), admitted.map((j) => j.id), owner, now, leaseMarginMs],
        )
      ).rows
    : [];
  const live = new Set(rows.map((r) => r.job));
  const stale = admitted.filter((j) => !live.has(j.id));
  await waitInOrder(c, stale, now);
  await deleteJobs(
    c,
    [...deferred, ...stale].map((j) => ({ queue: req.queue, job: j.id })),
  );
  const sending = await rateLimited(c, rows, req, owner, now);
  const claimed = sending.map((r) => ({
    id: r.id,
    log: r.log,
    webhook: r.webhook,
    // The queue the job came from: where its job is deleted when the outcome is written.
    queue: req.queue,
    timeoutMs: r.timeout_ms,
    maxRetries: r.max_retries,
    attempts: r.attempts,
    manual: r.manual,
    sign: r.sign,
    job: r.job,
    created: r.created,
    orderKey: r.order_key,
    ...storedRequest(r),
  }));
  return { found: jobs.length, stale: stale.length, waiting: rows.length - sending.length, claimed };
}

const RESERVE_SQL = reserveSql((i) => (i === 1 ? "$1" : `$${i}::bigint`), "greatest");
const SATURATED_SQL = saturatedSql("$1::bigint");

/**
 * The leased rows to send now (see rate-limit.ts): the others, of a rate-limited webhook before
 * their slot, give their lease back and get a new job that starts at their slot.
 */
async function rateLimited<T extends ClaimRow>(c: Sql, rows: T[], req: ClaimRequest, owner: string, now: number): Promise<T[]> {
  if (!req.rates?.size) return rows;
  const firsts = new Map<string, { first: number; n: number }>();
  for (const [webhook, w] of slotsWanted(rows, req.rates)) {
    const ptr = (await c.query<{ next_at: number }>(`SELECT next_at FROM webhook_rate_slot WHERE webhook = $1`, [webhook])).rows[0];
    const n = slotsToReserve(w.n, w.intervalMs, ptr ? Number(ptr.next_at) : undefined, now);
    const first = n > 0 ? (await c.query<{ first: number }>(RESERVE_SQL, [webhook, now, n * w.intervalMs])).rows[0]?.first : 0;
    if (first !== undefined) firsts.set(webhook, { first: Number(first), n });
  }
  const plan = planRate(rows, req.rates, firsts, now);
  if (plan.usedSlots.length) await c.query(`UPDATE delivery SET rate_slot = NULL WHERE id = ANY($1::text[])`, [plan.usedSlots]);
  if (plan.defer.length) {
    const moved = await c.query<JobbedRow & { due_at: number }>(
      `UPDATE delivery d SET lease_owner = NULL, lease_until = NULL, due_at = j.at, rate_slot = j.at, job = j.fresh
       FROM unnest($1::text[], $2::bigint[], $3::text[]) AS j(id, at, fresh)
       WHERE d.id = j.id AND d.lease_owner = $4 RETURNING d.id, d.queue, d.webhook, d.timeout_ms, d.job, d.due_at`,
      [plan.defer.map((d) => d.row.id), plan.defer.map((d) => d.at), plan.defer.map(() => randomUUID()), owner],
    );
    await deleteJobs(
      c,
      plan.defer.map((d) => ({ queue: req.queue, job: d.row.job })),
    );
    await insertJobs(
      c,
      moved.rows.map((r) => jobOf(r, Number(r.due_at), true)),
    );
  }
  if (plan.release.length) {
    // Beyond the horizon: a new job due now, passed by (no slot flag) while the webhook is saturated.
    const back = await c.query<JobbedRow>(
      `UPDATE delivery d SET lease_owner = NULL, lease_until = NULL, due_at = $3, job = j.fresh
       FROM unnest($1::text[], $2::text[]) AS j(id, fresh)
       WHERE d.id = j.id AND d.lease_owner = $4 RETURNING d.id, d.queue, d.webhook, d.timeout_ms, d.job`,
      [plan.release.map((d) => d.id), plan.release.map(() => randomUUID()), now, owner],
    );
    await deleteJobs(
      c,
      plan.release.map((d) => ({ queue: req.queue, job: d.job })),
    );
    await insertJobs(
      c,
      back.rows.map((r) => jobOf(r, now)),
    );
  }
  return plan.send;
}

/**
 * One transaction per dispatcher cycle: the outcomes of finished requests, then the next
 * claims. If the batch fails, outcomes are written one by one so a bad row cannot sink the
 * rest (and nothing is claimed this cycle). As store-sqlite's cycle.
 */
export async function pgCycle(
  db: DB,
  outcomes: Outcome[],
  claims: ClaimRequest[],
  owner: string,
  leaseMarginMs: number,
  now = Date.now(),
): Promise<Map<string, ClaimedDelivery[]>> {
  try {
    return await dispatcherTx(db, async (c) => {
      await writeOutcomes(c, outcomes, owner, now);
      await writeHealth(c, outcomes, now);
      const claimed = new Map<string, ClaimedDelivery[]>();
      for (const req of claims) if (req.limit > 0) claimed.set(req.queue, await claimQueue(c, req, owner, leaseMarginMs, now));
      return claimed;
    });
  } catch (batchError) {
    if (!outcomes.length) throw batchError;
    log.error({ err: batchError }, "batch write failed, writing outcomes one by one");
    for (const o of outcomes) {
      try {
        await dispatcherTx(db, async (c) => {
          await writeOutcomes(c, [o], owner, now);
          await writeHealth(c, [o], now);
        });
      } catch (e) {
        // The job will expire and the delivery be sent again: at least once, never lost.
        log.error({ err: e, delivery: o.delivery.id }, "could not record the outcome of a delivery");
      }
    }
    return new Map();
  }
}

/** When the next not-held, unleased delivery of `queue` comes due (leased ones come back by job expiry), or null. */
export async function pgNextDueAt(pool: pg.Pool, queue: string, capped: string[] = []): Promise<number | null> {
  const r = await pool.query<{ due: number | null }>(
    `SELECT min(due_at) AS due FROM delivery d WHERE queue = $1 AND NOT held AND lease_owner IS NULL AND coalesce(webhook, '') <> ALL($2::text[])
       AND (rate_slot IS NOT NULL OR webhook IS NULL OR webhook NOT IN (${saturatedSql("$3::bigint")})) AND NOT ${BLOCKED}`,
    [queue, capped, Date.now()],
  );
  return r.rows[0]?.due ?? null;
}

/** Gives back every lease this owner holds (shutdown): each delivery gets a new job, due now. */
export async function pgReleaseAll(db: DB, owner: string, now = Date.now()): Promise<number> {
  return dispatcherTx(db, async (c) => {
    const r = await c.query<{
      id: string;
      queue: string;
      webhook: string | null;
      timeout_ms: number;
      job: string | null;
      old_job: string | null;
    }>(
      `WITH old AS (SELECT id, job FROM delivery WHERE lease_owner = $1 FOR UPDATE)
       UPDATE delivery d SET lease_owner = NULL, lease_until = NULL, due_at = $2, job = CASE WHEN d.held THEN NULL ELSE gen_random_uuid()::text END
       FROM old WHERE d.id = old.id
       RETURNING d.id, d.queue, d.webhook, d.timeout_ms, d.job, old.job AS old_job`,
      [owner, now],
    );
    await deleteJobs(
      c,
      r.rows.map((x) => ({ queue: x.queue, job: x.old_job })),
    );
    const fresh = r.rows.filter((x): x is typeof x & { job: string } => x.job !== null);
    await insertJobs(
      c,
      fresh.map((x) => jobOf(x, now)),
    );
    // Once, at shutdown, and the pool closes right after: at this commit, not after it.
    if (fresh.length) await c.query(`SELECT pg_notify($1, 'queued')`, [WORK_CHANNEL]);
    return r.rowCount ?? 0;
  });
}

/**
 * The advisory lock (transaction-scoped) that keeps the repair to one worker at a time: the
 * others' sweeps find it taken and skip. The key is "wdrepair" in ASCII, as an int8.
 */
export const REPAIR_LOCK = "8603126968187185522";

/**
 * Deliveries that should have a live job and have none (copied from SQLite by `copy-to`,
 * a job archived or failed by hand, a pg-boss table emptied): each gets one, due at its
 * due_at. Run now and then by workers, by one of them at a time (REPAIR_LOCK; returns 0 for
 * the others); a no-op when the invariant holds.
 */
export async function pgRepairJobs(db: DB, now = Date.now()): Promise<number> {
  return dispatcherTx(db, async (c) => {
    const lock = await c.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock($1::bigint) AS ok`, [REPAIR_LOCK]);
    return lock.rows[0]?.ok ? repairJobs(c, now) : 0;
  });
}

async function repairJobs(c: Sql, now: number): Promise<number> {
  const r = await c.query<{ id: string; queue: string; webhook: string | null; timeout_ms: number; job: string; due_at: number }>(
    `UPDATE delivery d SET job = gen_random_uuid()::text
     WHERE NOT d.held AND (d.lease_until IS NULL OR d.lease_until < $1) AND NOT ${BLOCKED}
       AND NOT EXISTS (SELECT 1 FROM ${BOSS_SCHEMA}.job j WHERE j.name = d.queue AND j.id = d.job::uuid AND j.state < 'completed')
     RETURNING d.id, d.queue, d.webhook, d.timeout_ms, d.job, d.due_at`,
    [now],
  );
  await insertJobs(
    c,
    r.rows.map((x) => jobOf(x, Math.max(x.due_at, now))),
  );
  return r.rowCount ?? 0;
}

// copy-to: the pending deliveries copied from SQLite get their jobs in the copy's transaction.
onCopied((target) => onClient(target, (c) => repairJobs(c, Date.now())));
