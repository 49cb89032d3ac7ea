import "server-only";
// The dispatcher: works only from the `delivery` table. Per queue it leases as many due
// deliveries as it has free slots, sends them concurrently, and hands outcomes to a
// writer that records them in small batched transactions.
import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import os from "node:os";
import type { DB } from "@/db";
import { maskHeaders } from "@/lib/renderer";
import { webhookByName } from "@/lib/services/webhook-spec";
import { QUEUES } from "@/lib/constants";
import { loadDispatcherConfig, type DispatcherConfig, type QueueName } from "./config";
import { sendRequest, type SendResult } from "./http-send";
import { retryDelayMs, verdictFor } from "./retry";
import { signForSend, type SignedHeaders } from "./signing";
import { dispatchSignal } from "./signal";
import { claimDue, releaseAll, writeOutcomes, type ClaimedDelivery, type Outcome } from "./store";

const FLUSH_MS = 5;
const FLUSH_MAX = 500;

interface QueueState {
  concurrency: number;
  inflight: number;
  pumpScheduled: boolean;
}

export interface DispatcherOptions {
  db: DB;
  config?: DispatcherConfig;
  /** Lease owner id; unique per process by default. */
  owner?: string;
}

export class Dispatcher {
  readonly owner: string;
  readonly config: DispatcherConfig;
  private readonly db: DB;
  private readonly queues: Record<QueueName, QueueState>;
  private readonly inflight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private pending: Outcome[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private running = false;
  private stopping = false;
  private readonly onSignal = () => this.wakeAll();
  /** Counters for logs and the bench. */
  readonly stats = { sent: 0, delivered: 0, failed: 0, claimErrors: 0 };

  constructor(opts: DispatcherOptions) {
    this.db = opts.db;
    this.config = opts.config ?? loadDispatcherConfig();
    this.owner = opts.owner ?? `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
    // Every in-flight request listens for shutdown on this one signal.
    setMaxListeners(0, this.abort.signal);
    this.queues = Object.fromEntries(
      QUEUES.map((q) => [q, { concurrency: this.config.concurrency[q], inflight: 0, pumpScheduled: false }]),
    ) as Record<QueueName, QueueState>;
  }

  get isRunning(): boolean {
    return this.running && !this.stopping;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    dispatchSignal().on("queued", this.onSignal);
    // Polling covers work queued by other processes, retries coming due and expired leases.
    this.pollTimer = setInterval(() => this.wakeAll(), this.config.pollMs);
    this.wakeAll();
  }

  wakeAll(): void {
    for (const q of QUEUES) this.schedulePump(q);
  }

  /** Coalesces wake-ups within a tick into one claim per queue. */
  private schedulePump(q: QueueName): void {
    const st = this.queues[q];
    if (st.pumpScheduled || this.stopping || !this.running) return;
    st.pumpScheduled = true;
    setImmediate(() => {
      st.pumpScheduled = false;
      this.pump(q);
    });
  }

  private pump(q: QueueName): void {
    if (this.stopping) return;
    const st = this.queues[q];
    const free = st.concurrency - st.inflight;
    if (free <= 0) return;
    // Each claim is a write transaction; under load, wait until a quarter of the slots are
    // free and claim them together rather than committing once per finished request.
    if (st.inflight > 0 && free < Math.max(1, Math.floor(st.concurrency / 4))) return;
    let rows: ClaimedDelivery[];
    try {
      rows = claimDue(this.db.$client, q, this.owner, free, this.config.leaseMarginMs);
    } catch (e) {
      // e.g. SQLITE_BUSY while another process holds the write lock: the next poll retries.
      this.stats.claimErrors += 1;
      if (this.stats.claimErrors % 100 === 1) console.error("[dispatcher] claim failed:", e);
      return;
    }
    for (const d of rows) this.launch(q, d);
  }

  private launch(q: QueueName, d: ClaimedDelivery): void {
    const st = this.queues[q];
    st.inflight += 1;
    const p = this.deliver(d)
      .catch((e: unknown) => console.error(`[dispatcher] delivery ${d.id} crashed:`, e))
      .finally(() => {
        st.inflight -= 1;
        this.inflight.delete(p);
        this.schedulePump(q);
      });
    this.inflight.add(p);
  }

  /** Stored headers + webhook-id (+ Standard Webhooks signature, made now so retries stay fresh). */
  private outgoingHeaders(d: ClaimedDelivery, now: number): SignedHeaders & { apiKeyHeader?: string } {
    const w = d.webhook ? webhookByName(this.db, d.webhook) : undefined;
    const apiKeyHeader = w?.row.apiKeyHeader;
    return { ...signForSend(w?.spec, d.id, now, d.headers, d.body), ...(apiKeyHeader ? { apiKeyHeader } : {}) };
  }

  private async deliver(d: ClaimedDelivery): Promise<void> {
    const started = Date.now();
    let headers: Record<string, string>;
    let signed = false;
    let apiKeyHeader: string | undefined;
    let signature: string | undefined;
    let result: SendResult;
    try {
      ({ headers, signed, apiKeyHeader, signature } = this.outgoingHeaders(d, started));
      result = await sendRequest({ method: d.method, url: d.url, headers, body: d.body, timeoutMs: d.timeoutMs }, this.abort.signal);
    } catch (e) {
      headers = d.headers;
      result = { durationMs: Date.now() - started, error: `Could not send: ${e instanceof Error ? e.message : String(e)}` };
    }
    this.stats.sent += 1;
    const outcome = this.classify(d, started, result);
    if (signed && outcome.kind !== "released") outcome.sentHeaders = JSON.stringify(maskHeaders(headers, { apiKeyHeader }));
    if (signature !== undefined) outcome.signature = signature;
    if (outcome.kind === "delivered") this.stats.delivered += 1;
    else if (outcome.kind !== "released") this.stats.failed += 1;
    this.record(outcome);
  }

  private classify(d: ClaimedDelivery, started: number, r: SendResult): Outcome {
    const base = {
      delivery: d,
      started,
      durationMs: r.durationMs,
      ...(r.httpStatus !== undefined ? { httpStatus: r.httpStatus } : {}),
      ...(r.response !== undefined ? { response: r.response } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
    };
    if (r.aborted) return { ...base, kind: "released" };
    if (r.permanent) return { ...base, kind: "error" };
    const attemptNo = d.attempts + 1;
    // A manual send (Resend, Re-render and send) is exactly one attempt: no retries follow it.
    const verdict = verdictFor(r.httpStatus, attemptNo, d.manual ? d.attempts : d.maxRetries);
    if (verdict === "delivered") return { ...base, kind: "delivered" };
    if (verdict === "exhausted") {
      // A manual resend is one attempt on its own; "gave up after N" would miscount the log's attempts.
      if (d.manual && r.httpStatus !== 410) return { ...base, kind: "exhausted", error: `Manual resend failed: ${r.error ?? "Failed"}` };
      const why = r.httpStatus === 410 ? "410 Gone: the receiver asked for no more deliveries" : `gave up after ${attemptNo} attempt${attemptNo === 1 ? "" : "s"}`;
      return { ...base, kind: "exhausted", error: `${r.error ?? "Failed"} — ${why}` };
    }
    const delay = retryDelayMs(attemptNo, this.config, r.retryAfterMs);
    return { ...base, kind: "retry", nextDueAt: Date.now() + delay };
  }

  private record(o: Outcome): void {
    this.pending.push(o);
    if (this.pending.length >= FLUSH_MAX) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Writes buffered outcomes now. */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.pending;
    if (!batch.length) return;
    this.pending = [];
    writeOutcomes(this.db.$client, batch, this.owner);
    // A retry may already be due (short schedules, Retry-After: 0).
    if (batch.some((o) => o.kind === "retry" || o.kind === "released")) this.wakeAll();
  }

  /** Number of requests being sent right now. */
  get inflightCount(): number {
    return this.inflight.size;
  }

  /**
   * Stops claiming, waits up to `drainMs` for in-flight requests, cancels the rest and
   * releases their leases so another worker (or the next start) sends them at once.
   */
  async stop(drainMs = this.config.drainMs): Promise<void> {
    if (!this.running || this.stopping) return;
    this.stopping = true;
    dispatchSignal().off("queued", this.onSignal);
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.inflight.size) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.inflight]),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs))),
      ]);
      clearTimeout(timer);
    }
    this.abort.abort();
    await Promise.allSettled([...this.inflight]);
    this.flush();
    try {
      releaseAll(this.db.$client, this.owner);
    } catch (e) {
      console.error("[dispatcher] could not release leases (they will expire):", e);
    }
    this.running = false;
  }
}
