// Phase "throughput": ingest, single-POST latency, end-to-end delivery (with the server's CPU
// per delivery), accept→receive latency at a steady rate, the raw HTTP ceiling and a
// delivery ledger, on one server; each step has its own DocType and webhook.
import { type DB } from "@/db";
import { loadDispatcherConfig } from "@/lib/dispatcher/config";
import {
  BATCH,
  batchBody,
  eventBody,
  openLoop,
  percentile,
  postBatches,
  postJson,
  runClient,
  sleep,
  type BenchReceiver,
} from "./bench-lib";
import { log, startBenchServer } from "./bench-server";

const INGEST_EVENTS = 30_000;
const DELIVERY_EVENTS = 20_000;
const SINGLE_RATE = 200;
const SINGLE_SECONDS = 5;
const LATENCY_RATE = 200;
const LATENCY_SECONDS = 10;
const DELIVERING = ["bench-delivery", "bench-latency"];

export const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

export async function runThroughput(workerMode: boolean) {
  const srv = await startBenchServer({
    label: "throughput",
    workerMode,
    trackPaths: ["/latency"],
    webhooks: (base) => [
      { name: "bench-ingest", doctype: "Bench Ingest", url: `${base}/ingest`, condition: 'doc.status == "Closed"' },
      { name: "bench-delivery", doctype: "Bench Delivery", url: `${base}/delivery`, secret: "bench-secret" },
      { name: "bench-latency", doctype: "Bench Latency", url: `${base}/latency`, secret: "bench-secret" },
    ],
  });
  const { port, auth, db, rec } = srv;
  try {
    // Warm-up: load the route and the renderer.
    for (let i = 0; i < 20; i++) await postJson(port, "/api/events", batchBody("Bench Ingest", `W-${i}`), auth);

    // 1. Ingest: routing evaluates a condition per event (false, so this measures acceptance
    // alone; step 3 measures it with deliveries queued).
    const t0 = performance.now();
    await postBatches(port, auth, "Bench Ingest", "I", INGEST_EVENTS / BATCH, 4);
    const ingestPerS = INGEST_EVENTS / ((performance.now() - t0) / 1000);
    log(`ingest: ${ingestPerS.toFixed(0)} events/s`);

    // 2. Single-event POST latency, open loop.
    const single: number[] = [];
    await openLoop(
      SINGLE_RATE,
      (i) => i < SINGLE_RATE * SINGLE_SECONDS,
      async (i) => {
        const start = performance.now();
        const r = await postJson(port, "/api/events", eventBody("Bench Ingest", `S-${i}`), auth);
        if (r.status !== 202) throw new Error(`single answered ${r.status}`);
        single.push(performance.now() - start);
      },
    );
    single.sort((a, b) => a - b);
    log(`single POST p50 ${percentile(single, 50).toFixed(1)} ms, p99 ${percentile(single, 99).toFixed(1)} ms`);

    // 3. Delivery throughput: event accepted → request received → log row written; the
    // server's CPU (every thread, ingest included) over the same interval.
    const delivered = db.$client.prepare("SELECT count(*) AS n FROM webhook_request_log WHERE webhook = ? AND status = 'Delivered'");
    const countOf = (w: string) => (delivered.get(w) as { n: number }).n;
    const cpu0 = srv.cpuSeconds();
    const d0 = performance.now();
    await postBatches(port, auth, "Bench Delivery", "D", DELIVERY_EVENTS / BATCH, 2);
    const dIngested = performance.now();
    const dBy = Date.now() + 120_000;
    while (countOf("bench-delivery") < DELIVERY_EVENTS && Date.now() < dBy) await sleep(20);
    const dDone = performance.now();
    const cpuS = srv.cpuSeconds() - cpu0;
    const deliveries = countOf("bench-delivery");
    const deliveryPerS = deliveries / ((dDone - d0) / 1000);
    const cpuUs = (cpuS * 1e6) / deliveries;
    log(
      `delivery: ${deliveryPerS.toFixed(0)} deliveries/s (${DELIVERY_EVENTS} events ingested in ${((dIngested - d0) / 1000).toFixed(1)} s, all logged after ${((dDone - d0) / 1000).toFixed(1)} s); server CPU ${cpuS.toFixed(2)} s = ${cpuUs.toFixed(0)} µs/delivery`,
    );

    // 4. Accept→receive latency at 200 events/s (measured from the POST's start: conservative).
    const postedAt = new Map<string, number>();
    await openLoop(
      LATENCY_RATE,
      (i) => i < LATENCY_RATE * LATENCY_SECONDS,
      (i) => {
        postedAt.set(`L-${i}`, performance.now());
        return postJson(port, "/api/events", eventBody("Bench Latency", `L-${i}`), auth);
      },
    );
    const lBy = Date.now() + 30_000;
    while ([...postedAt.keys()].some((n) => !rec.byDoc.has(n)) && Date.now() < lBy) await sleep(20);
    const lat = [...postedAt]
      .map(([n, t]) => (rec.byDoc.get(n) ?? NaN) - t)
      .filter((v) => !Number.isNaN(v))
      .sort((a, b) => a - b);
    log(
      `accept→receive at ${LATENCY_RATE}/s: p50 ${percentile(lat, 50).toFixed(1)} ms, p95 ${percentile(lat, 95).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms`,
    );

    // 5. Raw ceiling: the same receiver, a plain client loop at the dispatcher's concurrency.
    const concurrency = loadDispatcherConfig(srv.env).concurrency.default;
    const sampleBody =
      (
        db.$client.prepare("SELECT length(data) AS n FROM webhook_request_log WHERE webhook = 'bench-delivery' LIMIT 1").get() as
          { n: number } | undefined
      )?.n ?? 400;
    const raw = await runClient({
      mode: "loop",
      port: rec.port,
      path: "/raw",
      headers: { "webhook-id": "raw" },
      body: "x".repeat(sampleBody),
      durationMs: 5000,
      concurrency,
    });
    log(`raw ceiling: ${raw.rate.toFixed(0)} requests/s at concurrency ${concurrency}`);

    // 6. Ledger over the delivering webhooks.
    const ledger = await deliveryLedger(srv.db, rec, DELIVERING, ["/delivery", "/latency"], DELIVERY_EVENTS + postedAt.size);
    const peak = srv.peakRssMb();
    return {
      ingest: {
        batch_size: BATCH,
        events: INGEST_EVENTS,
        events_per_s: Math.round(ingestPerS),
        // The ingest rate while each event also queues a delivery and the dispatcher sends them.
        with_deliveries_events_per_s: Math.round(DELIVERY_EVENTS / ((dIngested - d0) / 1000)),
        single_rate_per_s: SINGLE_RATE,
        single_p50_ms: round(percentile(single, 50)),
        single_p99_ms: round(percentile(single, 99)),
      },
      delivery: {
        events: DELIVERY_EVENTS,
        deliveries_per_s: Math.round(deliveryPerS),
        server_cpu_s: round(cpuS, 2),
        cpu_scope: workerMode ? "server + worker processes, all threads" : "server process, all threads",
        cpu_us_per_delivery: Math.round(cpuUs),
        latency_rate_per_s: LATENCY_RATE,
        accept_to_receive_p50_ms: round(percentile(lat, 50)),
        accept_to_receive_p95_ms: round(percentile(lat, 95)),
        accept_to_receive_p99_ms: round(percentile(lat, 99)),
      },
      raw_ceiling: { concurrency, requests_per_s: Math.round(raw.rate), delivery_ratio: round(deliveryPerS / raw.rate, 3) },
      peak_rss_mb: { server: Math.round(peak.server), worker: Math.round(peak.worker) },
      ledger,
    };
  } finally {
    await srv.stop();
  }
}

