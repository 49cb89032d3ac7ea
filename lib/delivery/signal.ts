// Wakes dispatchers and job runners as soon as work is committed, instead of at their next
// poll. In a process: a BroadcastChannel reaches every thread (the dispatcher runs in its
// own worker thread; the maintenance thread runs jobs). On PostgreSQL, across processes and
// machines: the transaction that queues deliveries runs pg_notify on WORK_CHANNEL (payload:
// the queue; store-pg.ts), notifyJobQueued() does after a job's commit (payload "job"), and
// listenForWork() LISTENs on a connection of its own. On SQLite other processes poll (and
// `npm run worker` watches the WAL file).
// On globalThis because Next loads route handlers and instrumentation as separate bundles.
import { BroadcastChannel } from "node:worker_threads";
import pg from "pg";
import { DIALECT, pgPool } from "@/db";
import { WORK_CHANNEL } from "./boss";

export type Topic = "queued" | "job";
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

/** Call after the transaction that queued deliveries has committed (on PostgreSQL it notified already). */
export function notifyDeliveriesQueued(): void {
  post("queued");
}

/** Call after a job row was created (bulk resend) and committed. */
export function notifyJobQueued(): void {
  post("job");
  if (DIALECT !== "pg") return;
  pgPool()
    ?.query(`SELECT pg_notify($1, 'job')`, [WORK_CHANNEL])
    .catch((e: unknown) => console.error("[signal] could not notify the job runners:", e));
}

/** Listens for wake-ups from any thread of this process; returns the function that stops listening. */
export function onWork(handler: (topic: Topic) => void): () => void {
  const ch = new BroadcastChannel(NAME);
  ch.unref();
  ch.onmessage = (e) => handler((e as { data: Topic }).data);
  return () => ch.close();
}

/**
 * onWork, plus (for a PostgreSQL pool) LISTEN on WORK_CHANNEL from every process. The
 * listening connection is its own (not the pool's) and reconnects after a failure; the
 * handler is also called once it (re)connects, for anything committed meanwhile.
 */
export function listenForWork(pool: pg.Pool | undefined, handler: (topic: Topic) => void): () => void {
  const local = onWork(handler);
  if (!pool) return local;
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = () => {
    if (stopped) return;
    const c = new pg.Client({ ...pool.options, application_name: "webhook-desk-listen" });
    client = c;
    const again = () => {
      c.removeAllListeners();
      c.on("error", () => undefined);
      void c.end().catch(() => undefined);
      if (stopped || client !== c) return;
      client = undefined;
      retry = setTimeout(connect, 1000);
      retry.unref();
    };
    c.on("error", again);
    c.on("end", again);
    c.on("notification", (n) => {
      if (n.channel === WORK_CHANNEL) handler(n.payload === "job" ? "job" : "queued");
    });
    c.connect()
      .then(() => c.query(`LISTEN ${WORK_CHANNEL}`))
      .then(() => {
        if (stopped) return void c.end().catch(() => undefined);
        handler("queued");
        handler("job");
      })
      .catch(again);
  };
  connect();
  return () => {
    stopped = true;
    local();
    if (retry) clearTimeout(retry);
    const c = client;
    client = undefined;
    if (c) {
      c.removeAllListeners();
      c.on("error", () => undefined);
      void c.end().catch(() => undefined);
    }
  };
}
