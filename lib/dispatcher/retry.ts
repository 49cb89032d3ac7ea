// When to try again after a failed attempt.
import type { DispatcherConfig } from "./config";

/**
 * Delay before retry number `retry` (1 = the first retry). Past the end of the schedule the
 * last step repeats. Jitter spreads a burst of failures (±20%) so a recovering receiver is
 * not hit by all of them at once. A Retry-After from the receiver replaces the schedule,
 * bounded by maxRetryAfterMs.
 */
export function retryDelayMs(
  retry: number,
  cfg: Pick<DispatcherConfig, "retryScheduleMs" | "jitter" | "maxRetryAfterMs">,
  retryAfterMs?: number,
  rand: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), cfg.maxRetryAfterMs);
  const schedule = cfg.retryScheduleMs;
  const base = schedule[Math.min(Math.max(retry, 1), schedule.length) - 1] ?? 5000;
  return cfg.jitter ? Math.round(base * (0.8 + 0.4 * rand())) : base;
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unparseable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export type AttemptVerdict = "delivered" | "retry" | "exhausted";

/**
 * 2xx is delivered. 410 Gone means the receiver wants no more: stop. Everything else
 * (3xx, 4xx, 5xx, timeouts, connection errors) is retried until max_retries are used.
 */
export function verdictFor(httpStatus: number | undefined, attemptNo: number, maxRetries: number): AttemptVerdict {
  if (httpStatus !== undefined && httpStatus >= 200 && httpStatus < 300) return "delivered";
  if (httpStatus === 410) return "exhausted";
  return attemptNo > maxRetries ? "exhausted" : "retry";
}
