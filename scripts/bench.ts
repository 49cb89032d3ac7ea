// `npm run bench`: the production server on fresh databases with a loopback receiver. Phases,
// each on its own server (fresh data directory, SQLite file and receiver):
//   throughput  ingest, single-POST latency, end-to-end delivery and the server's CPU per
//               delivery, accept→receive latency at 200 events/s, the raw HTTP ceiling, a ledger
//   stall       other deliveries' latency and false timeouts while a template renders ~10 s
//   newconn     time to first byte on a fresh connection under 200 keep-alive clients
//   ratelimit   a webhook limited to 50 requests/s is sent at 50/s ± 10 % while another
//               webhook's backlog goes at full speed beside it
// Prints a table and writes bench/results/latest.json.
//   --build          rebuild even if .next/BUILD_ID exists
//   --worker         run the dispatcher as its own process (`npm run worker`, server with
//                    WEBHOOK_WORKER=0) and write bench/results/latest-worker.json
//   --phase <names>  only these phases (comma-separated, or repeat the flag); the results go to
//                    bench/results/latest-<names>.json so latest.json stays a full run
//   --postgres       the scale bench instead (scripts/bench-scale.ts: PostgreSQL, N worker
//                    processes, --workers 1,2,4 by default) → bench/results/scale.json
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ACCEPT_TO_RECEIVE_P95_MS, clientStats } from "./bench-lib";
import { ROOT, bin, log, requireSqliteBench } from "./bench-server";
import { runNewConn } from "./bench-newconn";
import { RATE_TARGET, RATE_TOLERANCE, runRateLimit } from "./bench-ratelimit";
import { runStall } from "./bench-stall";
import { runThroughput } from "./bench-throughput";
import { runScale, scaleNeedsApp, scaleOptions } from "./bench-scale";

const TARGETS = {
  deliveryPerS: 8000,
  rawRatio: 0.2,
  cpuUsPerDelivery: 120,
  p95Ms: ACCEPT_TO_RECEIVE_P95_MS,
  ingestPerS: 15_000,
  rssMb: 400,
  missing: 0,
  stallP99Ms: 250,
  falseTimeouts: 0,
  newConnTtfbP99Ms: 500,
  rateLimitPerS: RATE_TARGET,
  rateLimitTolerance: RATE_TOLERANCE,
};
const PHASES = ["throughput", "stall", "newconn", "ratelimit"] as const;
type Phase = (typeof PHASES)[number];

function selectedPhases(argv: string[]): Phase[] {
  const named: string[] = [];
  argv.forEach((a, i) => {
    if (a === "--phase") named.push(...(argv[i + 1] ?? "").split(","));
    else if (a.startsWith("--phase=")) named.push(...a.slice("--phase=".length).split(","));
  });
  const wanted = named.map((n) => n.trim()).filter(Boolean);
  const unknown = wanted.filter((n) => !(PHASES as readonly string[]).includes(n));
  if (unknown.length || (argv.some((a) => a === "--phase" || a.startsWith("--phase=")) && !wanted.length)) {
    throw new Error(`--phase takes ${PHASES.join(", ")} (comma-separated); got ${JSON.stringify(named.join(","))}`);
  }
  return wanted.length ? PHASES.filter((p) => wanted.includes(p)) : [...PHASES];
}

function needsBuild(): boolean {
  if (process.argv.includes("--build")) return true;
  const id = path.join(ROOT, ".next", "BUILD_ID");
  if (!fs.existsSync(id)) return true;
  // A build from before /api/events existed cannot serve the bench.
  const routes = path.join(ROOT, ".next", "app-path-routes-manifest.json");
  return !fs.existsSync(routes) || !fs.readFileSync(routes, "utf8").includes("/api/events");
}

