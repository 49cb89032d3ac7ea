// Runs webhook conditions and templates off the calling thread, in a pool of worker_threads
// with hard limits. The renderer's own budgets (template deadline, condition steps) are
// checked only between calls, so one expensive filter or helper call could hold a thread
// for seconds; here a watchdog terminates the worker whose current task has run longer
// than WEBHOOK_RENDER_TIMEOUT_MS, V8 stops one that grows past WEBHOOK_RENDER_MEMORY_MB,
// and the other tasks of its batch go on in another worker. Tasks that run no user code
// (a blank condition, a request with a static URL and a body built without a template)
// are computed where they are asked, without a round trip.
//
// Protocol (pool-protocol.ts): one message per batch per worker; the worker claims tasks
// one by one from its control block (SharedArrayBuffer) and stamps each start time there,
// so timeouts are judged by when the worker started the task, never by when this thread
// got around to reading a message. Request specs travel once per worker, by fingerprint,
// and never with their secrets.
import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";
import { env, parseEnv } from "@/lib/env";
import { workerBundle } from "@/lib/worker-bundle";
import { ConditionError, ConditionSyntaxError, HelperError, RenderError, TemplateError } from "./errors";
import type {
  Control,
  ConditionTask,
  FromWorker,
  RenderFailure,
  RenderTask,
  ToWorker,
  WireOutcome,
  WireTask,
  WorkerInit,
} from "./pool-protocol";
import { CTL_BYTES, CTL_NEXT, CTL_RUNNING, controlView, executeTask, runsNoUserCode, withoutSecrets } from "./pool-protocol";
import type { Doc, RenderContext, RenderedRequest, WebhookSpec } from "./types";

export type { ConditionTask, RenderTask, RequestTask } from "./pool-protocol";

export interface RenderLimits {
  /** Wall-clock budget of one task (WEBHOOK_RENDER_TIMEOUT_MS). */
  timeoutMs: number;
  /** Old-generation heap of one worker (WEBHOOK_RENDER_MEMORY_MB). */
  memoryMb: number;
  /** Workers in the pool (WEBHOOK_RENDER_THREADS). */
  threads: number;
}

/** Tasks waiting for a worker before run() refuses more with RenderPoolBusyError. */
const DEFAULT_MAX_QUEUE = 20_000;

/** The pool's limits from `raw` (process.env by default), by lib/env.ts's rules. */
export function renderLimits(raw?: Record<string, string | undefined>): RenderLimits {
  const e = raw ? parseEnv(raw) : env();
  return { timeoutMs: e.WEBHOOK_RENDER_TIMEOUT_MS, memoryMb: e.WEBHOOK_RENDER_MEMORY_MB, threads: e.WEBHOOK_RENDER_THREADS };
}

export type RenderFailureCode = "timeout" | "memory" | "error" | "crash";

export type RenderOutcome<T = boolean | RenderedRequest> =
  { ok: true; value: T } | { ok: false; error: RenderFailure; code: RenderFailureCode };

/** What a task yields: a condition's truth, or the request built for a webhook. */
export type TaskValue<T extends RenderTask> = T extends ConditionTask ? boolean : RenderedRequest;

/** More tasks are waiting than the pool accepts; answer 503 and let the client retry. */
export class RenderPoolBusyError extends Error {
  constructor(readonly waiting: number) {
    super(`The renderer is busy (${waiting} tasks waiting); try again later`);
    this.name = "RenderPoolBusyError";
  }
}

/** A task stopped by the pool: over its time or memory budget, or its worker died. */
export class RenderLimitError extends Error {
  constructor(
    message: string,
    readonly code: Exclude<RenderFailureCode, "error">,
  ) {
    super(message);
    this.name = "RenderLimitError";
  }
}

export interface RenderPoolOptions extends Partial<RenderLimits> {
  /** Default DEFAULT_MAX_QUEUE. */
  maxQueue?: number;
  /** Path of the worker script, asked at every spawn; default .workers/render.mjs. */
  workerFile?: () => string;
}

