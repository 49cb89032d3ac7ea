// Wakes dispatchers and job runners as soon as work is committed, instead of at their next
// poll. In a process: a BroadcastChannel reaches every thread (the dispatcher runs in its
// own worker thread; the maintenance thread runs jobs). On PostgreSQL, across processes and
// machines: notifyDeliveriesQueued() and notifyJobQueued(), called after the commit, also
// send a pg_notify on WORK_CHANNEL (payload "queued" or "job"), and listenForWork() LISTENs
// on a connection of its own. On SQLite other processes poll (and `npm run worker` watches
// the WAL file). Everyone polls as well: a lost wake-up only delays work until the poll.
//
// The pg_notify runs outside the transactions that queued the work, and coalesced: NOTIFY
// takes a database-wide lock at commit, so one inside every ingest transaction would line up
// every node's commits behind it. A burst of commits costs one notification per topic, and
// while one is being sent the next burst waits for it (at most one more follows).
// On globalThis because Next loads route handlers and instrumentation as separate bundles.
import { BroadcastChannel } from "node:worker_threads";
import pg from "pg";
import { DIALECT, pgPool, type DB } from "@/db";
import { logger } from "@/lib/log";

const log = logger("signal");

export type Topic = "queued" | "job";
const NAME = "webhook-desk:work";
/** The PostgreSQL channel of the wake-ups (payload: the topic). */
export const WORK_CHANNEL = "webhook_desk_work";
/** How often the LISTEN connection proves it is alive (and how long the proof may take), ms. */
const LIVENESS_MS = 30_000;
const LIVENESS_TIMEOUT_MS = 10_000;
const RECONNECT_MS = 1000;

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

interface PgNotifier {
  topics: Set<Topic>;
  /** A send is scheduled or under way: new topics join the next one. */
  busy: boolean;
}
const notifiers = new WeakMap<pg.Pool, PgNotifier>();

/** One pg_notify per topic for every process, on a connection of `pool` (after the work committed). */
function notifyPg(pool: pg.Pool, topic: Topic): void {
  let n = notifiers.get(pool);
  if (!n) notifiers.set(pool, (n = { topics: new Set(), busy: false }));
  n.topics.add(topic);
  if (n.busy) return;
  n.busy = true;
  const state = n;
  queueMicrotask(() => void sendPg(pool, state));
}

async function sendPg(pool: pg.Pool, n: PgNotifier): Promise<void> {
  try {
    while (n.topics.size) {
      const topics = [...n.topics];
      n.topics.clear();
      // A closed pool (shutdown, a test's database) has no one left to wake.
      if ((pool as pg.Pool & { ended?: boolean }).ended) return;
      await pool
        .query(`SELECT pg_notify($1, t) FROM unnest($2::text[]) AS t`, [WORK_CHANNEL, topics])
        .catch((e: unknown) => log.error({ err: e }, "could not notify the other processes"));
    }
  } finally {
    n.busy = false;
  }
}

/** The pool to notify on: `db`'s, else (no handle, or a transaction's) the process's database on PostgreSQL. */
function poolFor(db: DB | undefined): pg.Pool | undefined {
  return (db && pgPool(db)) ?? (DIALECT === "pg" ? pgPool() : undefined);
}

/**
 * Call after the transaction that queued deliveries has committed. `db`: the handle it
 * committed on (default: the process's database), whose pool carries the notification.
 */
export function notifyDeliveriesQueued(db?: DB): void {
  post("queued");
  const pool = poolFor(db);
  if (pool) notifyPg(pool, "queued");
}

/** Call after a job row was created (bulk resend) and committed. */
export function notifyJobQueued(db?: DB): void {
  post("job");
  const pool = poolFor(db);
  if (pool) notifyPg(pool, "job");
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
 * listening connection is its own (not the pool's), with TCP keepalive and a `SELECT 1`
 * every LIVENESS_MS (a connection that died without a word, behind a NAT or a failover,
 * would otherwise listen to nothing for good); it reconnects after any failure, and the
 * handler is called once it (re)connects, for anything committed meanwhile.
 */
export function listenForWork(pool: pg.Pool | undefined, handler: (topic: Topic) => void): () => void {
  const local = onWork(handler);
  if (!pool) return local;
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let liveness: NodeJS.Timeout | undefined;
  const drop = (c: pg.Client) => {
    c.removeAllListeners();
    c.on("error", () => undefined);
    void c.end().catch(() => undefined);
  };
  const connect = () => {
    if (stopped) return;
    const c = new pg.Client({
      ...pool.options,
      application_name: "webhook-desk-listen",
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      query_timeout: LIVENESS_TIMEOUT_MS,
    });
    client = c;
    const again = () => {
      drop(c);
      if (stopped || client !== c) return;
      client = undefined;
      clearInterval(liveness);
      retry = setTimeout(connect, RECONNECT_MS);
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
        if (stopped) return drop(c);
        clearInterval(liveness);
        liveness = setInterval(() => void c.query("SELECT 1").catch(again), LIVENESS_MS);
        liveness.unref();
        handler("queued");
        handler("job");
      })
      .catch(again);
  };
  connect();
  return () => {
    stopped = true;
    local();
    clearTimeout(retry);
    clearInterval(liveness);
    const c = client;
    client = undefined;
    if (c) drop(c);
  };
}
