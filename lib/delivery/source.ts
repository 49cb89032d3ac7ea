import "server-only";
// Where the dispatcher gets its work and writes what became of it: one source per dialect
// behind one interface, so lib/dispatcher/dispatcher.ts (concurrency, retries, signing,
// the HTTP client) is written once.
//
// SQLite (store-sqlite.ts): one synchronous IMMEDIATE transaction per cycle on the thread's
// own connection, leases in the `delivery` table. PostgreSQL (source-pg.ts): pg-boss jobs
// fetched and leased in one transaction per cycle, outcomes and the retries' new jobs in
// that same transaction, pg-boss expiry bringing back a dead worker's jobs, LISTEN/NOTIFY
// for wake-ups.
import { dialectOfDb, type DB, type Dialect } from "@/db";
import type { Topic } from "./signal";
import { SqliteSource } from "./store-sqlite";
import { PgSource } from "./source-pg";
import type { ClaimedDelivery, ClaimRequest, Outcome } from "./types";

export interface DeliverySource {
  readonly dialect: Dialect;
  /** Starts what the source needs besides cycles (PostgreSQL: job expiry, LISTEN). */
  start(): Promise<void>;
  /** Writes `outcomes`, then claims per request; the claimed deliveries by queue. */
  cycle(outcomes: Outcome[], claims: ClaimRequest[]): Promise<Map<string, ClaimedDelivery[]>>;
  /** When the next delivery of `queue` this worker could claim comes due (epoch ms), or null. */
  nextDueAt(queue: string, capped: string[]): Promise<number | null>;
  /** Gives back every lease this owner holds (shutdown): those deliveries go again at once. */
  releaseAll(): Promise<number>;
  /** Calls `cb` when work may have been queued (this process; on PostgreSQL any process). */
  onWork(cb: (topic: Topic) => void): () => void;
  close(): Promise<void>;
}

export interface SourceOptions {
  owner: string;
  leaseMarginMs: number;
  /** PostgreSQL: how often expired jobs are brought back (pg-boss maintenance), seconds. */
  expiryCheckS?: number;
}

/** The source for `db`'s dialect (the dispatcher's own handle: a SQLite connection or a PostgreSQL pool). */
export function openSource(db: DB, opts: SourceOptions): DeliverySource {
  return dialectOfDb(db) === "pg" ? new PgSource(db, opts) : new SqliteSource(db, opts);
}