/** Most tasks posted to one worker in one message. */
const MAX_BATCH = 256;
/** A task running this long lets idle workers take the unstarted rest of its batch. */
const STEAL_AFTER_MS = 10;
/** Worker deaths that no single task could be blamed for, before a task gives up. */
const MAX_ATTEMPTS = 3;
/** Spec fingerprints remembered (here) and specs kept per worker before starting over. */
const MAX_SPEC_IDS = 1000;
const MAX_KNOWN_SPECS = 2000;

interface Job {
  outcomes: RenderOutcome[];
  left: number;
  resolve: (outcomes: RenderOutcome[]) => void;
}

interface SpecRef {
  id: number;
  spec: WebhookSpec;
}

interface Item {
  job: Job;
  index: number;
  kind: RenderTask["kind"];
  wire: WireTask;
  spec?: SpecRef;
  attempts: number;
}

interface Batch {
  id: number;
  items: Item[];
  /** Outcomes received so far: items[0 .. received). */
  received: number;
  /** Items the worker may still claim end here (lowered when the rest was taken back). */
  end: number;
}

interface Slot {
  worker: Worker;
  control: Control;
  batch: Batch | null;
  /** Spec ids this worker holds. */
  known: Set<number>;
  gone: boolean;
}

function failed(error: RenderFailure, code: RenderFailureCode): RenderOutcome {
  return { ok: false, error, code };
}

function fromWire(outcome: WireOutcome): RenderOutcome {
  return outcome.ok ? outcome : failed(outcome.error, "error");
}

export class RenderPool {
  readonly limits: Readonly<RenderLimits>;
  private readonly maxQueue: number;
  private readonly workerFile: () => string;
  private readonly tickMs: number;
  private slots: Slot[] = [];
  private queue: Item[] = [];
  private head = 0;
  private batchSeq = 0;
  private specIds = new Map<string, number>();
  private nextSpecId = 1;
  private timer: NodeJS.Timeout | null = null;
  private closedFlag = false;

  constructor(options: RenderPoolOptions = {}) {
    const fromEnv = renderLimits();
    this.limits = Object.freeze({
      timeoutMs: options.timeoutMs ?? fromEnv.timeoutMs,
      memoryMb: options.memoryMb ?? fromEnv.memoryMb,
      threads: options.threads ?? fromEnv.threads,
    });
    this.maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
    this.workerFile = options.workerFile ?? (() => workerBundle("render"));
    this.tickMs = Math.max(5, Math.min(50, Math.floor(this.limits.timeoutMs / 8)));
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Tasks waiting for a worker. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /**
   * Runs the tasks and resolves with one outcome per task, in order; never rejects for a
   * task's own failure. Rejects with RenderPoolBusyError when too many tasks are waiting.
   */
  async run<T extends RenderTask>(tasks: readonly T[]): Promise<RenderOutcome<TaskValue<T>>[]> {
    if (this.closedFlag) throw new Error("The render pool is closed");
    const inline = tasks.map(runsNoUserCode);
    const offThread = inline.filter((here) => !here).length;
    if (offThread > 0 && this.waiting + offThread > this.maxQueue) throw new RenderPoolBusyError(this.waiting);
    const outcomes: RenderOutcome[] = new Array<RenderOutcome>(tasks.length);
    let resolve: (outcomes: RenderOutcome[]) => void = () => {};
    const done = new Promise<RenderOutcome[]>((r) => (resolve = r));
    const job: Job = { outcomes, left: offThread, resolve };
    const seen = new Map<WebhookSpec, SpecRef>();
    const items: Item[] = [];
    tasks.forEach((task, index) => {
      if (inline[index]) {
        outcomes[index] = fromWire(executeTask(task.kind === "request" ? { ...task, spec: withoutSecrets(task.spec) } : task));
      } else if (task.kind === "condition") {
        items.push({ job, index, kind: task.kind, wire: { kind: task.kind, condition: task.condition, doc: task.doc }, attempts: 0 });
      } else {
        const spec = this.specRef(task.spec, seen);
        items.push({
          job,
          index,
          kind: task.kind,
          spec,
          wire: { kind: task.kind, spec: spec.id, doc: task.doc, ctx: task.ctx },
          attempts: 0,
        });
      }
    });
    if (items.length === 0) return outcomes as RenderOutcome<TaskValue<T>>[];
    this.queue.push(...items);
    this.dispatch();
    return (await done) as RenderOutcome<TaskValue<T>>[];
  }

  /** Starts the workers now, so the first request does not wait for them. */
  warm(): void {
    if (!this.closedFlag) this.fill();
  }

  /** Stops every worker; tasks not finished yet fail with code "crash". */
  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.stopWatchdog();
    const slots = this.slots.splice(0);
    const closed = { name: "RenderLimitError", message: "The render pool was closed" };
    for (const slot of slots) {
      slot.gone = true;
      const batch = slot.batch;
      slot.batch = null;
      if (batch) for (const item of batch.items.slice(batch.received, batch.end)) this.settle(item, failed(closed, "crash"));
    }
    for (const item of this.take(this.waiting)) this.settle(item, failed(closed, "crash"));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private specRef(spec: WebhookSpec, seen: Map<WebhookSpec, SpecRef>): SpecRef {
    let ref = seen.get(spec);
    if (ref !== undefined) return ref;
    const stripped = withoutSecrets(spec);
    const fingerprint = createHash("sha256").update(JSON.stringify(stripped)).digest("base64");
    let id = this.specIds.get(fingerprint);
    if (id === undefined) {
      if (this.specIds.size >= MAX_SPEC_IDS) this.specIds.clear();
      id = this.nextSpecId++;
      this.specIds.set(fingerprint, id);
    }
    ref = { id, spec: stripped };
    seen.set(spec, ref);
    return ref;
  }

  private settle(item: Item, outcome: RenderOutcome): void {
    const job = item.job;
    if (job.outcomes[item.index] !== undefined) return;
    job.outcomes[item.index] = outcome;
    if (--job.left === 0) job.resolve(job.outcomes);
  }

  private take(n: number): Item[] {
    const items = this.queue.slice(this.head, this.head + n);
    this.head += items.length;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 4096) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return items;
  }

