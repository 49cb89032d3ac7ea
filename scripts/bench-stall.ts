// Phase "stall": deliveries flow at a steady rate while a webhook on another DocType has a
// JSON body template that costs ~10 s of CPU to render. Measures the other deliveries'
// accept→receive latency during the stall and counts false timeouts: attempts recorded as
// "Timed out" although the receiver (which answers at once) got and answered the request.
import { renderTemplate } from "@/lib/renderer";
import { clientStats, doc, eventBody, openLoop, percentile, postJson, sleep } from "./bench-lib";
import { log, startBenchServer, type BenchServer } from "./bench-server";
import { deliveryLedger, round } from "./bench-throughput";

const STEADY_RATE = 200;
const STALL_MS = 10_000;
const LEAD_MS = 3000;
const TAIL_MS = 3000;
/** The render budget the server is started with, so the slow template may run in full. */
const STALL_RENDER_BUDGET_MS = 20_000;
const INNER = 10_000; // range() allows at most 10,000 items
const MAX_OUTER = 10_000;
const PATHS = { "stall-steady": "/steady", "stall-slow": "/slow" } as const;
/** Steady-webhook events posted in one batch just before the slow one, so deliveries are in flight when it lands. */
const BURST = 200;

/**
 * Valid JSON once rendered; the nested loops print nothing, so the body stays small and all
 * the cost is the sandboxed loop machinery (the budget is checked inside it).
 */
const stallTemplate = (outer: number) =>
  `{ "name": {{ doc.name | tojson }}, "spin": "{% for i in range(${outer}) %}{% for j in range(${INNER}) %}{% endfor %}{% endfor %}" }`;

/**
 * Calibrates the outer loop count in this process (same renderer, same node) with a budget
 * large enough never to stop it: doubles until one render takes ≥ 1 s, then scales linearly.
 * Awaited, in case rendering becomes asynchronous.
 */
async function calibrateStall(targetMs = STALL_MS): Promise<{ outer: number; ms_per_outer: number; predicted_ms: number }> {
  for (let outer = 4; ; outer *= 2) {
    const t = performance.now();
    await renderTemplate(stallTemplate(outer), { doc: { name: "calibrate" } }, { json: true, timeoutMs: 120_000 });
    const ms = performance.now() - t;
    if (ms >= 1000 || outer * 2 > MAX_OUTER) {
      const perOuter = ms / outer;
      const target = Math.max(1, Math.min(MAX_OUTER, Math.round(targetMs / perOuter)));
      return { outer: target, ms_per_outer: round(perOuter, 3), predicted_ms: Math.round(target * perOuter) };
    }
  }
}

interface SlowPost {
  /** POST answered, ms after it started. */
  answered_ms: number;
  /** The render's outcome known (delivery received, or the log row says it failed), ms after the POST. */
  outcome_ms: number;
  /** killed: stopped by the server's render budget; failed: any other render error. */
  outcome: "rendered" | "killed" | "failed" | "no outcome in 120 s";
}

const KILLED = /too long|timed? ?out|time limit|budget|terminat|exceed/i;

/**
 * Posts the slow event; if the server stops the render early (its own budget), posts it
 * again, until the stall has lasted STALL_MS; one render that runs in full ends it.
 */
async function stall(srv: BenchServer) {
  const outcomeOf = srv.db.$client.prepare<[string], { status: string; error: string | null }>(
    "SELECT status, error FROM webhook_request_log WHERE webhook = 'stall-slow' AND reference_document = ?",
  );
  const posts: SlowPost[] = [];
  let renderError = "";
  // In flight when the stall begins: what a frozen dispatcher would wrongly time out.
  const burst = JSON.stringify(
    Array.from({ length: BURST }, (_, j) => ({ doctype: "Bench Steady", event: "on_update", doc: doc(`SB-${j}`) })),
  );
  const b = await postJson(srv.port, "/api/events", burst, srv.auth, 60_000);
  if (b.status !== 202) throw new Error(`burst answered ${b.status}: ${b.text.slice(0, 200)}`);
  const start = performance.now();
  let end = start;
  do {
    const name = `SL-${posts.length}`;
    const t = performance.now();
    const r = await postJson(srv.port, "/api/events", eventBody("Bench Slow", name), srv.auth, 120_000);
    if (r.status !== 202) throw new Error(`slow event answered ${r.status}: ${r.text.slice(0, 200)}`);
    const answered = performance.now() - t;
    let outcome: SlowPost["outcome"] | undefined;
    const by = Date.now() + 120_000;
    while (!outcome) {
      const row = srv.rec.byDoc.has(name) ? undefined : outcomeOf.get(name);
      if (srv.rec.byDoc.has(name)) outcome = "rendered";
      else if (row?.status === "Error") {
        renderError = row.error ?? "";
        outcome = KILLED.test(renderError) ? "killed" : "failed";
      } else if (Date.now() > by) outcome = "no outcome in 120 s";
      else await sleep(5);
    }
    end = outcome === "rendered" ? (srv.rec.byDoc.get(name) ?? performance.now()) : performance.now();
    posts.push({ answered_ms: Math.round(answered), outcome_ms: Math.round(end - t), outcome });
  } while (posts.at(-1)?.outcome === "killed" && performance.now() - start < STALL_MS);
  return { start, end, posts, renderError };
}

