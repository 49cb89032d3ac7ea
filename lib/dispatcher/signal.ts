// Wakes the in-process dispatcher as soon as ingest commits new deliveries, instead of
// waiting for the next poll. On globalThis because Next loads route handlers and
// instrumentation as separate bundles, each with its own copy of this module.
import { EventEmitter } from "node:events";

const g = globalThis as unknown as { __webhookDispatchSignal?: EventEmitter };

export function dispatchSignal(): EventEmitter {
  if (!g.__webhookDispatchSignal) {
    g.__webhookDispatchSignal = new EventEmitter();
    g.__webhookDispatchSignal.setMaxListeners(50);
  }
  return g.__webhookDispatchSignal;
}

/** Call after the transaction that queued deliveries has committed. */
export function notifyDeliveriesQueued(): void {
  dispatchSignal().emit("queued");
}