  /** Puts tasks back at the front: they were asked before everything still waiting. */
  private requeue(items: Item[]): void {
    if (items.length === 0) return;
    this.queue = [...items, ...this.queue.slice(this.head)];
    this.head = 0;
  }

  /** Spawns workers up to the configured number. */
  private fill(): void {
    while (this.slots.length < this.limits.threads) {
      try {
        this.spawn();
      } catch (err) {
        // No worker can start (the bundle failed to build...): fail what waits, not hang.
        if (this.slots.length === 0) {
          const error = {
            name: "RenderLimitError",
            message: `The render worker could not start: ${err instanceof Error ? err.message : String(err)}`,
          };
          for (const item of this.take(this.waiting)) this.settle(item, failed(error, "crash"));
        }
        return;
      }
    }
  }

  private spawn(): void {
    const buffer = new SharedArrayBuffer(CTL_BYTES);
    const control = controlView(buffer);
    Atomics.store(control.ints, CTL_RUNNING, -1);
    const init: WorkerInit = { control: buffer, timeoutMs: this.limits.timeoutMs };
    const { memoryMb } = this.limits;
    const worker = new Worker(this.workerFile(), {
      workerData: init,
      resourceLimits: {
        maxOldGenerationSizeMb: memoryMb,
        maxYoungGenerationSizeMb: Math.max(4, Math.min(32, Math.round(memoryMb / 4))),
        stackSizeMb: 4,
      },
      // Nothing of this process's environment (secrets included) and no loaders (tsx).
      env: process.env.NODE_ENV === undefined ? {} : { NODE_ENV: process.env.NODE_ENV },
      execArgv: [],
    });
    // An idle worker does not keep the process alive; one with work does (see send()).
    worker.unref();
    const slot: Slot = { worker, control, batch: null, known: new Set(), gone: false };
    worker.on("message", (msg: FromWorker) => this.onMessage(slot, msg));
    worker.on("error", (err: Error & { code?: unknown }) => {
      this.lost(slot, err.code === "ERR_WORKER_OUT_OF_MEMORY" ? "memory" : "crash", err.message);
    });
    worker.on("exit", (code) => this.lost(slot, "crash", `exit code ${code}`));
    this.slots.push(slot);
  }

