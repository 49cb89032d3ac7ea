// Wakes dispatchers as soon as work is committed, instead of at their next poll: a
// BroadcastChannel reaches every thread of this process (the dispatcher runs in its own
// worker thread; the maintenance thread runs jobs). Other processes poll.
// On globalThis because Next loads route handlers and instrumentation as separate bundles.
import { BroadcastChannel } from "node:worker_threads";

type Topic = "queued" | "job";
const NAME = "webhook-desk:work";

const g = globalThis as unknown as { __webhookDeskWorkSender?: BroadcastChannel; __webhookDeskWorkPending?: Set<Topic> };

function post(topic: Topic): void {
  // Coalesced per tick: a burst of commits costs one message.
  const pending = (g.__webhookDeskWorkPending ??= new Set());
  if (pending.size === 0) {
    queueMicrotask(() => {
      const topics = [...pending];
      pending.clear();
      if (!g.__webhookDeskWorkSender) {
        g.__webhookDeskWorkSender = new BroadcastChannel(NAME);
        g.__webhookDeskWorkSender.unref();
      }
      for (const t of topics) g.__webhookDeskWorkSender.postMessage(t);
    });
  }
  pending.add(topic);
}

/** Call after the transaction that queued deliveries has committed. */
export function notifyDeliveriesQueued(): void {
  post("queued");
}

/** Call after a job row was created (bulk resend). */
export function notifyJobQueued(): void {
  post("job");
}

/** Listens for wake-ups from any thread of this process; returns the function that stops listening. */
export function onWork(handler: (topic: Topic) => void): () => void {
  const ch = new BroadcastChannel(NAME);
  ch.unref();
  ch.onmessage = (e) => handler((e as { data: Topic }).data);
  return () => ch.close();
}
