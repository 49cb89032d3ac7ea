// Phase "ratelimit": a webhook with Max Requests per Second = 50 and another without a limit,
// both with a backlog posted at once. The limited one must be sent at 50/s ± 10 % (measured at
// the receiver, between the 10 % and 90 % marks of its requests), the other at full speed beside
// it (its deliveries/s, and that it finished long before the limited backlog did).
import { BATCH, percentile, postBatches, sleep } from "./bench-lib";
import { log, startBenchServer } from "./bench-server";
import { deliveryLedger, round } from "./bench-throughput";

export const RATE_TARGET = 50;
export const RATE_TOLERANCE = 0.1;
/** 12 s of the limited webhook's work; the unlimited one gets 20× as many. */
const LIMITED_BATCHES = 6;
const FREE_BATCHES = 120;

/** Requests per second between the 10 % and 90 % marks of `times` (ms, any order). */
function steadyRate(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  const lo = Math.floor(t.length * 0.1);
  const hi = Math.ceil(t.length * 0.9) - 1;
  const span = (t[hi] ?? 0) - (t[lo] ?? 0);
  return span > 0 ? ((hi - lo) * 1000) / span : NaN;
}

export async function runRateLimit(workerMode: boolean) {
  const srv = await startBenchServer({
    label: "ratelimit",
    workerMode,
    webhooks: (base) => [
      { name: "rate-limited", doctype: "Bench Rated", url: `${base}/rated`, maxRequestsPerSecond: RATE_TARGET },
      { name: "rate-free", doctype: "Bench Free", url: `${base}/free` },
    ],
    trackPaths: ["/rated", "/free"],
    env: { WEBHOOK_DRAIN_MS: "1000" },
  });
  try {
    const start = Date.now();
    const [limited, free] = await Promise.all([
      postBatches(srv.port, srv.auth, "Bench Rated", "RL", LIMITED_BATCHES, 2),
      postBatches(srv.port, srv.auth, "Bench Free", "FR", FREE_BATCHES, 4),
    ]);
    const received = (path: string, names: string[]) =>
      names.flatMap((n) => {
        const t = srv.rec.answered.get(`${path}|${n}`)?.[0];
        return t === undefined ? [] : [t];
      });
    const by = Date.now() + 120_000;
    while (received("/rated", limited).length < limited.length && Date.now() < by) await sleep(100);
    const ledger = await deliveryLedger(srv.db, srv.rec, ["rate-limited", "rate-free"], ["/rated", "/free"], limited.length + free.length);
    const rated = received("/rated", limited).sort((a, b) => a - b);
    const freeTimes = received("/free", free).sort((a, b) => a - b);
    const gaps = rated.slice(1).map((t, i) => t - (rated[i] ?? t));
    const freeSpanS = ((freeTimes.at(-1) ?? start) - start) / 1000;
    const result = {
      limit_per_s: RATE_TARGET,
      limited_requests: rated.length,
      limited_per_s: round(steadyRate(rated), 2),
      limited_first_to_last_s: round(((rated.at(-1) ?? 0) - (rated[0] ?? 0)) / 1000, 2),
      limited_gap_p1_ms: round(
        percentile(
          [...gaps].sort((a, b) => a - b),
          1,
        ),
      ),
      limited_gap_p50_ms: round(
        percentile(
          [...gaps].sort((a, b) => a - b),
          50,
        ),
      ),
      free_requests: freeTimes.length,
      free_per_s: Math.round(freeTimes.length / Math.max(0.001, freeSpanS)),
      free_done_after_s: round(freeSpanS, 2),
      events_per_batch: BATCH,
      ledger,
      peak_rss_mb: Math.round(srv.peakRssMb().server),
    };
    log(
      `rate limit ${RATE_TARGET}/s: the limited webhook sent ${result.limited_per_s}/s (${result.limited_requests} requests over ` +
        `${result.limited_first_to_last_s} s, gaps p50 ${result.limited_gap_p50_ms} ms); the unlimited one ${result.free_per_s}/s ` +
        `(${result.free_requests} requests, done after ${result.free_done_after_s} s)`,
    );
    return result;
  } finally {
    await srv.stop();
  }
}
