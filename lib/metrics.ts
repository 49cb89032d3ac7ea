// The product's Prometheus metrics (prom-client), defined once. A leaf like lib/log.ts: the
// rooms that see a thing happen (ingest, the dispatcher) count it here without importing
// lib/ops. Each thread has its own registry (prom-client's default one): the server's
// /metrics (lib/ops/metrics.ts) asks the dispatcher and maintenance threads for theirs and
// adds them up; values that live in the database (queue depth, oldest due delivery) are read
// at scrape time there.
import { Counter, Gauge, Histogram, register } from "prom-client";

const PREFIX = "webhook_desk_";

/** A metric made once per thread (module reloads under `npm run dev` must not register twice). */
function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(PREFIX + name) as T | undefined) ?? make();
}

const eventsReceived = once(
  "events_received_total",
  () =>
    new Counter({
      name: PREFIX + "events_received_total",
      help: "Document events accepted by POST /api/events (duplicates of a stored id not counted), by DocType and event",
      labelNames: ["doctype", "event"],
    }),
);

const deliveriesQueued = once(
  "deliveries_queued_total",
  () =>
    new Counter({
      name: PREFIX + "deliveries_queued_total",
      help: "Requests queued for sending (events, Resend, Send Test), by Background Jobs Queue",
      labelNames: ["queue"],
    }),
);

const renderErrors = once(
  "render_errors_total",
  () =>
    new Counter({
      name: PREFIX + "render_errors_total",
      help: "Conditions and request templates that failed (logged as Error), by kind",
      labelNames: ["kind"],
    }),
);

const inflight = once(
  "requests_in_flight",
  () =>
    new Gauge({
      name: PREFIX + "requests_in_flight",
      help: "Requests being sent right now, by queue",
      labelNames: ["queue"],
    }),
);

const attempts = once(
  "delivery_attempts_total",
  () =>
    new Counter({
      name: PREFIX + "delivery_attempts_total",
      help: "Requests sent, by the status they left the log in (Delivered, Failed, Exhausted, Error) and HTTP status class",
      labelNames: ["outcome", "status_class"],
    }),
);

const attemptDuration = once(
  "delivery_attempt_duration_seconds",
  () =>
    new Histogram({
      name: PREFIX + "delivery_attempt_duration_seconds",
      help: "How long a request took, from connecting to the end of the response",
      labelNames: ["queue"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    }),
);

const firstAttemptDelay = once(
  "delivery_first_attempt_delay_seconds",
  () =>
    new Histogram({
      name: PREFIX + "delivery_first_attempt_delay_seconds",
      help: "From accepting an event to the first attempt of its request",
      labelNames: ["queue"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    }),
);

const refusals = once(
  "private_network_refusals_total",
  () =>
    new Counter({
      name: PREFIX + "private_network_refusals_total",
      help: "Requests refused because their address is loopback, private, link-local, metadata or this machine's",
    }),
);

export function countEvent(doctype: string, event: string): void {
  eventsReceived.inc({ doctype, event });
}

export function countQueued(queue: string, n = 1): void {
  if (n > 0) deliveriesQueued.inc({ queue }, n);
}

export function countRenderError(kind: "condition" | "template", n = 1): void {
  if (n > 0) renderErrors.inc({ kind }, n);
}

export function setInflight(queue: string, n: number): void {
  inflight.set({ queue }, n);
}

const statusClass = (s: number | undefined) => (s === undefined ? "none" : `${Math.floor(s / 100)}xx`);

export interface AttemptObservation {
  queue: string;
  /** The log status the attempt left: Delivered, Failed, Exhausted, Error. */
  status: string;
  httpStatus?: number;
  durationMs: number;
  /** Set on a delivery's first attempt (not on manual sends). */
  firstAttemptDelayMs?: number;
  refused: boolean;
}

export function observeAttempt(o: AttemptObservation): void {
  attempts.inc({ outcome: o.status, status_class: statusClass(o.httpStatus) });
  attemptDuration.observe({ queue: o.queue }, o.durationMs / 1000);
  if (o.firstAttemptDelayMs !== undefined) firstAttemptDelay.observe({ queue: o.queue }, Math.max(0, o.firstAttemptDelayMs) / 1000);
  if (o.refused) refusals.inc();
}

/** This thread's metrics as JSON, for the thread that serves /metrics to add up. */
export const threadMetrics = () => register.getMetricsAsJSON();
