// `npm run bench`: production server on a fresh database + a loopback receiver; measures
// ingest, end-to-end delivery, accept→receive latency, the raw HTTP ceiling, peak RSS and
// a delivery ledger. Prints a table and writes bench/results/latest.json.
//   --build   rebuild even if .next/BUILD_ID exists
//   --worker  run the dispatcher as its own process (`npm run worker`, server with WEBHOOK_WORKER=0)
//             and write bench/results/latest-worker.json
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "@/db";
import { createApiKeyUnchecked } from "@/lib/services/users";
import { insertWebhook } from "@/lib/dispatcher/test-support";
import { loadDispatcherConfig } from "@/lib/dispatcher/config";
import {
  RAW_CLIENT_SOURCE,
  freePort,
  memoryOf,
  percentile,
  postJson,
  serverPid,
  sleep,
  startBenchReceiver,
} from "./bench-lib";

const ROOT = path.resolve(__dirname, "..");
const bin = (n: string) => path.join(ROOT, "node_modules", ".bin", n);
const TARGETS = { ingestPerS: 3000, deliveryPerS: 1000, rawRatio: 0.4, p95Ms: 250, rssMb: 400 };
const INGEST_EVENTS = 30_000;
const DELIVERY_EVENTS = 20_000;
const BATCH = 100;
const SINGLE_RATE = 200;
const SINGLE_SECONDS = 5;
const LATENCY_RATE = 200;
const LATENCY_SECONDS = 10;

function log(msg: string) {
  process.stdout.write(`[bench] ${msg}\n`);
}

function needsBuild(): boolean {
  if (process.argv.includes("--build")) return true;
  const id = path.join(ROOT, ".next", "BUILD_ID");
  if (!fs.existsSync(id)) return true;
  // A build from before /api/events existed cannot serve the bench.
  const routes = path.join(ROOT, ".next", "app-path-routes-manifest.json");
  return !fs.existsSync(routes) || !fs.readFileSync(routes, "utf8").includes("/api/events");
}

const doc = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  customer_name: "Acme Corporation",
  status: "Open",
  transaction_date: "2026-11-02",
  currency: "USD",
  grand_total: 1234.5,
  items: [{ item_code: "LAPTOP-14", qty: 2, rate: 600, amount: 1200 }],
  ...extra,
});

