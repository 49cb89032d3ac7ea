// Phase "newconn": 200 keep-alive clients post events back to back (each event queues a
// delivery) while a probe opens a fresh TCP connection every 50 ms and times the first byte
// of a one-event POST. Load and probe run in their own node processes.
import { eventBody, percentile, runClient, sleep, type ClientJob } from "./bench-lib";
import { log, startBenchServer } from "./bench-server";
import { round } from "./bench-throughput";

const CLIENTS = 200;
const RAMP_MS = 2000;
const PROBE_MS = 12_000;
const PROBE_EVERY_MS = 50;
const PROBE_TIMEOUT_MS = 10_000;

export async function runNewConn(workerMode: boolean) {
  const srv = await startBenchServer({
    label: "newconn",
    workerMode,
    webhooks: (base) => [{ name: "conn-load", doctype: "Bench Conn", url: `${base}/conn` }],
    // The load leaves a backlog of deliveries; don't wait for it at shutdown.
    env: { WEBHOOK_DRAIN_MS: "1000" },
  });
  try {
    // The probe's DocType has no webhook: the request is cheap, and nothing is queued.
    const probe: ClientJob = {
      mode: "probe",
      port: srv.port,
      path: "/api/events",
      headers: srv.auth,
      body: eventBody("Bench Probe", "P-%n"),
      durationMs: PROBE_MS,
      intervalMs: PROBE_EVERY_MS,
      timeoutMs: PROBE_TIMEOUT_MS,
    };
    const idle = await runClient({ ...probe, durationMs: 1000 });
    const loadRun = runClient({
      mode: "loop",
      port: srv.port,
      path: "/api/events",
      headers: srv.auth,
      body: eventBody("Bench Conn", "C-%n"),
      durationMs: RAMP_MS + PROBE_MS + 1000,
      concurrency: CLIENTS,
      timeoutMs: 60_000,
    });
    await sleep(RAMP_MS);
    const loaded = await runClient(probe);
    const load = await loadRun;
    // A probe that got no answer counts as the timeout, so failures cannot flatter p99.
    const ttfb = (r: typeof loaded) => [...(r.ttfb ?? []), ...Array<number>(r.failed).fill(PROBE_TIMEOUT_MS)].sort((a, b) => a - b);
    const samples = ttfb(loaded);
    const result = {
      clients: CLIENTS,
      probe_every_ms: PROBE_EVERY_MS,
      probes: samples.length,
      probe_failed: loaded.failed,
      probe_timeout_ms: PROBE_TIMEOUT_MS,
      probe_statuses: loaded.statuses,
      probe_errors: loaded.errors?.length ? loaded.errors : undefined,
      ttfb_p50_ms: round(percentile(samples, 50)),
      ttfb_p99_ms: round(percentile(samples, 99)),
      ttfb_max_ms: round(samples.at(-1) ?? NaN),
      idle_ttfb_p50_ms: round(percentile(ttfb(idle), 50)),
      load_events_per_s: Math.round(load.rate),
      // The keep-alive clients' own request latency, for comparison.
      load_p50_ms: round(load.latency?.p50 ?? NaN),
      load_p99_ms: round(load.latency?.p99 ?? NaN),
      load_failed: load.failed,
      load_statuses: load.statuses,
      peak_rss_mb: Math.round(srv.peakRssMb().server),
    };
    log(
      `new connection under ${CLIENTS} keep-alive clients (${result.load_events_per_s} events/s): TTFB p50 ${result.ttfb_p50_ms} / p99 ${result.ttfb_p99_ms} ms ` +
        `over ${result.probes} probes (${result.probe_failed} got no answer in ${PROBE_TIMEOUT_MS / 1000} s; idle p50 ${result.idle_ttfb_p50_ms} ms); ` +
        `keep-alive requests p50 ${result.load_p50_ms} / p99 ${result.load_p99_ms} ms`,
    );
    return result;
  } finally {
    await srv.stop();
  }
}