function buildIfNeeded() {
  if (!needsBuild()) return;
  log("building (next build)…");
  const r = spawnSync(bin("next"), ["build"], { cwd: ROOT, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (r.status !== 0) throw new Error("next build failed");
}

async function main() {
  const scale = scaleOptions(process.argv.slice(2));
  if (scale) {
    if (scaleNeedsApp(scale)) buildIfNeeded();
    return runScale(scale);
  }
  requireSqliteBench();
  const phases = selectedPhases(process.argv.slice(2));
  const workerMode = process.argv.includes("--worker");
  buildIfNeeded();
  const started = performance.now();
  log(`${ROOT}: phases ${phases.join(", ")}${workerMode ? " (dispatcher in its own process)" : ""}`);
  const loadStart = os.loadavg().map((v) => Math.round(v * 100) / 100);
  // The figures are only as good as the machine is quiet (2 cores: server, clients, receiver).
  if ((loadStart[0] ?? 0) > 1)
    log(`warning: load average ${loadStart.join(" ")} before the bench: other work on this machine will skew the figures`);
  const throughput = phases.includes("throughput") ? await runThroughput(workerMode) : undefined;
  const stall = phases.includes("stall") ? await runStall(workerMode) : undefined;
  const newConn = phases.includes("newconn") ? await runNewConn(workerMode) : undefined;
  const rate = phases.includes("ratelimit") ? await runRateLimit(workerMode) : undefined;

  const rssByPhase = {
    ...(throughput ? { throughput: throughput.peak_rss_mb.server } : {}),
    ...(stall ? { stall: stall.peak_rss_mb } : {}),
    ...(newConn ? { newconn: newConn.peak_rss_mb } : {}),
    ...(rate ? { ratelimit: rate.peak_rss_mb } : {}),
  };
  const peakRss = Math.max(...Object.values(rssByPhase));
  const missing = (throughput?.ledger.missing ?? 0) + (stall?.ledger.missing ?? 0) + (rate?.ledger.missing ?? 0);
  const t = throughput;
  const pass = {
    ...(t
      ? {
          ingest: t.ingest.events_per_s >= TARGETS.ingestPerS,
          // Both: an absolute floor, and a share of what plain HTTP does on this machine.
          delivery: t.delivery.deliveries_per_s >= TARGETS.deliveryPerS && t.raw_ceiling.delivery_ratio >= TARGETS.rawRatio,
          raw_ratio: t.raw_ceiling.delivery_ratio >= TARGETS.rawRatio,
          cpu_per_delivery: t.delivery.cpu_us_per_delivery <= TARGETS.cpuUsPerDelivery,
          p95: t.delivery.accept_to_receive_p95_ms <= TARGETS.p95Ms,
        }
      : {}),
    ...(stall
      ? { stall_p99: stall.during_p99_ms <= TARGETS.stallP99Ms, false_timeouts: stall.false_timeouts <= TARGETS.falseTimeouts }
      : {}),
    ...(newConn ? { new_connection_p99: newConn.ttfb_p99_ms <= TARGETS.newConnTtfbP99Ms } : {}),
    ...(rate
      ? {
          // The limit held (± 10 %), and the unlimited webhook was not held back with it: its
          // backlog, 20× larger, was through before the limited one's was.
          rate_limit:
            Math.abs(rate.limited_per_s - TARGETS.rateLimitPerS) <= TARGETS.rateLimitPerS * TARGETS.rateLimitTolerance &&
            rate.free_done_after_s < rate.limited_first_to_last_s,
        }
      : {}),
    rss: peakRss <= TARGETS.rssMb,
    missing: missing <= TARGETS.missing,
  };
  const results = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      node: process.version,
      load_avg_start: loadStart,
      load_avg_end: os.loadavg().map((v) => Math.round(v * 100) / 100),
    },
    phases,
    bench_seconds: Math.round((performance.now() - started) / 1000),
    ...(t ? { ingest: t.ingest, delivery: t.delivery, raw_ceiling: t.raw_ceiling } : {}),
    ...(stall ? { stall } : {}),
    ...(newConn ? { new_connection: newConn } : {}),
    ...(rate ? { rate_limit: rate } : {}),
    // Peak RSS (VmHWM: the whole process, every thread) of each phase's server; the largest.
    server_peak_rss_mb: peakRss,
    server_peak_rss_mb_by_phase: rssByPhase,
    ...(workerMode
      ? { mode: "separate worker process", worker_peak_rss_mb: t?.peak_rss_mb.worker }
      : { mode: "dispatcher in the server process" }),
    ...(t ? { ledger: t.ledger } : {}),
    missing,
    // The bench's own POSTs sent again after a reused keep-alive socket was reset unanswered.
    client_reused_socket_retries: clientStats.reusedSocketRetries,
    targets: TARGETS,
    pass,
    all_pass: Object.values(pass).every(Boolean),
  };
  printTable({ throughput, stall, newConn, rate, peakRss, rssByPhase, missing, pass });
  fs.mkdirSync(path.join(ROOT, "bench", "results"), { recursive: true });
  const partial = phases.length === PHASES.length ? "" : `-${phases.join("-")}`;
  const file = `latest${partial}${workerMode ? "-worker" : ""}.json`;
  fs.writeFileSync(path.join(ROOT, "bench", "results", file), JSON.stringify(results, null, 2) + "\n");
  log(`wrote bench/results/${file} (${results.bench_seconds} s)`);
}

type Results = {
  throughput?: Awaited<ReturnType<typeof runThroughput>>;
  stall?: Awaited<ReturnType<typeof runStall>>;
  newConn?: Awaited<ReturnType<typeof runNewConn>>;
  rate?: Awaited<ReturnType<typeof runRateLimit>>;
  peakRss: number;
  rssByPhase: Record<string, number>;
  missing: number;
  pass: Record<string, boolean>;
};

