import "server-only";
// The dispatcher: the sending loop, one for both dialects. It works only through lib/delivery
// — a DeliverySource for claims and outcomes (SQLite leases, or pg-boss jobs on PostgreSQL),
// the complete request (`finalize`, signed now) — and owns what sending needs: concurrency
// per queue, the per-webhook cap, retries, the HTTP client and its SSRF guard. A webhook's Max
// Requests per Second is kept by the claims (lib/delivery/rate-limit.ts: a slot shared in the
// database); a delivery waiting for its slot is not claimed, and the due timer wakes for it.
//
// One write transaction per cycle records the outcomes of finished requests and claims the
// next ones; cycles run one at a time. They run when work is queued (a BroadcastChannel
// message from any thread of this process; on PostgreSQL a NOTIFY from any process), when a
// request finishes, when the next retry comes due (a timer set to it), and on a poll that
// covers the rest (other SQLite processes, pg-boss bringing back expired jobs).
import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import os from "node:os";
import type { DB } from "@/db";
import { LOG_STATUS, QUEUES } from "@/lib/constants";
import {
  cappedWebhooks,
  finalize,
  maskedHeaders,
  maskSecretsInText,
  openSource,
  rateLimits,
  signatureOfHeaders,
  refreshWebhookCache,
  secretValues,
  webhookByName,
  type AttemptRecord,
  type ClaimedDelivery,
  type ClaimRequest,
  type DeliverySource,
  type Outcome,
  type PreparedRequest,
  type QueueName,
} from "@/lib/delivery";
import { loadDispatcherConfig, webhookCap, type DispatcherConfig } from "./config";
import { sendRequest, type SendOutcome, type SendResult } from "./http-send";
import { retryDelayMs, verdictFor } from "./retry";
import { logger } from "@/lib/log";
import { observeAttempt, setInflight } from "@/lib/metrics";

const log = logger("dispatcher");

/** The log status an outcome leaves its request in (the delivery line's `status`). */
const STATUS_OF: Partial<Record<Outcome["kind"], string>> = {
  delivered: LOG_STATUS.delivered,
  retry: LOG_STATUS.failed,
  exhausted: LOG_STATUS.exhausted,
  error: LOG_STATUS.error,
};

/** Outcomes wait this long for company before they are written (one commit for many). */
const FLUSH_MS = 5;
const FLUSH_MAX = 500;

interface QueueState {
  concurrency: number;
  /** In-flight requests one webhook may have in this queue (Infinity: no cap). */
  cap: number;
  inflight: number;
  /** Set by wake-ups; cleared when a claim finds fewer rows than it asked for. */
  mayHaveWork: boolean;
}

export interface DispatcherOptions {
  /** Its own handle: a SQLite connection, or a PostgreSQL pool (openPg). */
  db: DB;
  config?: DispatcherConfig;
  /** Lease owner id; unique per process by default. */
  owner?: string;
  /** Where claims come from (default: the source for db's dialect). */
  source?: DeliverySource;
}

