import "server-only";
// The delivery store: the only code that writes `delivery`, `webhook_request_log` and
// `webhook_request_attempt`. One implementation per dialect behind these async functions
// (store-sqlite.ts: prepared statements on the thread's connection; store-pg.ts: the same
// rows on PostgreSQL, with the deliveries carried by pg-boss jobs). Every function takes the
// caller's handle, so it joins the caller's transaction (`tx()` in db/index.ts); on
// PostgreSQL a write outside one runs in a transaction of its own.
//
// The reads (pendingDeliveryOf, deliveryIdTaken, logOutcome) are written once, here: one
// drizzle query on the handle given, no transaction of their own (Send Test polls
// logOutcome every few milliseconds).
import { and, asc, count, eq, isNull, lte, or } from "drizzle-orm";
import { dialectOfDb, type DB } from "@/db";
import { delivery, webhookRequestLog } from "@/db/schema";
import * as pgStore from "./store-pg";
import * as lite from "./store-sqlite";
import { QUEUES } from "@/lib/constants";
import type { LogOutcome, NewDelivery, NewLog, PendingDelivery, Requeue } from "./types";

export type {
  AttemptRecord,
  ClaimedDelivery,
  ClaimRequest,
  LogOutcome,
  NewDelivery,
  NewLog,
  Outcome,
  PendingDelivery,
  Requeue,
} from "./types";

const isPg = (db: DB) => dialectOfDb(db) === "pg";

/** A new log row, and its delivery when there is something to send. Inside the caller's transaction. */
export async function insertLog(db: DB, log: NewLog, delivery?: NewDelivery): Promise<void> {
  if (isPg(db)) return pgStore.insertLog(db, log, delivery);
  lite.insertLog(db.$client, log, delivery);
}

/**
 * Many new log rows (and deliveries) at once, inside the caller's transaction: on PostgreSQL
 * a fixed number of statements for the whole batch (ingest of a batch of events should use it).
 */
export async function insertLogs(db: DB, entries: { log: NewLog; delivery?: NewDelivery }[]): Promise<void> {
  if (isPg(db)) return pgStore.insertLogs(db, entries);
  for (const e of entries) lite.insertLog(db.$client, e.log, e.delivery);
}

/** Disabling a webhook: its pending deliveries wait (not sent, not counted). */
export async function holdWebhook(db: DB, webhook: string, now = Date.now()): Promise<number> {
  if (isPg(db)) return pgStore.holdWebhook(db, webhook, now);
  return lite.holdWebhook(db.$client, webhook, now);
}

/** Enabling it again: held deliveries go when due (at once if their time passed). */
export async function releaseWebhook(db: DB, webhook: string, now = Date.now()): Promise<number> {
  if (isPg(db)) return pgStore.releaseWebhook(db, webhook, now);
  return lite.releaseWebhook(db.$client, webhook, now);
}

/** Deleting a webhook: its pending deliveries end Cancelled. */
export async function cancelWebhook(db: DB, webhook: string, reason: string, now = Date.now()): Promise<number> {
  if (isPg(db)) return pgStore.cancelWebhook(db, webhook, reason, now);
  return lite.cancelWebhook(db.$client, webhook, reason, now);
}

/** The delivery still queued for a log (a retry scheduled, a send in flight, or held), if any. */
export async function pendingDeliveryOf(db: DB, log: string): Promise<PendingDelivery | undefined> {
  const [row] = await db
    .select({
      id: delivery.id,
      leaseUntil: delivery.leaseUntil,
      dueAt: delivery.dueAt,
      held: delivery.held,
      webhook: delivery.webhook,
      orderKey: delivery.orderKey,
    })
    .from(delivery)
    .where(eq(delivery.log, log))
    .limit(1);
  return row;
}

/**
 * Send in Order per Document: the log of the pending delivery `d` waits behind (the earliest of
 * its document's that came before it), or null when it is not waiting. The ids are compared
 * here, byte by byte as the claims do, not in SQL (PostgreSQL's collation may order them otherwise).
 */
export async function waitingBehind(db: DB, d: PendingDelivery): Promise<string | null> {
  if (!d.orderKey || !d.webhook) return null;
  const rows = await db
    .select({ id: delivery.id, log: delivery.log })
    .from(delivery)
    .where(and(eq(delivery.webhook, d.webhook), eq(delivery.orderKey, d.orderKey)));
  const before = rows.filter((r) => r.id < d.id).sort((a, b) => (a.id < b.id ? -1 : 1));
  return before[0]?.log ?? null;
}

/** Queues one manual attempt for a log now (see store-sqlite's requeue). */
export async function requeue(db: DB, r: Requeue): Promise<void> {
  if (isPg(db)) return pgStore.requeue(db, r);
  lite.requeue(db.$client, r);
}

/** Whether a delivery (pending) has this id. */
export async function deliveryIdTaken(db: DB, id: string): Promise<boolean> {
  const rows = await db.select({ id: delivery.id }).from(delivery).where(eq(delivery.id, id)).limit(1);
  return rows.length > 0;
}

/** The final state of a log row (Send Test waits for it). */
export async function logOutcome(db: DB, log: string): Promise<LogOutcome | undefined> {
  const [row] = await db
    .select({
      status: webhookRequestLog.status,
      httpStatus: webhookRequestLog.httpStatus,
      durationMs: webhookRequestLog.durationMs,
      response: webhookRequestLog.response,
      error: webhookRequestLog.error,
      attempts: webhookRequestLog.attempts,
    })
    .from(webhookRequestLog)
    .where(eq(webhookRequestLog.name, log))
    .limit(1);
  return row;
}

/**
 * Per queue, when the oldest delivery that is due now and not being sent came due (null:
 * nothing waits). Held deliveries (webhook disabled) don't count. One index seek per queue
 * (delivery_claim_idx): the rows walked past are the leased ones, at most the in-flight count.
 */
export async function oldestDueByQueue(db: DB, now = Date.now()): Promise<Record<(typeof QUEUES)[number], number | null>> {
  const out = {} as Record<(typeof QUEUES)[number], number | null>;
  for (const queue of QUEUES) {
    const [row] = await db
      .select({ dueAt: delivery.dueAt })
      .from(delivery)
      .where(
        and(
          eq(delivery.queue, queue),
          eq(delivery.held, false),
          lte(delivery.dueAt, now),
          or(isNull(delivery.leaseUntil), lte(delivery.leaseUntil, now)),
        ),
      )
      .orderBy(asc(delivery.dueAt))
      .limit(1);
    out[queue] = row?.dueAt ?? null;
  }
  return out;
}

/** Pending deliveries per queue, held (their webhook is disabled) or not, for /metrics. */
export async function pendingByQueue(db: DB): Promise<{ queue: string; held: boolean; n: number }[]> {
  const rows = await db
    .select({ queue: delivery.queue, held: delivery.held, n: count() })
    .from(delivery)
    .groupBy(delivery.queue, delivery.held);
  return rows.map((r) => ({ queue: r.queue, held: Boolean(r.held), n: Number(r.n) }));
}

/** Deletes up to `limit` logs created before `cutoff` with their attempts and deliveries; returns how many. */
export async function purgeLogsBefore(db: DB, cutoff: number, limit: number): Promise<number> {
  if (isPg(db)) return pgStore.purgeLogsBefore(db, cutoff, limit);
  return lite.purgeLogsBefore(db.$client, cutoff, limit);
}