export async function runStall(workerMode: boolean) {
  const cal = await calibrateStall();
  log(
    `stall: template calibrated to ${cal.outer} × ${INNER} loop iterations ≈ ${(cal.predicted_ms / 1000).toFixed(1)} s (${cal.ms_per_outer} ms per 10k)`,
  );
  const srv = await startBenchServer({
    label: "stall",
    workerMode,
    trackPaths: Object.values(PATHS),
    // Fast retries, so a timed-out attempt is retried (and the ledger settles) within the phase.
    env: { WEBHOOK_RENDER_TIMEOUT_MS: String(STALL_RENDER_BUDGET_MS), WEBHOOK_RETRY_SCHEDULE: "1,1,1,1,1", WEBHOOK_RETRY_JITTER: "0" },
    webhooks: (base) => [
      { name: "stall-steady", doctype: "Bench Steady", url: `${base}${PATHS["stall-steady"]}`, secret: "bench-secret" },
      { name: "stall-slow", doctype: "Bench Slow", url: `${base}${PATHS["stall-slow"]}`, json: stallTemplate(cal.outer) },
    ],
  });
  try {
    // Accepted (202) steady events → when their POST started.
    const postedAt = new Map<string, number>();
    const postErrors: string[] = [];
    // Accepted steady events → how long their POST took (ingest's share of the latency).
    const answeredIn = new Map<string, number>();
    let stopAt = Infinity;
    const retries0 = clientStats.reusedSocketRetries;
    const steady = openLoop(
      STEADY_RATE,
      () => performance.now() < stopAt,
      (i) => {
        const t = performance.now();
        return postJson(srv.port, "/api/events", eventBody("Bench Steady", `ST-${i}`), srv.auth, 60_000).then(
          (r) => {
            if (r.status !== 202) return void postErrors.push(`HTTP ${r.status}`);
            postedAt.set(`ST-${i}`, t);
            answeredIn.set(`ST-${i}`, performance.now() - t);
          },
          (e: unknown) => void postErrors.push(e instanceof Error ? e.message : String(e)),
        );
      },
    );
    await sleep(LEAD_MS);
    const win = await stall(srv);
    stopAt = performance.now() + TAIL_MS;
    await steady;
    const by = Date.now() + 60_000;
    while ([...postedAt.keys()].some((n) => !srv.rec.byDoc.has(n)) && Date.now() < by) await sleep(50);

    const postedIn = (from: number, to: number) => [...postedAt].filter(([, t]) => t >= from && t < to);
    const sorted = (v: number[]) => v.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    // Accept→receive of the steady events posted in [from, to).
    const latencies = (from: number, to: number) => sorted(postedIn(from, to).map(([n, t]) => (srv.rec.byDoc.get(n) ?? NaN) - t));
    const postTimes = (from: number, to: number) => sorted(postedIn(from, to).map(([n]) => answeredIn.get(n) ?? NaN));
    if (process.env.BENCH_DEBUG) {
      const s0 = Math.min(...postedAt.values());
      for (let from = s0; from < win.end + TAIL_MS; from += 1000) {
        const l = latencies(from, from + 1000);
        log(
          `  steady posted at +${((from - s0) / 1000).toFixed(0)} s: n ${l.length}, p50 ${percentile(l, 50).toFixed(0)}, max ${(l.at(-1) ?? NaN).toFixed(0)} ms; POST p50 ${percentile(postTimes(from, from + 1000), 50).toFixed(0)} ms`,
        );
      }
      log(
        `  window +${((win.start - s0) / 1000).toFixed(2)}..+${((win.end - s0) / 1000).toFixed(2)} s; posts ${JSON.stringify(win.posts)}`,
      );
    }
    const during = latencies(win.start, win.end);
    const duringPosts = postTimes(win.start, win.end);
    const before = latencies(0, win.start);
    const timeouts = falseTimeouts(srv);
    const ledger = await deliveryLedger(srv.db, srv.rec, ["stall-steady"], [PATHS["stall-steady"]], postedAt.size + BURST);
    const last = win.posts.at(-1)?.outcome ?? "failed";
    const slowRender = last === "killed" ? "killed-by-budget" : last;
    const result = {
      steady_rate_per_s: STEADY_RATE,
      render_budget_env_ms: STALL_RENDER_BUDGET_MS,
      template: { outer: cal.outer, inner: INNER, calibrated_ms: cal.predicted_ms, ms_per_10k_iterations: cal.ms_per_outer },
      // "rendered": the render ran in full (its delivery arrived); "killed-by-budget": the server
      // stopped every render early, so the stall was made of back-to-back slow posts instead;
      // "failed": the render failed otherwise (see slow_render_error).
      slow_render: slowRender,
      slow_posts: win.posts.length,
      slow_longest_ms: Math.max(...win.posts.map((p) => p.outcome_ms)),
      slow_render_error: last === "rendered" ? undefined : win.renderError,
      window_s: round((win.end - win.start) / 1000, 2),
      events_in_window: during.length,
      during_p50_ms: round(percentile(during, 50)),
      during_p99_ms: round(percentile(during, 99)),
      during_max_ms: round(during.at(-1) ?? NaN),
      // The steady POSTs' own time in the window (the ingest part of the latency above).
      during_post_p50_ms: round(percentile(duringPosts, 50)),
      during_post_p99_ms: round(percentile(duringPosts, 99)),
      before_p50_ms: round(percentile(before, 50)),
      before_p99_ms: round(percentile(before, 99)),
      // Steady POSTs not accepted (not in the ledger): count and the distinct reasons.
      steady_post_errors: postErrors.length,
      steady_post_error_reasons: postErrors.length ? [...new Set(postErrors)].slice(0, 5) : undefined,
      // POSTs sent again after the server reset a reused keep-alive socket without answering.
      reused_socket_retries: clientStats.reusedSocketRetries - retries0,
      ...timeouts,
      ledger,
      peak_rss_mb: Math.round(srv.peakRssMb().server),
    };
    log(
      `stall: ${result.slow_render} (${result.slow_posts} slow post(s), longest ${result.slow_longest_ms} ms, window ${result.window_s} s); ` +
        `other deliveries during it p50 ${result.during_p50_ms} / p99 ${result.during_p99_ms} ms (before: p99 ${result.before_p99_ms}); ` +
        `false timeouts ${result.false_timeouts} of ${result.timeout_attempts} timed-out attempts`,
    );
    return result;
  } finally {
    await srv.stop();
  }
}

/**
 * Every attempt whose error says it timed out, on both webhooks: false when the receiver
 * answered that document's request while the attempt was open (from its start to start +
 * duration, 50 ms slack; a retry comes ≥ 1 s later, outside that window).
 */
function falseTimeouts(srv: BenchServer) {
  const rows = srv.db.$client
    .prepare(
      `SELECT l.webhook AS webhook, l.reference_document AS doc, a.started AS started, a.duration_ms AS duration
       FROM webhook_request_attempt a JOIN webhook_request_log l ON l.name = a.log
       WHERE l.webhook IN ('stall-steady', 'stall-slow') AND a.error LIKE '%timed out%'`,
    )
    .all() as { webhook: keyof typeof PATHS; doc: string; started: number; duration: number | null }[];
  let falseCount = 0;
  for (const r of rows) {
    const answers = srv.rec.answered.get(`${PATHS[r.webhook]}|${r.doc}`) ?? [];
    const until = r.started + (r.duration ?? 0) + 50;
    if (answers.some((t) => t >= r.started - 50 && t <= until)) falseCount += 1;
  }
  return { timeout_attempts: rows.length, false_timeouts: falseCount };
}
