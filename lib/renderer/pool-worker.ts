// Entry point of a render pool worker (bundled to .workers/render.mjs by
// scripts/build-workers.mjs). It runs the tasks of one batch at a time, in order, claiming
// each from the control block and stamping its start time there, so the pool's watchdog
// can stop this thread when one task overruns, and can hand the unclaimed rest of a batch
// to another worker. The renderer's own budgets stay on inside, set to the pool's.
import os from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { setConditionStepBudget } from "./condition";
import type { FromWorker, RenderTask, ToWorker, WireOutcome, WireTask, WorkerInit } from "./pool-protocol";
import { CONDITION_STEPS_PER_MS, CTL_NEXT, CTL_RUNNING, controlView, executeTask } from "./pool-protocol";
import { setTemplateTimeout } from "./template";
import type { WebhookSpec } from "./types";

/** Finished outcomes are posted at least this often, so a later stuck task costs no rerun of them. */
const FLUSH_MS = 10;

const init = workerData as WorkerInit;
const port = parentPort;
if (port === null) throw new Error("pool-worker.ts runs as a worker thread only");

// Renders are background work: on Linux the nice value is per thread, so this thread gives
// way to the web thread (as many render threads as cores would otherwise take turns with it
// and delay its answers by 100 ms and more). Elsewhere it would lower the whole process: skipped.
if (process.platform === "linux") {
  try {
    os.setPriority(0, os.constants.priority.PRIORITY_LOW);
  } catch {
    // Not allowed here (a sandbox): renders keep the normal priority.
  }
}

setTemplateTimeout(init.timeoutMs);
setConditionStepBudget(init.timeoutMs * CONDITION_STEPS_PER_MS);

const { ints, started } = controlView(init.control);
const specs = new Map<number, WebhookSpec>();

function toTask(wire: WireTask): RenderTask | null {
  if (wire.kind === "condition") return wire;
  const spec = specs.get(wire.spec);
  return spec === undefined ? null : { kind: "request", spec, doc: wire.doc, ctx: wire.ctx };
}

function run(wire: WireTask): WireOutcome {
  const task = toTask(wire);
  if (task === null)
    return { ok: false, error: { name: "Error", message: "internal error: the webhook was not sent to the render worker" } };
  return executeTask(task);
}

port.on("message", (msg: ToWorker) => {
  if (msg.reset) specs.clear();
  for (const [id, spec] of msg.specs) specs.set(id, spec);
  const post = (from: number, outcomes: WireOutcome[], done: boolean) => {
    const reply: FromWorker = { batch: msg.batch, from, outcomes, done };
    port.postMessage(reply);
  };
  let from = 0;
  let outcomes: WireOutcome[] = [];
  let flushed = Date.now();
  for (;;) {
    const i = Atomics.load(ints, CTL_NEXT);
    const wire = msg.tasks[i];
    // A failed exchange means the pool took the rest of the batch back (CTL_NEXT = -1).
    if (i < 0 || wire === undefined || Atomics.compareExchange(ints, CTL_NEXT, i, i + 1) !== i) break;
    const now = Date.now();
    if (outcomes.length > 0 && now - flushed >= FLUSH_MS) {
      post(from, outcomes, false);
      from = i;
      outcomes = [];
      flushed = now;
    }
    Atomics.store(started, 0, BigInt(Date.now()));
    Atomics.store(ints, CTL_RUNNING, i);
    outcomes.push(run(wire));
    Atomics.store(ints, CTL_RUNNING, -1);
  }
  post(from, outcomes, true);
});
