import "server-only";
// The delivery store: the only code that writes `delivery`, `webhook_request_log` and
// `webhook_request_attempt`. One implementation per dialect behind these async functions
// (store-sqlite.ts: prepared statements on the thread's connection; store-pg.ts: the same
// rows on PostgreSQL, with the deliveries carried by pg-boss jobs). Every function takes the
// caller's handle, so it joins the caller's transaction (`tx()` in db/index.ts).
import { dialectOfDb, type DB } from "@/db";
import * as lite from "./store-sqlite";
import type { NewDelivery, NewLog, PendingDelivery, Requeue } from "./store-sqlite";

export type { AttemptRecord, ClaimedDelivery, ClaimRequest, NewDelivery, NewLog, Outcome, PendingDelivery, Requeue } from "./store-sqlite";

function pgOnly(): never {
  throw new Error("The PostgreSQL delivery store is not loaded");
}

const isPg = (db: DB) => dialectOfDb(db) === "pg";

/** A new log row, and its delivery when there is something to send. Inside the caller's transaction. */
export async function insertLog(db: DB, log: NewLog, delivery?: NewDelivery): Promise<void> {
  if (isPg(db)) return pgOnly();
  lite.insertLog(db.$client, log, delivery);
}

/** Disabling a webhook: its pending deliveries wait (not sent, not counted). */
export async function holdWebhook(db: DB, webhook: string, now = Date.now()): Promise<number> {
  if (isPg(db)) return pgOnly();
  return lite.holdWebhook(db.$client, webhook, now);
}

/** Enabling it again: held deliveries go when due (at once if their time passed). */
export async function releaseWebhook(db: DB, webhook: string, now = Date.now()): Promise<number> {
  if (isPg(db)) return pgOnly();
  return lite.releaseWebhook(db.$client, webhook, now);
}

/** Deleting a webhook: its pending deliveries end Cancelled. */
export async function cancelWebhook(db: DB, webhook: string, reason: string, now = Date.now()): Promise<number> {
  if (isPg(db)) return pgOnly();
  return lite.cancelWebhook(db.$client, webhook, reason, now);
}

/** The delivery still queued for a log (a retry scheduled, a send in flight, or held), if any. */
export async function pendingDeliveryOf(db: DB, log: string): Promise<PendingDelivery | undefined> {
  if (isPg(db)) return pgOnly();
  return lite.pendingDeliveryOf(db.$client, log);
}

/** Queues one manual attempt for a log now (see store-sqlite's requeue). */
export async function requeue(db: DB, r: Requeue): Promise<void> {
  if (isPg(db)) return pgOnly();
  lite.requeue(db.$client, r);
}

export async function deliveryIdTaken(db: DB, id: string): Promise<boolean> {
  if (isPg(db)) return pgOnly();
  return lite.deliveryIdTaken(db.$client, id);
}

/** The final state of a log row (Send Test waits for it). */
export async function logOutcome(db: DB, log: string): Promise<ReturnType<typeof lite.logOutcome>> {
  if (isPg(db)) return pgOnly();
  return lite.logOutcome(db.$client, log);
}

/** Deletes up to `limit` logs created before `cutoff` with their attempts and deliveries; returns how many. */
export async function purgeLogsBefore(db: DB, cutoff: number, limit: number): Promise<number> {
  if (isPg(db)) return pgOnly();
  return lite.purgeLogsBefore(db.$client, cutoff, limit);
}