type Plan =
  | { kind: "send"; request: PreparedRequest; secrets: string[]; apiKeyHeader?: string; failing?: boolean }
  | { kind: "held" }
  | { kind: "cancelled"; reason: string }
  | { kind: "error"; reason: string };

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class Dispatcher {
  readonly owner: string;
  readonly config: DispatcherConfig;
  private readonly db: DB;
  private readonly source: DeliverySource;
  private readonly queues: Record<QueueName, QueueState>;
  private readonly inflight = new Map<string, Promise<void>>();
  /** Webhooks whose failures this dispatcher recorded since their last success (health.ts). */
  private readonly failing = new Set<string>();
  /** In-flight requests per webhook (the cap). */
  private readonly perWebhook = new Map<string, number>();
  private cycleChain: Promise<void> = Promise.resolve();
  private cycleQueued = false;
  private readonly abort = new AbortController();
  private pending: Outcome[] = [];
  private cycleScheduled = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private dueTimer: NodeJS.Timeout | undefined;
  private dueAt = Infinity;
  /** The due time armDueTimer last woke a cycle for at once (see there). */
  private wokeFor = -1;
  private stopListening: (() => void) | undefined;
  private running = false;
  private stopping = false;
  /** Counters for logs and the bench. */
  readonly stats = { sent: 0, delivered: 0, failed: 0, cycles: 0, cycleErrors: 0 };

  constructor(opts: DispatcherOptions) {
    this.db = opts.db;
    this.config = opts.config ?? loadDispatcherConfig();
    this.owner = opts.owner ?? `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
    // Every in-flight request listens for shutdown on this one signal.
    setMaxListeners(0, this.abort.signal);
    this.queues = Object.fromEntries(
      QUEUES.map((q) => {
        const concurrency = this.config.concurrency[q];
        return [q, { concurrency, cap: webhookCap(this.config, concurrency), inflight: 0, mayHaveWork: true }];
      }),
    ) as Record<QueueName, QueueState>;
    this.source =
      opts.source ??
      openSource(this.db, { owner: this.owner, leaseMarginMs: this.config.leaseMarginMs, expiryCheckS: this.config.expiryCheckS });
  }

  get isRunning(): boolean {
    return this.running && !this.stopping;
  }

  /** Starts sending; resolves when the source's own machinery (PostgreSQL: job expiry) runs too. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopListening = this.source.onWork((topic) => {
      if (topic === "queued") this.wakeAll();
    });
    this.pollTimer = setInterval(() => this.wakeAll(), this.config.pollMs);
    this.wakeAll();
    try {
      await this.source.start();
    } catch (e) {
      log.error({ err: e }, "the delivery source did not start fully");
    }
  }

  /** Something may be due in every queue (new work, a poll, a retry's time). */
  wakeAll(): void {
    for (const q of QUEUES) this.queues[q].mayHaveWork = true;
    this.schedule(true);
  }

  private schedule(now: boolean): void {
    if (this.stopping || !this.running) return;
    if (now || this.pending.length >= FLUSH_MAX) {
      if (this.flushTimer) clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      if (this.cycleScheduled) return;
      this.cycleScheduled = true;
      setImmediate(() => {
        this.cycleScheduled = false;
        void this.runCycle();
      });
    } else {
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = undefined;
        this.schedule(true);
      }, FLUSH_MS);
    }
  }

  private claimsWanted(): ClaimRequest[] {
    const out: ClaimRequest[] = [];
    for (const q of QUEUES) {
      const st = this.queues[q];
      const free = st.concurrency - st.inflight;
      // Under load, claim when a quarter of the slots are free, not one by one: each cycle is a commit.
      if (free > 0 && st.mayHaveWork && (st.inflight === 0 || free >= Math.max(1, Math.floor(st.concurrency / 4))))
        out.push({ queue: q, limit: free, cap: st.cap, inflight: this.perWebhook });
    }
    return out;
  }

  /** Runs a cycle after the one running now (at most one waits: it takes whatever is pending then). */
  private runCycle(): Promise<void> {
    if (this.cycleQueued) return this.cycleChain;
    this.cycleQueued = true;
    this.cycleChain = this.cycleChain.then(() => {
      this.cycleQueued = false;
      return this.cycleOnce();
    });
    return this.cycleChain;
  }

  private async cycleOnce(): Promise<void> {
    if (this.stopping && !this.pending.length) return;
    const outcomes = this.pending;
    const claims = this.stopping ? [] : this.claimsWanted();
    if (!outcomes.length && !claims.length) return;
    this.pending = [];
    let claimed: Map<string, ClaimedDelivery[]>;
    try {
      // A webhook edited, disabled or deleted in another thread or process is seen by this cycle's sends.
      if (claims.length) {
        await refreshWebhookCache(this.db);
        const rates = await rateLimits(this.db);
        if (rates.size) for (const c of claims) c.rates = rates;
      }
      claimed = await this.source.cycle(outcomes, claims);
      this.stats.cycles += 1;
    } catch (e) {
      // e.g. SQLITE_BUSY while another process holds the lock: keep the outcomes, try again soon.
      this.pending = outcomes.concat(this.pending);
      this.stats.cycleErrors += 1;
      if (this.stats.cycleErrors % 100 === 1) log.error({ err: e, failures: this.stats.cycleErrors }, "cycle failed");
      setTimeout(() => this.schedule(true), 50).unref();
      return;
    }
    for (const c of claims) {
      const rows = claimed.get(c.queue) ?? [];
      if (rows.length < c.limit) this.queues[c.queue as QueueName].mayHaveWork = false;
      for (const d of rows) this.launch(c.queue as QueueName, d);
    }
    // A retry may already be due (short schedules, Retry-After: 0, a lease given back).
    if (outcomes.some((o) => o.kind === "retry" || o.kind === "released")) this.wakeAll();
    else await this.armDueTimer();
  }

  /** Sleeps until the next delivery of an idle queue comes due (no polling delay for retries). */
  private async armDueTimer(): Promise<void> {
    let next = Infinity;
    try {
      for (const q of QUEUES) {
        const st = this.queues[q];
        if (st.mayHaveWork || st.inflight >= st.concurrency) continue;
        const due = await this.source.nextDueAt(q, cappedWebhooks({ queue: q, limit: 0, cap: st.cap, inflight: this.perWebhook }));
        if (due !== null) next = Math.min(next, due);
      }
    } catch {
      return; // the poll covers it
    }
    if (!Number.isFinite(next) || next >= this.dueAt) return;
    if (next <= Date.now()) {
      // It came due while this cycle ran (a rate-limit slot, a retry): one more cycle for it.
      // Due already and still not claimed by that cycle (this worker's own stalled lease, a
      // job not yet expired): the poll covers it, rather than cycles running in a loop.
      if (next !== this.wokeFor) {
        this.wokeFor = next;
        this.wakeAll();
      }
      return;
    }
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueAt = next;
    this.dueTimer = setTimeout(
      () => {
        this.dueAt = Infinity;
        this.dueTimer = undefined;
        this.wakeAll();
      },
      Math.max(0, next - Date.now()),
    );
    this.dueTimer.unref();
  }

  private launch(q: QueueName, d: ClaimedDelivery): void {
    // Our own lease never comes back to us (see lib/delivery/store.ts); belt and braces.
    if (this.inflight.has(d.id)) return;
    const st = this.queues[q];
    st.inflight += 1;
    setInflight(q, st.inflight);
    const w = d.webhook;
    if (w !== null) this.perWebhook.set(w, (this.perWebhook.get(w) ?? 0) + 1);
    const p = this.deliver(d)
      .catch((e: unknown) => log.error({ err: e, delivery: d.id, webhook: d.webhook }, "delivery crashed"))
      .finally(() => {
        st.inflight -= 1;
        setInflight(q, st.inflight);
        if (w !== null) {
          const n = (this.perWebhook.get(w) ?? 1) - 1;
          if (n > 0) this.perWebhook.set(w, n);
          else this.perWebhook.delete(w);
        }
        this.inflight.delete(d.id);
        st.mayHaveWork = true;
        this.schedule(false);
      });
    this.inflight.set(d.id, p);
  }

  /** The complete request for a claimed delivery, or why it is not sent. */
  private async plan(d: ClaimedDelivery, now: number): Promise<Plan> {
    const base = { method: d.method, url: d.url, headers: d.headers, body: d.body };
    if (!d.sign) {
      // Presigned (Send Test): the stored headers are the complete request.
      return {
        kind: "send",
        request: { ...base, id: d.id, signature: signatureOfHeaders(d.headers, d.id, now) },
        secrets: secretValues(d.headers),
      };
    }
    // The cache was checked against the webhook tables when this cycle claimed `d`.
    const w = d.webhook ? await webhookByName(this.db, d.webhook, Infinity) : undefined;
    if (!w) return { kind: "cancelled", reason: `Cancelled: the webhook ${d.webhook ?? ""} was deleted` };
    if (!w.row.enabled) return { kind: "held" };
    if (!w.spec) return { kind: "error", reason: w.specError ?? "The webhook could not be loaded" };
    try {
      const request = finalize(w.spec, base, { id: d.id, nowMs: now });
      const apiKeyHeader = w.spec.apiKeyHeader;
      return {
        kind: "send",
        request,
        secrets: secretValues(request.headers, apiKeyHeader ? [apiKeyHeader] : []),
        ...(apiKeyHeader ? { apiKeyHeader } : {}),
        failing: w.failing,
      };
    } catch (e) {
      return { kind: "error", reason: messageOf(e) };
    }
  }

  private async deliver(d: ClaimedDelivery): Promise<void> {
    const now = Date.now();
    const plan = await this.plan(d, now);
    if (plan.kind !== "send") {
      const error = plan.kind === "held" ? undefined : plan.reason;
      this.record({ delivery: d, kind: plan.kind, attempts: [], ...(error ? { error } : {}) });
      return;
    }
    const { request } = plan;
    let result: SendOutcome;
    try {
      result = await sendRequest(
        { method: request.method, url: request.url, headers: request.headers, body: request.body, timeoutMs: d.timeoutMs },
        this.abort.signal,
      );
    } catch (e) {
      result = { started: now, durationMs: Date.now() - now, error: `Could not send: ${messageOf(e)}`, earlier: [] };
    }
    this.stats.sent += 1;
    if (result.aborted) {
      this.record({ delivery: d, kind: "released", attempts: [] });
      return;
    }
    const mask = (t: string | undefined) => (t === undefined ? undefined : maskSecretsInText(t, plan.secrets));
    const attempt = (r: SendResult, started: number): AttemptRecord => ({
      started,
      ...(r.httpStatus !== undefined ? { httpStatus: r.httpStatus } : {}),
      durationMs: r.durationMs,
      ...(r.response !== undefined ? { response: mask(r.response) } : {}),
      ...(r.error !== undefined ? { error: mask(r.error) } : {}),
      signature: request.signature,
    });
    const attempts = [...result.earlier.map((r) => attempt(r, r.started)), attempt(result, result.started)];
    const outcome = this.classify(d, result, attempts);
    outcome.sentHeaders = JSON.stringify(
      maskedHeaders(request.headers, plan.apiKeyHeader ? { apiKeyHeader: plan.apiKeyHeader } : undefined),
    );
    if (outcome.kind === "delivered") this.stats.delivered += 1;
    else this.stats.failed += 1;
    this.observe(d, outcome.kind, result, attempts);
    // A failing streak ends with a success; on a healthy webhook this Set lookup is all it costs.
    const w = d.webhook;
    if (w !== null && d.sign) {
      if (outcome.kind !== "delivered") this.failing.add(w);
      else if (this.failing.delete(w) || plan.failing) outcome.endsStreak = true;
    }
    this.record(outcome);
  }

  /** The delivery's log line and metrics, once per request sent. */
  private observe(d: ClaimedDelivery, kind: Outcome["kind"], r: SendOutcome, attempts: AttemptRecord[]): void {
    const status = STATUS_OF[kind] ?? kind;
    // The attempt's error as the log stores it: secret values the request carried are masked.
    const error = attempts[attempts.length - 1]?.error;
    const line = {
      delivery: d.id,
      webhook: d.webhook,
      log: d.log,
      queue: d.queue,
      attempt: d.attempts + attempts.length,
      status,
      http_status: r.httpStatus ?? null,
      duration_ms: r.durationMs,
      ...(error ? { error } : {}),
    };
    if (kind === "delivered") log.info(line, "delivery attempt");
    else log.warn(line, "delivery attempt");
    observeAttempt({
      queue: d.queue,
      status,
      httpStatus: r.httpStatus,
      durationMs: r.durationMs,
      ...(d.attempts === 0 && !d.manual ? { firstAttemptDelayMs: r.started - d.created } : {}),
      refused: r.refused === true,
    });
  }

  private classify(d: ClaimedDelivery, r: SendResult, attempts: AttemptRecord[]): Outcome {
    const base = { delivery: d, attempts };
    const last = attempts[attempts.length - 1];
    if (r.permanent) return { ...base, kind: "error" };
    const attemptNo = d.attempts + 1;
    // A manual send (Resend, Re-render and send, Send Test) is exactly one attempt: no retries follow it.
    const verdict = verdictFor(r.httpStatus, attemptNo, d.manual ? d.attempts : d.maxRetries);
    if (verdict === "delivered") return { ...base, kind: "delivered" };
    if (verdict === "exhausted") {
      const failed = last?.error ?? "Failed";
      if (d.manual && r.httpStatus !== 410)
        return { ...base, kind: "exhausted", error: `${d.sign ? "Manual resend" : "Send Test"} failed: ${failed}` };
      const why =
        r.httpStatus === 410
          ? "410 Gone: the receiver asked for no more deliveries"
          : `gave up after ${attemptNo} attempt${attemptNo === 1 ? "" : "s"}`;
      return { ...base, kind: "exhausted", error: `${failed} — ${why}` };
    }
    const delay = retryDelayMs(attemptNo, this.config, r.retryAfterMs);
    return { ...base, kind: "retry", nextDueAt: Date.now() + delay };
  }

  private record(o: Outcome): void {
    this.pending.push(o);
    this.schedule(false);
  }

  /** Writes buffered outcomes now (and claims, unless stopping). */
  async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.runCycle();
  }

  private inflightPromises(): Promise<void>[] {
    return [...this.inflight].map(([, p]) => p);
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
    this.stopListening?.();
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.dueTimer) clearTimeout(this.dueTimer);
    if (this.inflight.size) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(this.inflightPromises()),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs))),
      ]);
      clearTimeout(timer);
    }
    this.abort.abort();
    await Promise.allSettled(this.inflightPromises());
    // Outcomes left by a failed cycle are tried again a few times before they are left to expire.
    for (let i = 0; i < 3; i++) {
      await this.flush();
      if (!this.pending.length) break;
    }
    try {
      await this.source.releaseAll();
    } catch (e) {
      log.error({ err: e }, "could not release leases (they will expire)");
    }
    await this.source.close();
    this.running = false;
  }
}
