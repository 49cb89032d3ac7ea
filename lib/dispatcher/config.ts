// Dispatcher settings from the environment. Read when the dispatcher starts (and by the
// retry/SSRF helpers on use), so tests can set variables before starting one.
import { QUEUES } from "@/lib/constants";
import type { QueueName } from "@/lib/delivery/queues";

/** Frappe-ish backoff: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h. */
const DEFAULT_RETRY_SCHEDULE_S = [5, 300, 1800, 7200, 18000, 36000];
const DEFAULT_QUEUE_CONCURRENCY: Record<QueueName, number> = { short: 16, default: 48, long: 8 };
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

const num = (v: string | undefined, fallback: number): number => {
  if (v === undefined || v.trim() === "") return fallback;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
};

export function parseRetrySchedule(v: string | undefined): number[] {
  if (!v?.trim()) return DEFAULT_RETRY_SCHEDULE_S.map((s) => s * 1000);
  const parts = v
    .split(",")
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isFinite(n) && n >= 0);
  return parts.length ? parts.map((s) => Math.round(s * 1000)) : DEFAULT_RETRY_SCHEDULE_S.map((s) => s * 1000);
}

export function parseConcurrency(v: string | undefined): Record<QueueName, number> {
  const out = { ...DEFAULT_QUEUE_CONCURRENCY };
  for (const part of (v ?? "").split(",")) {
    const [k, raw] = part.split("=").map((s) => s.trim());
    const n = Number(raw);
    if (k && (QUEUES as readonly string[]).includes(k) && Number.isInteger(n) && n > 0) out[k as QueueName] = n;
  }
  return out;
}

export function loadDispatcherConfig(env: Record<string, string | undefined> = process.env): DispatcherConfig {
  return {
    retryScheduleMs: parseRetrySchedule(env.WEBHOOK_RETRY_SCHEDULE),
    jitter: env.WEBHOOK_RETRY_JITTER !== "0",
    maxRetryAfterMs: num(env.WEBHOOK_MAX_RETRY_AFTER, 3600) * 1000,
    concurrency: parseConcurrency(env.WEBHOOK_QUEUE_CONCURRENCY),
    pollMs: Math.max(10, num(env.WEBHOOK_POLL_MS, 250)),
    leaseMarginMs: num(env.WEBHOOK_LEASE_MARGIN_MS, 15_000),
    drainMs: num(env.WEBHOOK_DRAIN_MS, 10_000),
    ...(env.WEBHOOK_MAX_INFLIGHT_PER_WEBHOOK?.trim()
      ? { maxInflightPerWebhook: Math.floor(num(env.WEBHOOK_MAX_INFLIGHT_PER_WEBHOOK, 0)) }
      : {}),
    expiryCheckS: Math.max(1, num(env.WEBHOOK_PG_EXPIRY_CHECK_S, 10)),
  };
}