function printTable(r: Results) {
  const verdict = (key: string) => (r.pass[key] === undefined ? "" : r.pass[key] ? "ok" : "FAIL");
  const rows: [string, string, string, string][] = [];
  const t = r.throughput;
  if (t) {
    rows.push(
      ["ingest (batches of 100)", `${t.ingest.events_per_s} events/s`, `≥ ${TARGETS.ingestPerS}`, verdict("ingest")],
      ["  …while queueing + sending", `${t.ingest.with_deliveries_events_per_s} events/s`, "", ""],
      ["single POST latency @200/s", `p50 ${t.ingest.single_p50_ms} ms / p99 ${t.ingest.single_p99_ms} ms`, "", ""],
      [
        "delivery end to end",
        `${t.delivery.deliveries_per_s} /s`,
        `≥ ${TARGETS.deliveryPerS} and ≥ ${TARGETS.rawRatio} × raw`,
        verdict("delivery"),
      ],
      ["raw ceiling (plain client)", `${t.raw_ceiling.requests_per_s} /s @ c=${t.raw_ceiling.concurrency}`, "", ""],
      ["delivery / raw ceiling", `${t.raw_ceiling.delivery_ratio}`, `≥ ${TARGETS.rawRatio}`, verdict("raw_ratio")],
      [
        "server CPU per delivery",
        `${t.delivery.cpu_us_per_delivery} µs (${t.delivery.server_cpu_s} s for ${t.delivery.events}${t.peak_rss_mb.worker ? ", server + worker" : ""})`,
        `≤ ${TARGETS.cpuUsPerDelivery} µs`,
        verdict("cpu_per_delivery"),
      ],
      [
        "accept→receive @200/s",
        `p50 ${t.delivery.accept_to_receive_p50_ms} / p95 ${t.delivery.accept_to_receive_p95_ms} / p99 ${t.delivery.accept_to_receive_p99_ms} ms`,
        `p95 ≤ ${TARGETS.p95Ms}`,
        verdict("p95"),
      ],
    );
  }
  const s = r.stall;
  if (s) {
    const how =
      s.slow_render === "rendered"
        ? `one render, ${s.slow_longest_ms} ms`
        : s.slow_render === "killed-by-budget"
          ? `${s.slow_posts} posts killed at ≤ ${s.slow_longest_ms} ms`
          : `slow render ${s.slow_render}`;
    rows.push(
      [
        `stall ${s.window_s} s (${how})`,
        `others p50 ${s.during_p50_ms} / p99 ${s.during_p99_ms} ms (before p99 ${s.before_p99_ms})${s.steady_post_errors ? `; ${s.steady_post_errors} POSTs refused` : ""}`,
        `p99 ≤ ${TARGETS.stallP99Ms}`,
        verdict("stall_p99"),
      ],
      [
        "  false timeouts",
        `${s.false_timeouts} (of ${s.timeout_attempts} timed-out attempts)`,
        `= ${TARGETS.falseTimeouts}`,
        verdict("false_timeouts"),
      ],
    );
  }
  const n = r.newConn;
  if (n) {
    rows.push([
      `new-connection TTFB (${n.clients} clients)`,
      `p50 ${n.ttfb_p50_ms} / p99 ${n.ttfb_p99_ms} ms (${n.probes} probes${n.probe_failed ? `, ${n.probe_failed} unanswered in ${n.probe_timeout_ms / 1000} s` : ""}; load ${n.load_events_per_s} events/s)`,
      `p99 ≤ ${TARGETS.newConnTtfbP99Ms}`,
      verdict("new_connection_p99"),
    ]);
  }
  const rl = r.rate;
  if (rl) {
    rows.push([
      `rate limit ${rl.limit_per_s}/s (${rl.limited_requests} requests)`,
      `${rl.limited_per_s} /s (gaps p50 ${rl.limited_gap_p50_ms} ms); unlimited webhook beside it ${rl.free_per_s} /s, done after ${rl.free_done_after_s} s`,
      `${TARGETS.rateLimitPerS} ± ${TARGETS.rateLimitTolerance * 100} %`,
      verdict("rate_limit"),
    ]);
  }
  const workerRss = t?.peak_rss_mb.worker ? `; worker process ${t.peak_rss_mb.worker} MB` : "";
  rows.push([
    "server peak RSS",
    `${r.peakRss} MB (${Object.entries(r.rssByPhase)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}${workerRss})`,
    `≤ ${TARGETS.rssMb}`,
    verdict("rss"),
  ]);
  const ledgers: [string, { events_sent: number; deliveries_received: number; failed: number }][] = [];
  if (t) ledgers.push(["throughput", t.ledger]);
  if (s) ledgers.push(["stall", s.ledger]);
  if (rl) ledgers.push(["ratelimit", rl.ledger]);
  const ledgerText = ledgers
    .map(([k, l]) => `${k}: sent ${l.events_sent} = received ${l.deliveries_received} + failed ${l.failed}`)
    .join("; ");
  rows.push(["ledger", `${ledgerText}${ledgerText ? "; " : ""}missing ${r.missing}`, `missing = ${TARGETS.missing}`, verdict("missing")]);
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((x) => x[i]?.length ?? 0)));
  console.log("");
  for (const row of rows)
    console.log(`  ${row[0].padEnd(w[0] ?? 0)}  ${row[1].padEnd(w[1] ?? 0)}  ${row[2].padEnd(w[2] ?? 0)}  ${row[3]}`.trimEnd());
  console.log("");
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
