// A webhook's failing streak, as the outcomes of a dispatcher cycle move it (both stores
// write what this works out, in the cycle's transaction). A failed attempt starts or
// continues the streak; a delivered request ends it only when the dispatcher flagged it
// (`endsStreak`: its webhook was failing as far as it knew, an in-memory check), so a
// success on a healthy webhook costs nothing here. The alerts about it are the maintenance
// sweep's (lib/ops/alerts), never this hot path's.
import type { Outcome } from "./types";

interface StreakFailure {
  webhook: string;
  /** When the first failed attempt of this batch started: the streak's start if it begins now. */
  first: number;
  last: number;
  error: string | null;
  /** Deliveries of this batch that ended Exhausted (Send Test and manual resends left out). */
  exhausted: number;
  lastExhaustedLog: string | null;
}

export interface HealthChanges {
  failures: StreakFailure[];
  /** Webhooks whose streak a delivered request ended. */
  recovered: string[];
}

const failed = (o: Outcome) => o.kind === "retry" || o.kind === "exhausted" || (o.kind === "error" && o.attempts.length > 0);

/**
 * Per webhook (sorted by name, so concurrent cycles lock health rows in one order), what
 * the batch did to its streak. Outcomes are in order: a success after a failure in the
 * same batch ends the streak the failure began, and the other way round.
 */
export function healthChanges(outcomes: readonly Outcome[]): HealthChanges {
  const failures = new Map<string, StreakFailure>();
  const recovered = new Set<string>();
  for (const o of outcomes) {
    const w = o.delivery.webhook;
    // Presigned Send Test requests are not the webhook's traffic.
    if (!w || o.delivery.sign === false) continue;
    if (o.kind === "delivered" && o.endsStreak) {
      failures.delete(w);
      recovered.add(w);
    } else if (failed(o) && o.attempts.length) {
      recovered.delete(w);
      const started = o.attempts[0]?.started ?? Date.now();
      const last = o.attempts[o.attempts.length - 1];
      const f = failures.get(w) ?? { webhook: w, first: started, last: started, error: null, exhausted: 0, lastExhaustedLog: null };
      f.first = Math.min(f.first, started);
      f.last = Math.max(f.last, last?.started ?? started);
      const error = o.error ?? last?.error ?? (last?.httpStatus !== undefined ? `HTTP ${last.httpStatus}` : undefined);
      if (error !== undefined) f.error = error.slice(0, 1000);
      if (o.kind === "exhausted" && !o.delivery.manual) {
        f.exhausted += 1;
        f.lastExhaustedLog = o.delivery.log;
      }
      failures.set(w, f);
    }
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    failures: Array.from(failures, ([, f]) => f).sort((a, b) => byName(a.webhook, b.webhook)),
    recovered: [...recovered].sort(byName),
  };
}