/**
 * Waits (bounded) until the webhooks' logs have no Queued/Failed rows, then balances what was
 * sent against distinct deliveries the receiver got on those paths and failed log rows.
 */
export async function deliveryLedger(db: DB, rec: BenchReceiver, webhooks: string[], paths: string[], sent: number) {
  const marks = webhooks.map(() => "?").join(",");
  const pending = db.$client.prepare(
    `SELECT count(*) AS n FROM webhook_request_log WHERE webhook IN (${marks}) AND status IN ('Queued','Failed')`,
  );
  const by = Date.now() + 60_000;
  while ((pending.get(...webhooks) as { n: number }).n > 0 && Date.now() < by) await sleep(50);
  const rows = db.$client
    .prepare(`SELECT status, count(*) AS n FROM webhook_request_log WHERE webhook IN (${marks}) GROUP BY status`)
    .all(...webhooks) as { status: string; n: number }[];
  const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
  const received = paths.reduce((n, p) => n + (rec.byPath.get(p)?.ids.size ?? 0), 0);
  const failed = (byStatus.Exhausted ?? 0) + (byStatus.Error ?? 0) + (byStatus.Failed ?? 0);
  const requests = paths.reduce((n, p) => n + (rec.byPath.get(p)?.requests ?? 0), 0);
  return {
    events_sent: sent,
    deliveries_received: received,
    failed,
    missing: sent - received - failed,
    receiver_requests: requests,
    log_statuses: byStatus,
  };
}
