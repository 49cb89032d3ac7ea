// Dispatcher settings from the environment, by lib/env.ts's rules. Read when the dispatcher
// starts, so tests can set variables (or pass their own) before starting one.
import type { QueueName } from "@/lib/delivery/queues";
import { env, parseEnv } from "@/lib/env";

export const RESPONSE_CAP_BYTES = 64 * 1024;

export interface DispatcherConfig {
  retryScheduleMs: number[];
  jitter: boolean;
  maxRetryAfterMs: number;
  concurrency: Record<QueueName, number>;
  pollMs: number;
  /** Added to a delivery's timeout to form its lease; covers event-loop stalls and batched writes. */
  leaseMarginMs: number;
  /** How long SIGTERM waits for in-flight requests before releasing them. */
  drainMs: number;
  /**
   * In-flight requests one webhook may have on this worker, per queue (0: no cap; unset: a
   * quarter of the queue's concurrency), so one webhook's flood cannot starve the others.
   */
  maxInflightPerWebhook?: number;
  /** PostgreSQL: how often expired jobs (a killed worker's) are brought back, in seconds. */
  expiryCheckS: number;
}

/** The per-webhook cap on a queue of `concurrency` slots (Infinity: none). */
export function webhookCap(cfg: Pick<DispatcherConfig, "maxInflightPerWebhook">, concurrency: number): number {
  const n = cfg.maxInflightPerWebhook;
  if (n === undefined) return Math.max(1, Math.ceil(concurrency / 4));
  return n > 0 ? n : Infinity;
}

/** The dispatcher's settings from `raw` (process.env by default), by lib/env.ts's rules. */
export function loadDispatcherConfig(raw?: Record<string, string | undefined>): DispatcherConfig {
  const e = raw ? parseEnv(raw) : env();
  return {
    retryScheduleMs: e.WEBHOOK_RETRY_SCHEDULE,
    jitter: e.WEBHOOK_RETRY_JITTER,
    maxRetryAfterMs: e.WEBHOOK_MAX_RETRY_AFTER * 1000,
    concurrency: { ...e.WEBHOOK_QUEUE_CONCURRENCY },
    pollMs: e.WEBHOOK_POLL_MS,
    leaseMarginMs: e.WEBHOOK_LEASE_MARGIN_MS,
    drainMs: e.WEBHOOK_DRAIN_MS,
    ...(e.WEBHOOK_MAX_INFLIGHT_PER_WEBHOOK === undefined ? {} : { maxInflightPerWebhook: e.WEBHOOK_MAX_INFLIGHT_PER_WEBHOOK }),
    expiryCheckS: e.WEBHOOK_PG_EXPIRY_CHECK_S,
  };
}
