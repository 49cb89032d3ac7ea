import "server-only";
// GET /metrics: the Prometheus text format. This thread's metrics (lib/metrics.ts: events,
// deliveries queued, render errors; process metrics), the delivery threads' (attempts, their
// durations, accept → first attempt, requests in flight, private-network refusals), and the
// queues as the database has them now (depth and the age of the oldest due delivery per
// queue), read at scrape time so every web node and worker reports the same backlog.
import {
  AggregatorRegistry,
  Gauge,
  Registry,
  collectDefaultMetrics,
  register,
  type MetricObjectWithValues,
  type MetricValue,
} from "prom-client";
import type { DB } from "@/db";
import { QUEUES } from "@/lib/constants";
import { oldestDueByQueue, pendingByQueue } from "@/lib/delivery/store";

type ThreadMetrics = MetricObjectWithValues<MetricValue<string>>[];

const g = globalThis as unknown as { __webhookDeskProcessMetrics?: boolean };

/** Process metrics (CPU, memory, event-loop lag, handles) once per process, on the thread that serves /metrics. */
function processMetricsOnce(): void {
  if (g.__webhookDeskProcessMetrics) return;
  g.__webhookDeskProcessMetrics = true;
  collectDefaultMetrics({ register });
}

/** The queue gauges, from the database now. */
async function queueMetrics(db: DB, now: number): Promise<ThreadMetrics> {
  const reg = new Registry();
  const depth = new Gauge({
    name: "webhook_desk_queue_depth",
    help: "Requests waiting to be sent (due now or later, retries included; not held), by queue",
    labelNames: ["queue"],
    registers: [reg],
  });
  const held = new Gauge({
    name: "webhook_desk_deliveries_held",
    help: "Requests held because their webhook is disabled, by queue",
    labelNames: ["queue"],
    registers: [reg],
  });
  const age = new Gauge({
    name: "webhook_desk_queue_oldest_due_age_seconds",
    help: "How long the oldest due, unclaimed request of the queue has waited past its due time (0: none waiting)",
    labelNames: ["queue"],
    registers: [reg],
  });
  for (const queue of QUEUES) {
    depth.set({ queue }, 0);
    held.set({ queue }, 0);
  }
  for (const r of await pendingByQueue(db)) (r.held ? held : depth).inc({ queue: r.queue }, r.n);
  const oldest = await oldestDueByQueue(db, now);
  for (const queue of QUEUES) {
    const due = oldest[queue];
    age.set({ queue }, due === null ? 0 : Math.max(0, now - due) / 1000);
  }
  return reg.getMetricsAsJSON();
}

/** The exposition text: this thread, `threads` (the delivery threads' own), the queues. */
export async function metricsText(db: DB, threads: ThreadMetrics[]): Promise<{ contentType: string; text: string }> {
  processMetricsOnce();
  const parts = [await register.getMetricsAsJSON(), ...threads, await queueMetrics(db, Date.now())];
  const merged = AggregatorRegistry.aggregate(parts);
  return { contentType: merged.contentType, text: await merged.metrics() };
}
