// What the render pool (pool.ts) and its workers (pool-worker.ts) share: the tasks, the
// messages between the threads, the layout of each worker's control block, and the one
// function that runs a task — in a worker, or on the calling thread for tasks that run no
// user code.
import { evaluateCondition } from "./condition";
import { buildRequest } from "./request";
import type { Doc, RenderContext, RenderedRequest, WebhookSpec } from "./types";

export interface ConditionTask {
  kind: "condition";
  condition: string;
  doc: Doc;
}

export interface RequestTask {
  kind: "request";
  spec: WebhookSpec;
  doc: Doc;
  ctx: RenderContext;
}

export type RenderTask = ConditionTask | RequestTask;

/** What a task's error looked like: enough to rebuild an equal Error on this side. */
export interface RenderFailure {
  name: string;
  message: string;
  /** RenderError: which part of the request failed. */
  part?: "url" | "body" | "headers";
  /** RenderError / TemplateError / ConditionSyntaxError: 1-based line. */
  line?: number;
  /** ConditionSyntaxError: 1-based column. */
  column?: number;
  /** TemplateError: it came from the parser. */
  syntax?: boolean;
}

/** A task as posted to a worker: request specs travel once per worker, by id. */
export type WireTask = { kind: "condition"; condition: string; doc: Doc } | { kind: "request"; spec: number; doc: Doc; ctx: RenderContext };

export type WireOutcome = { ok: true; value: boolean | RenderedRequest } | { ok: false; error: RenderFailure };

export interface ToWorker {
  batch: number;
  tasks: WireTask[];
  /** Specs this worker has not seen yet, by id. */
  specs: [number, WebhookSpec][];
  /** Forget every spec sent before (the main thread's record of them was cleared). */
  reset: boolean;
}

export interface FromWorker {
  batch: number;
  /** Index in the batch of outcomes[0]; outcomes arrive in task order. */
  from: number;
  outcomes: WireOutcome[];
  /** The worker has stopped working on this batch. */
  done: boolean;
}

export interface WorkerInit {
  control: SharedArrayBuffer;
  timeoutMs: number;
}

// The control block, one per worker: Int32 slots, then the running task's start time.
/** Index of the next task the worker may claim; the main thread sets -1 to take the rest back. */
export const CTL_NEXT = 0;
/** Index of the task running now; -1 between tasks. */
export const CTL_RUNNING = 1;
const CTL_INT_SLOTS = 2;
/** Byte offset of a BigInt64: Date.now() when the running task started. */
const CTL_STARTED_OFFSET = 8;
export const CTL_BYTES = 16;

export interface Control {
  ints: Int32Array;
  started: BigInt64Array;
}

export function controlView(buffer: SharedArrayBuffer): Control {
  return { ints: new Int32Array(buffer, 0, CTL_INT_SLOTS), started: new BigInt64Array(buffer, CTL_STARTED_OFFSET, 1) };
}

/** Condition steps per millisecond of budget: the inline default is 200_000 steps in 200 ms. */
export const CONDITION_STEPS_PER_MS = 1000;

/** The secrets a worker never receives; signing happens elsewhere. */
export function withoutSecrets(spec: WebhookSpec): WebhookSpec {
  const { webhookSecret: _secret, previousSecret: _previous, apiKey: _apiKey, ...rest } = spec;
  return rest;
}

/** True when the task runs no webhook author's code, so it is computed where it is asked. */
export function runsNoUserCode(task: RenderTask): boolean {
  if (task.kind === "condition") return task.condition.trim() === "";
  return !task.spec.isDynamicUrl && task.spec.requestStructure !== "JSON";
}

export function describeError(err: unknown): RenderFailure {
  if (!(err instanceof Error)) return { name: "Error", message: String(err) };
  const failure: RenderFailure = { name: err.name, message: err.message };
  const extra = err as { part?: unknown; line?: unknown; column?: unknown; syntax?: unknown };
  if (extra.part === "url" || extra.part === "body" || extra.part === "headers") failure.part = extra.part;
  if (typeof extra.line === "number") failure.line = extra.line;
  if (typeof extra.column === "number") failure.column = extra.column;
  if (extra.syntax === true) failure.syntax = true;
  return failure;
}

/** Runs one task (its spec already stripped of secrets). Never throws. */
export function executeTask(task: RenderTask): WireOutcome {
  try {
    const value = task.kind === "condition" ? evaluateCondition(task.condition, task.doc) : buildRequest(task.spec, task.doc, task.ctx);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: describeError(err) };
  }
}