async function main() {
  if (needsBuild()) {
    log("building (next build)…");
    const r = spawnSync(bin("next"), ["build"], { cwd: ROOT, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
    if (r.status !== 0) throw new Error("next build failed");
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhook-desk-bench-"));
  const dbFile = path.join(dir, "desk.db");
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: `file:${dbFile}`,
    DATA_DIR: dir,
    ADMIN_PASSWORD: "bench-admin-password",
    WEBHOOK_DESK_ENCRYPTION_KEY: "bench-encryption-key",
    NEXTAUTH_SECRET: "bench-nextauth-secret",
    NEXTAUTH_URL: `http://localhost:${port}`,
    WEBHOOK_ALLOW_PRIVATE_NETWORK: "1",
    NEXT_TELEMETRY_DISABLED: "1",
    PORT: String(port),
  };
  delete env.WEBHOOK_WORKER;
  const workerMode = process.argv.includes("--worker");
  if (workerMode) env.WEBHOOK_WORKER = "0";
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = env.WEBHOOK_DESK_ENCRYPTION_KEY;
  const boot = spawnSync(bin("tsx"), ["--conditions=react-server", "scripts/bootstrap.ts"], { cwd: ROOT, env, stdio: "inherit" });
  if (boot.status !== 0) throw new Error("bootstrap failed");

  const db = openDatabase(dbFile);
  const key = createApiKeyUnchecked(db, "Administrator");
  const auth = { authorization: `token ${key.key}:${key.secret}` };
  const rec = await startBenchReceiver();
  const base = `http://127.0.0.1:${rec.port}`;
  insertWebhook(db, { name: "bench-ingest", doctype: "Bench Ingest", url: `${base}/ingest`, condition: 'doc.status == "Closed"' });
  insertWebhook(db, { name: "bench-delivery", doctype: "Bench Delivery", url: `${base}/delivery`, secret: "bench-secret" });
  insertWebhook(db, { name: "bench-latency", doctype: "Bench Latency", url: `${base}/latency`, secret: "bench-secret" });

  let server: ChildProcess | undefined;
  let worker: ChildProcess | undefined;
  let workerPeakRss = 0;
  let sampler: NodeJS.Timeout | undefined;
  let peakRss = 0;
  let pid = 0;
  try {
    // The server `npm start` runs (scripts/server.mjs in front of Next), so the figures are the product's.
    server = spawn(process.execPath, ["scripts/server.mjs"], {
      cwd: ROOT,
      env: { ...env, PORT: String(port), HOST: "127.0.0.1", NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    server.stdout?.on("data", (c: Buffer) => (out += c.toString()));
    server.stderr?.on("data", (c: Buffer) => (out += c.toString()));
    if (workerMode) {
      // node itself runs the worker (not the tsx wrapper), so its pid is the one to sample.
      worker = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/worker.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
      worker.stdout?.on("data", (c: Buffer) => (out += c.toString()));
      worker.stderr?.on("data", (c: Buffer) => (out += c.toString()));
    }
    const readyBy = Date.now() + 60_000;
    for (;;) {
      if (Date.now() > readyBy) throw new Error(`server did not start:\n${out}`);
      if (server.exitCode !== null) throw new Error(`server exited:\n${out}`);
      const r = await postJson(port, "/api/events", "[]", auth, 2000).catch(() => undefined);
      if (r && out.includes("[dispatcher] started")) break;
      await sleep(200);
    }
    pid = serverPid(server.pid ?? 0);
    sampler = setInterval(() => {
      const m = memoryOf(pid);
      if (m) peakRss = Math.max(peakRss, m.hwmMb);
      const w = worker?.pid ? memoryOf(worker.pid) : undefined;
      if (w) workerPeakRss = Math.max(workerPeakRss, w.hwmMb);
    }, 250);
    log(`server ready on :${port} (pid ${pid}); receiver on :${rec.port}`);

    // Warm-up: load the route and the renderer.
    for (let i = 0; i < 20; i++) {
      await postJson(port, "/api/events", JSON.stringify(Array.from({ length: BATCH }, (_, j) => ({ doctype: "Bench Ingest", event: "on_update", doc: doc(`W-${i}-${j}`) }))), auth);
    }

    // 1. Ingest: batches of 100, 4 in flight; routing evaluates a condition per event (false,
    // so this measures acceptance alone; phase 3 measures it with deliveries queued).
    let next = 0;
    const batches = INGEST_EVENTS / BATCH;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < batches) {
          const b = next++;
          const body = JSON.stringify(Array.from({ length: BATCH }, (_, j) => ({ doctype: "Bench Ingest", event: "on_update", doc: doc(`I-${b}-${j}`) })));
          const r = await postJson(port, "/api/events", body, auth);
          if (r.status !== 202) throw new Error(`ingest answered ${r.status}: ${r.text.slice(0, 200)}`);
        }
      }),
    );
    const ingestPerS = INGEST_EVENTS / ((performance.now() - t0) / 1000);
    log(`ingest: ${ingestPerS.toFixed(0)} events/s`);

    // 2. Single-event POST latency, open loop.
    const single: number[] = [];
    const singles: Promise<void>[] = [];
    const s0 = performance.now();
    for (let i = 0; i < SINGLE_RATE * SINGLE_SECONDS; i++) {
      const due = s0 + (i * 1000) / SINGLE_RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const start = performance.now();
      singles.push(
        postJson(port, "/api/events", JSON.stringify({ doctype: "Bench Ingest", event: "on_update", doc: doc(`S-${i}`) }), auth).then((r) => {
          if (r.status !== 202) throw new Error(`single answered ${r.status}`);
          single.push(performance.now() - start);
          if (process.env.BENCH_DEBUG && performance.now() - start > 50 && single.length % 10 === 0) log(`slow single #${i}: ${(performance.now() - start).toFixed(0)} ms at +${(start - s0).toFixed(0)} ms`);
        }),
      );
    }
    await Promise.all(singles);
    single.sort((a, b) => a - b);
    log(`single POST p50 ${percentile(single, 50).toFixed(1)} ms, p99 ${percentile(single, 99).toFixed(1)} ms`);

    // 3. Delivery throughput: event accepted → request received → log row written.
    const delivered = db.$client.prepare("SELECT count(*) AS n FROM webhook_request_log WHERE webhook = ? AND status = 'Delivered'");
    const countOf = (w: string) => (delivered.get(w) as { n: number }).n;
    next = 0;
    const d0 = performance.now();
    const dBatches = DELIVERY_EVENTS / BATCH;
    await Promise.all(
      Array.from({ length: 2 }, async () => {
        while (next < dBatches) {
          const b = next++;
          const body = JSON.stringify(Array.from({ length: BATCH }, (_, j) => ({ doctype: "Bench Delivery", event: "on_update", doc: doc(`D-${b}-${j}`) })));
          const r = await postJson(port, "/api/events", body, auth);
          if (r.status !== 202) throw new Error(`delivery ingest answered ${r.status}`);
        }
      }),
    );
    const dIngested = performance.now();
    const dBy = Date.now() + 120_000;
    while (countOf("bench-delivery") < DELIVERY_EVENTS && Date.now() < dBy) await sleep(20);
    const dDone = performance.now();
    const deliveryPerS = countOf("bench-delivery") / ((dDone - d0) / 1000);
    log(`delivery: ${deliveryPerS.toFixed(0)} deliveries/s (${DELIVERY_EVENTS} events ingested in ${((dIngested - d0) / 1000).toFixed(1)} s, all logged after ${((dDone - d0) / 1000).toFixed(1)} s)`);

    // 4. Accept→receive latency at 200 events/s (measured from the POST's start: conservative).
    const postedAt = new Map<string, number>();
    const latencyPosts: Promise<unknown>[] = [];
    const l0 = performance.now();
    for (let i = 0; i < LATENCY_RATE * LATENCY_SECONDS; i++) {
      const due = l0 + (i * 1000) / LATENCY_RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const name = `L-${i}`;
      postedAt.set(name, performance.now());
      latencyPosts.push(postJson(port, "/api/events", JSON.stringify({ doctype: "Bench Latency", event: "on_update", doc: doc(name) }), auth));
    }
    await Promise.all(latencyPosts);
    const lBy = Date.now() + 30_000;
    while (rec.byDoc.size < postedAt.size && Date.now() < lBy) await sleep(20);
    const lat = [...postedAt].map(([n, t]) => (rec.byDoc.get(n) ?? NaN) - t).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
    log(`accept→receive at ${LATENCY_RATE}/s: p50 ${percentile(lat, 50).toFixed(1)} ms, p95 ${percentile(lat, 95).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms`);

    // 5. Raw ceiling: the same receiver, a plain client loop at the dispatcher's concurrency.
    const concurrency = loadDispatcherConfig(env).concurrency.default;
    const sampleBody = (db.$client.prepare("SELECT length(data) AS n FROM webhook_request_log WHERE webhook = 'bench-delivery' LIMIT 1").get() as { n: number } | undefined)?.n ?? 400;
    // Async: the receiver lives in this process and must keep answering.
    const rawOut = await runNode(["-e", RAW_CLIENT_SOURCE, String(rec.port), String(concurrency), "5000", String(sampleBody)], 30_000);
    const rawResult = JSON.parse(rawOut || "{}") as { rate?: number; done?: number; failed?: number };
    const rawPerS = rawResult.rate ?? NaN;
    log(`raw ceiling: ${rawPerS.toFixed(0)} requests/s at concurrency ${concurrency}`);

    // 6. Ledger over the delivering webhooks.
    const ledgerBy = Date.now() + 60_000;
    const pending = db.$client.prepare("SELECT count(*) AS n FROM webhook_request_log WHERE webhook IN ('bench-delivery','bench-latency') AND status IN ('Queued','Failed')");
    while ((pending.get() as { n: number }).n > 0 && Date.now() < ledgerBy) await sleep(50);
    const rows = db.$client
      .prepare("SELECT status, count(*) AS n FROM webhook_request_log WHERE webhook IN ('bench-delivery','bench-latency') GROUP BY status")
      .all() as { status: string; n: number }[];
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    const sent = DELIVERY_EVENTS + postedAt.size;
    const deliveredIds = [...rec.firstSeen.keys()].filter((k) => k !== "raw").length;
    const failed = (byStatus.Exhausted ?? 0) + (byStatus.Error ?? 0) + (byStatus.Failed ?? 0);
    const ledger = { events_sent: sent, deliveries_received: deliveredIds, failed, missing: sent - deliveredIds - failed, receiver_requests: rec.total - (rawResult.done ?? 0), log_statuses: byStatus };
    const m = memoryOf(pid);
    if (m) peakRss = Math.max(peakRss, m.hwmMb);

    const results = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
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
        latency_rate_per_s: LATENCY_RATE,
        accept_to_receive_p50_ms: round(percentile(lat, 50)),
        accept_to_receive_p95_ms: round(percentile(lat, 95)),
        accept_to_receive_p99_ms: round(percentile(lat, 99)),
      },
      raw_ceiling: { concurrency, requests_per_s: Math.round(rawPerS), delivery_ratio: round(deliveryPerS / rawPerS, 3) },
      server_peak_rss_mb: Math.round(peakRss),
      ...(workerMode ? { mode: "separate worker process", worker_peak_rss_mb: Math.round(workerPeakRss) } : { mode: "dispatcher in the server process" }),
      ledger,
      targets: TARGETS,
      pass: {
        ingest: ingestPerS >= TARGETS.ingestPerS,
        delivery: deliveryPerS >= TARGETS.deliveryPerS,
        raw_ratio: deliveryPerS / rawPerS >= TARGETS.rawRatio,
        p95: percentile(lat, 95) <= TARGETS.p95Ms,
        rss: peakRss <= TARGETS.rssMb,
        missing: ledger.missing === 0,
      },
    };
    printTable(results);
    fs.mkdirSync(path.join(ROOT, "bench", "results"), { recursive: true });
    const file = workerMode ? "latest-worker.json" : "latest.json";
    fs.writeFileSync(path.join(ROOT, "bench", "results", file), JSON.stringify(results, null, 2) + "\n");
    log(`wrote bench/results/${file}`);
  } finally {
    if (sampler) clearInterval(sampler);
    if (worker && worker.exitCode === null) worker.kill("SIGTERM");
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      const by = Date.now() + 15_000;
      while (server.exitCode === null && server.signalCode === null && Date.now() < by) await sleep(100);
      if (server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
    }
    await rec.close();
    db.$client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function runNode(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

function printTable(r: {
  ingest: { events_per_s: number; with_deliveries_events_per_s: number; single_p50_ms: number; single_p99_ms: number };
  delivery: { deliveries_per_s: number; accept_to_receive_p50_ms: number; accept_to_receive_p95_ms: number; accept_to_receive_p99_ms: number };
  raw_ceiling: { requests_per_s: number; delivery_ratio: number; concurrency: number };
  server_peak_rss_mb: number;
  ledger: { events_sent: number; deliveries_received: number; failed: number; missing: number };
}) {
  const rows: [string, string, string][] = [
    ["ingest (batches of 100)", `${r.ingest.events_per_s} events/s`, `≥ ${TARGETS.ingestPerS}`],
    ["  …while queueing + sending", `${r.ingest.with_deliveries_events_per_s} events/s`, ""],
    ["single POST latency @200/s", `p50 ${r.ingest.single_p50_ms} ms / p99 ${r.ingest.single_p99_ms} ms`, ""],
    ["delivery end to end", `${r.delivery.deliveries_per_s} /s`, `≥ ${TARGETS.deliveryPerS}`],
    ["raw ceiling (plain client)", `${r.raw_ceiling.requests_per_s} /s @ c=${r.raw_ceiling.concurrency}`, ""],
    ["delivery / raw ceiling", `${r.raw_ceiling.delivery_ratio}`, `≥ ${TARGETS.rawRatio}`],
    ["accept→receive @200/s", `p50 ${r.delivery.accept_to_receive_p50_ms} / p95 ${r.delivery.accept_to_receive_p95_ms} / p99 ${r.delivery.accept_to_receive_p99_ms} ms`, `p95 ≤ ${TARGETS.p95Ms}`],
    ["server peak RSS", `${r.server_peak_rss_mb} MB`, `≤ ${TARGETS.rssMb}`],
    ["ledger", `sent ${r.ledger.events_sent} = received ${r.ledger.deliveries_received} + failed ${r.ledger.failed}; missing ${r.ledger.missing}`, "missing = 0"],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  console.log("");
  for (const [a, b, c] of rows) console.log(`  ${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
  console.log("");
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