  private dispatch(): void {
    if (this.closedFlag) return;
    if (this.waiting > 0) this.fill();
    const idle = this.slots.filter((s) => s.batch === null);
    for (let k = 0; k < idle.length && this.waiting > 0; k++) {
      const slot = idle[k];
      if (slot) this.send(slot, this.take(Math.min(MAX_BATCH, Math.ceil(this.waiting / (idle.length - k)))));
    }
    this.armWatchdog();
  }

  private send(slot: Slot, items: Item[]): void {
    let reset = false;
    if (slot.known.size > MAX_KNOWN_SPECS) {
      slot.known.clear();
      reset = true;
    }
    const specs: [number, WebhookSpec][] = [];
    for (const { spec } of items) {
      if (spec !== undefined && !slot.known.has(spec.id)) {
        slot.known.add(spec.id);
        specs.push([spec.id, spec.spec]);
      }
    }
    const batch: Batch = { id: ++this.batchSeq, items, received: 0, end: items.length };
    const msg: ToWorker = { batch: batch.id, tasks: items.map((i) => i.wire), specs, reset };
    // The worker is idle, so nothing else touches its control block now.
    Atomics.store(slot.control.ints, CTL_NEXT, 0);
    try {
      slot.worker.postMessage(msg);
    } catch (err) {
      for (const [id] of specs) slot.known.delete(id);
      this.refuseUncloneable(items, err);
      return;
    }
    slot.batch = batch;
    slot.worker.ref();
  }

  /** A batch that could not be copied to a worker: fail the tasks at fault, retry the rest. */
  private refuseUncloneable(items: Item[], err: unknown): void {
    const retry: Item[] = [];
    for (const item of items) {
      try {
        structuredClone(item.wire);
        retry.push(item);
      } catch (e) {
        this.settle(item, failed({ name: "DataCloneError", message: e instanceof Error ? e.message : String(e) }, "error"));
      }
    }
    if (retry.length === items.length) {
      // Copying each alone worked: report the batch error rather than loop.
      for (const item of items)
        this.settle(item, failed({ name: "DataCloneError", message: err instanceof Error ? err.message : String(err) }, "error"));
      return;
    }
    this.requeue(retry);
    queueMicrotask(() => this.dispatch());
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    const batch = slot.batch;
    if (slot.gone || batch === null || batch.id !== msg.batch) return;
    msg.outcomes.forEach((outcome, k) => {
      const item = batch.items[msg.from + k];
      if (item !== undefined) this.settle(item, fromWire(outcome));
    });
    batch.received = Math.max(batch.received, msg.from + msg.outcomes.length);
    if (!msg.done) return;
    this.requeue(batch.items.slice(batch.received, batch.end));
    slot.batch = null;
    slot.worker.unref();
    this.dispatch();
  }

  /** Runs the watchdog while tasks are in flight; its first idle tick stops it (see watch). */
  private armWatchdog(): void {
    if (this.timer !== null || !this.slots.some((s) => s.batch !== null)) return;
    this.timer = setInterval(() => this.watch(), this.tickMs);
    this.timer.unref();
  }

