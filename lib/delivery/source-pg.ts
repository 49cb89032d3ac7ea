import "server-only";
// The dispatcher's source on PostgreSQL (see source.ts): cycles of store-pg.ts on the
// dispatcher's pool, pg-boss maintenance so expired jobs come back, a periodic repair of
// deliveries left without a job (one worker at a time does it), and LISTEN for wake-ups.
import type pg from "pg";
import { pgPool, type DB } from "@/db";
import { ensureBoss, startBossMaintenance } from "./boss";
import { listenForWork, type Topic } from "./signal";
import type { DeliverySource, SourceOptions } from "./source";
import { pgCycle, pgNextDueAt, pgReleaseAll, pgRepairJobs } from "./store-pg";
import type { ClaimedDelivery, ClaimRequest, Outcome } from "./types";
import { logger } from "@/lib/log";

const log = logger("delivery");

const REPAIR_MS = 60_000;

export class PgSource implements DeliverySource {
  readonly dialect = "pg" as const;
  private readonly pool: pg.Pool;
  private stopMaintenance: (() => Promise<void>) | undefined;
  private repairTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly db: DB,
    private readonly opts: SourceOptions,
  ) {
    const pool = pgPool(db);
    if (!pool) throw new Error("The PostgreSQL delivery source needs a pool handle (openPg), not a transaction's");
    this.pool = pool;
  }

  async start(): Promise<void> {
    await ensureBoss(this.db);
    const stop = await startBossMaintenance(this.pool, this.opts.expiryCheckS ?? 10);
    // Closed while starting: stop what just started.
    if (this.closed) return void (await stop().catch(() => undefined));
    this.stopMaintenance = stop;
    const repair = () =>
      pgRepairJobs(this.db)
        .then((n) => n && log.warn({ deliveries: n }, "gave pending deliveries the pg-boss job they lacked"))
        .catch((e: unknown) => log.error({ err: e }, "job repair failed"));
    this.repairTimer = setInterval(repair, REPAIR_MS);
    this.repairTimer.unref();
    await repair();
  }

  async cycle(outcomes: Outcome[], claims: ClaimRequest[]): Promise<Map<string, ClaimedDelivery[]>> {
    return pgCycle(this.db, outcomes, claims, this.opts.owner, this.opts.leaseMarginMs);
  }

  nextDueAt(queue: string, capped: string[]): Promise<number | null> {
    return pgNextDueAt(this.pool, queue, capped);
  }

  releaseAll(): Promise<number> {
    return pgReleaseAll(this.db, this.opts.owner);
  }

  onWork(cb: (topic: Topic) => void): () => void {
    return listenForWork(this.pool, cb);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.repairTimer) clearInterval(this.repairTimer);
    await this.stopMaintenance?.().catch(() => undefined);
    this.stopMaintenance = undefined;
  }
}