  private stopWatchdog(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private watch(): void {
    if (!this.slots.some((s) => s.batch !== null)) return this.stopWatchdog();
    // Read before the control blocks: a task seen running now started at the stamp or later.
    const now = Date.now();
    for (const slot of [...this.slots]) {
      if (slot.batch === null) continue;
      const running = Atomics.load(slot.control.ints, CTL_RUNNING);
      if (running < 0) continue;
      const elapsed = now - Number(Atomics.load(slot.control.started, 0));
      if (elapsed > this.limits.timeoutMs) {
        void slot.worker.terminate();
        this.lost(slot, "timeout", "", running);
      } else if (elapsed >= STEAL_AFTER_MS && this.waiting === 0 && this.slots.some((s) => s.batch === null)) {
        this.takeBack(slot);
      }
    }
    this.dispatch();
  }

  /** Takes the tasks a slow worker has not started yet, for the idle ones. */
  private takeBack(slot: Slot): void {
    const batch = slot.batch;
    if (batch === null) return;
    const next = Atomics.load(slot.control.ints, CTL_NEXT);
    if (next < 0 || next >= batch.end) return;
    // Fails when the worker claims `next` first; the next tick tries again.
    if (Atomics.compareExchange(slot.control.ints, CTL_NEXT, next, -1) !== next) return;
    this.requeue(batch.items.slice(next, batch.end));
    batch.end = next;
  }

  /** A worker is gone: fail the task it was running, put the rest of its batch back. */
  private lost(
    slot: Slot,
    code: Exclude<RenderFailureCode, "error">,
    detail: string,
    running = Atomics.load(slot.control.ints, CTL_RUNNING),
  ): void {
    if (slot.gone) return;
    slot.gone = true;
    this.slots = this.slots.filter((s) => s !== slot);
    const batch = slot.batch;
    slot.batch = null;
    if (batch !== null) {
      const retry: Item[] = [];
      for (const [k, item] of batch.items.entries()) {
        if (k < batch.received || k >= batch.end) continue;
        // With no task running, the death cannot be blamed on one: each may try again.
        if (k === running || (running < 0 && ++item.attempts >= MAX_ATTEMPTS)) this.settle(item, this.limitOutcome(item, code, detail));
        else retry.push(item);
      }
      this.requeue(retry);
    }
    if (this.closedFlag) return;
    // A worker stopped for one task's sake is replaced at once; after a crash only when work
    // waits, so a worker that cannot even start is not respawned in a loop.
    if (code !== "crash") this.fill();
    this.dispatch();
  }

  private limitOutcome(item: Item, code: Exclude<RenderFailureCode, "error">, detail: string): RenderOutcome {
    const what = item.kind === "condition" ? "condition" : "template";
    const message =
      code === "timeout"
        ? `The ${what} took longer than ${this.limits.timeoutMs} ms`
        : code === "memory"
          ? `The ${what} used more than ${this.limits.memoryMb} MB of memory`
          : `The ${what} could not be ${item.kind === "condition" ? "evaluated" : "rendered"}: its worker stopped (${detail})`;
    return failed({ name: "RenderLimitError", message }, code);
  }
}

/** An Error equal (class name, message, part/line) to what the inline renderer throws. */
function outcomeError(outcome: Extract<RenderOutcome<unknown>, { ok: false }>): Error {
  const { error, code } = outcome;
  if (code !== "error") return new RenderLimitError(error.message, code);
  switch (error.name) {
    case "RenderError":
      return new RenderError(error.message, error.part ?? "body", error.line);
    case "TemplateError":
      return new TemplateError(error.message, error.line, error.syntax === true);
    case "ConditionError":
      return new ConditionError(error.message);
    case "ConditionSyntaxError":
      return new ConditionSyntaxError(error.message, error.line ?? 1, error.column ?? 1);
    case "HelperError":
      return new HelperError(error.message);
    default: {
      const e = new Error(error.message);
      e.name = error.name;
      return e;
    }
  }
}

/** The value of an outcome, or its error thrown. */
function unwrapOutcome<T>(outcome: RenderOutcome<T> | undefined): T {
  if (outcome === undefined) throw new Error("The render pool returned no outcome");
  if (outcome.ok) return outcome.value;
  throw outcomeError(outcome);
}

const POOL_KEY = "__webhookDeskRenderPool";
type PoolHolder = { [POOL_KEY]?: RenderPool };

/** The process's pool (on globalThis: Next bundles each route handler separately). */
export function renderPool(): RenderPool {
  const holder = globalThis as PoolHolder;
  let pool = holder[POOL_KEY];
  if (pool === undefined || pool.closed) {
    pool = new RenderPool();
    holder[POOL_KEY] = pool;
  }
  return pool;
}

/** evaluateCondition on the pool; throws what evaluateCondition would (or RenderLimitError). */
export async function evaluateConditionOff(condition: string, doc: Doc): Promise<boolean> {
  const [outcome] = await renderPool().run([{ kind: "condition", condition, doc }]);
  return unwrapOutcome(outcome);
}

/**
 * buildRequest on the pool, without the spec's secrets (no API key header, no signature):
 * throws what buildRequest would (or RenderLimitError).
 */
export async function buildRequestOff(spec: WebhookSpec, doc: Doc, ctx: RenderContext): Promise<RenderedRequest> {
  const [outcome] = await renderPool().run([{ kind: "request", spec, doc, ctx }]);
  return unwrapOutcome(outcome);
}
