// Bulk resend jobs: the progress a job stores is what it did (kill -9 mid-job and a second
// runner), a runner whose lease was taken over stops without counting twice, and rows that
// cannot be resent are counted as skipped with their reasons.
//
// What "true progress" means here: a job's `done` only moves in the transaction that
// re-queued those rows, so at every moment the rows re-queued by committed transactions are
// exactly the first `done` names of its list, and none after them. A test table filled by a
// trigger on the log's `status = 'Queued'` update (requeue's write) records each committed
// re-queue; a batch that rolls back (kill -9, lost lease) leaves nothing in it.
//
// Both dialects: the audit table is filled by a trigger of each (SQLite's, PL/pgSQL's), and a
// batch is stalled by a trigger that spins (SQLite) or sleeps (PostgreSQL).
import type { ChildProcess } from "node:child_process";
import Database from "better-sqlite3";
import { and, asc, count, eq, inArray, sql } from "drizzle-orm";
import type * as timersPromises from "node:timers/promises";
import type pg from "pg";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { pgPool, rawAll, rawGet, rawRun, tx } from "@/db";
import { delivery, webhookRequestAttempt, webhookRequestLog } from "@/db/schema";
import type { Actor } from "@/lib/auth/roles";
import { LOG_STATUS } from "@/lib/constants";
import { exited, insertWebhook, sleep, spawnWorker, startReceiver, type Receiver } from "@/lib/dispatcher/test-support";
import { bulkResend } from "@/lib/services/request-log/request-log-jobs";
import { deleteWebhook } from "@/lib/services/webhook/webhooks";
import { freshDb, onPostgres, type FreshDb } from "@/test/db";
import { BULK_BATCH, JOB_LEASE_MS, JOB_STATUS, createBulkResendJob, jobRow, runPendingJobs } from "./jobs";
import { sealHeaders } from "./sealed";

// A runner yields to the event loop between batches (setImmediate). Holding those yields
// lets a test stop runners between batches, as a stalled process would.
const pauses = vi.hoisted(() => ({ holding: false, waiting: [] as (() => void)[] }));
vi.mock("node:timers/promises", async (importOriginal) => {
  const real = await importOriginal<typeof timersPromises>();
  return {
    ...real,
    setImmediate: async <T>(value?: T): Promise<T | undefined> => {
      if (pauses.holding) await new Promise<void>((r) => pauses.waiting.push(r));
      return real.setImmediate(value);
    },
  };
});
/** Waits for `fn` to answer truthy (awaited: the checks read the database). */
async function until<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Waits until `n` runners are held between batches. */
const held = (n: number) => until(() => pauses.waiting.length >= n, 10_000, `${n} runner(s) between batches`);
/** Lets the runner held `i`-th (0: the first) go on. */
const release = (i: number) => pauses.waiting.splice(i, 1)[0]?.();
function stopHolding() {
  pauses.holding = false;
  for (const go of pauses.waiting.splice(0)) go();
}

const KEY = "jobs-test-key";
const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };

beforeAll(() => {
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = KEY;
});

let t: FreshDb;
beforeEach(async () => {
  t = await freshDb({ seed: false });
  delete process.env.WEBHOOK_JOB_LEASE_MS;
});
afterEach(async () => {
  stopHolding();
  vi.useRealTimers();
  delete process.env.WEBHOOK_JOB_LEASE_MS;
  await t.close();
});

const msgId = (name: string) => `msg_${name}`;

/**
 * `n` logs whose sending ended badly, each with its request stored: every third Failed with a
 * retry an hour away (its delivery pending), the others Exhausted. Returns their names.
 */
async function seedLogs(n: number, opts: { url?: string; webhook?: (i: number) => string } = {}): Promise<string[]> {
  const now = Date.now();
  const logs: (typeof webhookRequestLog.$inferInsert)[] = [];
  const retries: (typeof delivery.$inferInsert)[] = [];
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `log_${String(i).padStart(5, "0")}`;
    const webhook = opts.webhook?.(i) ?? "hook";
    const failed = i % 3 === 0;
    const headers = { "Content-Type": "application/json" };
    logs.push({
      name,
      webhook,
      referenceDoctype: "Quotation",
      referenceDocument: `Q-${i}`,
      docEvent: "on_update",
      requestMethod: "POST",
      url: opts.url ?? "http://r.test/hook",
      headers: JSON.stringify({ ...headers, "webhook-id": msgId(name) }),
      requestHeaders: sealHeaders(headers),
      data: JSON.stringify({ name: `Q-${i}` }),
      status: failed ? LOG_STATUS.failed : LOG_STATUS.exhausted,
      attempts: 1,
      httpStatus: 500,
      error: "HTTP 500",
      nextRetry: failed ? now + 3_600_000 : null,
      created: now + i,
      modified: now + i,
    });
    if (failed)
      retries.push({
        id: msgId(name),
        log: name,
        webhook,
        queue: "default",
        timeoutMs: 2000,
        maxRetries: 5,
        attempts: 1,
        dueAt: now + 3_600_000,
        created: now,
      });
    names.push(name);
  }
  await tx(async (c) => {
    // In slices: SQLite binds at most 32,766 parameters per statement.
    for (let i = 0; i < logs.length; i += 500) await c.insert(webhookRequestLog).values(logs.slice(i, i + 500));
    for (let i = 0; i < retries.length; i += 500) await c.insert(delivery).values(retries.slice(i, i + 500));
  });
  return names;
}

/** Records every committed re-queue (see the top of the file). */
async function auditRequeues(): Promise<() => Promise<string[]>> {
  if (onPostgres) {
    await rawRun(sql`CREATE TABLE test_requeued (seq serial PRIMARY KEY, log text NOT NULL)`);
    await rawRun(
      sql.raw(`CREATE FUNCTION test_requeued_audit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO test_requeued (log) VALUES (NEW.name); RETURN NEW; END $$`),
    );
    await rawRun(
      sql.raw(`CREATE TRIGGER test_requeued_audit AFTER UPDATE OF status ON webhook_request_log FOR EACH ROW
        WHEN (NEW.status = '${LOG_STATUS.queued}') EXECUTE FUNCTION test_requeued_audit()`),
    );
  } else {
    t.db.$client.exec(`
      CREATE TABLE test_requeued (seq INTEGER PRIMARY KEY AUTOINCREMENT, log TEXT NOT NULL);
      CREATE TRIGGER test_requeued_audit AFTER UPDATE OF status ON webhook_request_log WHEN NEW.status = '${LOG_STATUS.queued}'
      BEGIN INSERT INTO test_requeued (log) VALUES (NEW.name); END;`);
  }
  return async () => (await rawAll<{ log: string }>(sql`SELECT log FROM test_requeued ORDER BY seq`)).map((r) => r.log);
}

/**
 * Every re-queue made, committed or not: a JS function called by a trigger (SQLite), or a
 * notice the trigger raises (PostgreSQL sends notices at once, whatever becomes of the transaction).
 */
async function recordRequeuesMade(): Promise<string[]> {
  const made: string[] = [];
  if (onPostgres) {
    const pool = pgPool(t.db);
    if (!pool) throw new Error("no pool");
    const listening = new WeakSet<pg.PoolClient>();
    pool.on("acquire", (client) => {
      if (listening.has(client)) return;
      listening.add(client);
      client.on("notice", (n) => {
        if (n.message?.startsWith("requeue_made ")) made.push(n.message.slice("requeue_made ".length));
      });
    });
    await rawRun(
      sql.raw(`CREATE FUNCTION test_requeue_made() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE NOTICE 'requeue_made %', NEW.name; RETURN NEW; END $$`),
    );
    await rawRun(
      sql.raw(`CREATE TRIGGER test_requeue_made AFTER UPDATE OF status ON webhook_request_log FOR EACH ROW
        WHEN (NEW.status = '${LOG_STATUS.queued}') EXECUTE FUNCTION test_requeue_made()`),
    );
  } else {
    const c = t.db.$client;
    c.function("test_requeue_made", (name: unknown) => {
      made.push(String(name));
      return null;
    });
    c.exec(`CREATE TEMP TRIGGER test_requeue_made AFTER UPDATE OF status ON main.webhook_request_log WHEN NEW.status = '${LOG_STATUS.queued}'
            BEGIN SELECT test_requeue_made(NEW.name); END;`);
  }
  return made;
}

const logOf = async (name: string) => {
  const [log] = await t.db.select({ status: webhookRequestLog.status }).from(webhookRequestLog).where(eq(webhookRequestLog.name, name));
  const [d] = await t.db.select({ manual: delivery.manual, dueAt: delivery.dueAt }).from(delivery).where(eq(delivery.log, name));
  const a = webhookRequestAttempt;
  const [attempts] = await t.db.select({ n: count() }).from(a).where(eq(a.log, name));
  const [manual] = await t.db
    .select({ n: count() })
    .from(a)
    .where(and(eq(a.log, name), eq(a.manual, true)));
  return { status: log?.status, delivery: d, attempts: attempts?.n ?? 0, manualAttempts: manual?.n ?? 0 };
};

/** A log the job has not touched: as seeded, with no manual delivery and no attempt. */
async function untouched(name: string): Promise<boolean> {
  const { status, delivery: d, attempts } = await logOf(name);
  const failed = status === LOG_STATUS.failed;
  return (failed ? d?.manual === false && d.dueAt > Date.now() + 3_000_000 : status === LOG_STATUS.exhausted && !d) && attempts === 0;
}

/** A log re-queued by the job: Queued, or already sent by a manual attempt. */
async function requeued(name: string): Promise<boolean> {
  const { status, delivery: d, manualAttempts } = await logOf(name);
  return status === LOG_STATUS.queued ? d?.manual === true : manualAttempts === 1 && !d;
}

/** The names for which `test` answers false. */
async function failing(names: string[], test: (name: string) => Promise<boolean>): Promise<string[]> {
  const out: string[] = [];
  for (const n of names) if (!(await test(n))) out.push(n);
  return out;
}

/** Stalls the batch that re-queues `name`, inside its transaction, for many seconds. */
async function stallAt(name: string): Promise<void> {
  if (onPostgres) {
    await rawRun(sql`CREATE TABLE test_stall (log text)`);
    await rawRun(
      sql.raw(`CREATE FUNCTION test_stall_batch() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.name = (SELECT log FROM test_stall) THEN PERFORM pg_sleep(60); END IF; RETURN NEW; END $$`),
    );
    await rawRun(
      sql.raw(`CREATE TRIGGER test_stall_batch AFTER UPDATE OF status ON webhook_request_log FOR EACH ROW
        WHEN (NEW.status = '${LOG_STATUS.queued}') EXECUTE FUNCTION test_stall_batch()`),
    );
  } else {
    // The trigger spins (10^8 steps: many seconds).
    t.db.$client.exec(`
      CREATE TABLE test_stall (log TEXT);
      CREATE TRIGGER test_stall_batch AFTER UPDATE OF status ON webhook_request_log
        WHEN NEW.status = '${LOG_STATUS.queued}' AND NEW.name = (SELECT log FROM test_stall)
      BEGIN SELECT count(*) FROM (WITH RECURSIVE spin(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM spin WHERE i < 100000000) SELECT i FROM spin); END;`);
  }
  await rawRun(sql`INSERT INTO test_stall (log) VALUES (${name})`);
}

/**
 * Whether a batch is stalled in that trigger right now. SQLite: the write lock is held (a
 * probe cannot take it). PostgreSQL: a backend of this database sleeps in it.
 */
function stalledProbe(): { stalled: () => Promise<boolean>; close: () => void } {
  if (onPostgres) {
    return {
      stalled: async () =>
        Number(
          (
            await rawGet<{ n: number }>(
              sql`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'`,
            )
          )?.n,
        ) > 0,
      close: () => undefined,
    };
  }
  const probe = new Database(t.file);
  probe.pragma("busy_timeout = 0");
  return {
    stalled: async () => {
      try {
        probe.exec("BEGIN IMMEDIATE");
        probe.exec("ROLLBACK");
        return false;
      } catch (e) {
        if ((e as { code?: string }).code === "SQLITE_BUSY") return true;
        throw e;
      }
    },
    close: () => probe.close(),
  };
}

/** PostgreSQL only notices a killed client at its next reply: end the sleeping backend, as keepalives would. */
async function endOrphanedBackends(): Promise<void> {
  if (onPostgres)
    await rawRun(sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'`);
}

describe("a bulk resend job killed -9 mid-way", () => {
  let rec: Receiver;
  const children: ChildProcess[] = [];
  beforeEach(async () => {
    rec = await startReceiver();
  });
  afterEach(async () => {
    for (const w of children.splice(0)) if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL");
    await endOrphanedBackends();
    await rec.close();
  });
  const worker = () => {
    const w = spawnWorker(t.file, { DATABASE_URL: t.url, WEBHOOK_DESK_ENCRYPTION_KEY: KEY, WEBHOOK_JOB_LEASE_MS: "1000" });
    children.push(w);
    return w;
  };

  it("resumes in a second runner where it stopped: every log re-queued once, none left out", { timeout: 90_000 }, async () => {
    const N = 3000;
    await insertWebhook(t.db, { name: "hook", url: `${rec.url}/hook`, timeout: 2 });
    await seedLogs(N, { url: `${rec.url}/hook` });
    const committed = await auditRequeues();
    const job = await bulkResend(admin, { filters: { webhook: "hook" } });
    expect(job).toMatchObject({ status: JOB_STATUS.queued, total: N, done: 0 });
    const names = JSON.parse((await jobRow(t.db, job.id))?.payload ?? "[]") as string[];
    expect(names).toHaveLength(N);

    // Batch 2 stalls at its last row, inside the batch's transaction, with the batch's other
    // 199 rows re-queued but not committed. So the first runner is caught with done = 200 for
    // sure, whatever the machine's speed.
    await stallAt(names[2 * BULK_BATCH - 1] ?? "");

    const first = worker();
    await until(async () => ((await jobRow(t.db, job.id))?.done ?? 0) > 0, 30_000, "the first batch");
    // Then batch 2 is stuck in the trigger: stalled at every probe for a whole second (the
    // dispatcher's and the job's other writes take ms).
    const probe = stalledProbe();
    let stalledSince = 0;
    await until(
      async () => {
        stalledSince = (await probe.stalled()) ? stalledSince || Date.now() : 0;
        return stalledSince > 0 && Date.now() - stalledSince >= 1000;
      },
      20_000,
      "batch 2 to stall in its transaction",
    );
    probe.close();
    first.kill("SIGKILL");
    expect((await exited(first)).signal).toBe("SIGKILL");
    await endOrphanedBackends();

    // The row says what was committed: Running, one batch done, the dead runner's lease left to expire.
    const killed = await jobRow(t.db, job.id);
    expect(killed).toMatchObject({ status: JOB_STATUS.running, done: BULK_BATCH, skipped: 0, error: null });
    expect(killed?.lease_owner).toBeTruthy();
    // ...and it is true: exactly the first `done` logs were re-queued; batch 2's rows rolled back.
    expect(await committed()).toEqual(names.slice(0, BULK_BATCH));
    expect(await failing(names.slice(0, BULK_BATCH), requeued)).toEqual([]);
    expect(await failing(names.slice(BULK_BATCH), untouched)).toEqual([]);

    await rawRun(sql`DELETE FROM test_stall`);
    // The second runner takes the job over when the dead one's lease (WEBHOOK_JOB_LEASE_MS) expires.
    await until(() => Date.now() > (killed?.lease_until ?? 0), 5000, "the lease to expire");
    const second = worker();
    await until(async () => (await jobRow(t.db, job.id))?.status === JOB_STATUS.completed, 60_000, "the job to complete");
    const done = await jobRow(t.db, job.id);
    expect(done).toMatchObject({ done: N, total: N, skipped: 0, error: null, lease_until: null });
    expect(done?.lease_owner).not.toBe(killed?.lease_owner);
    // Resumed at 200: every log re-queued exactly once, in the job's order, none left out.
    expect(await committed()).toEqual(names);

    // Then the dispatcher sends them: each log ends Delivered after exactly one manual attempt
    // (a log re-queued twice would have a second one), as a redelivery of its own message.
    const pending = async () => (await t.db.select({ n: count() }).from(delivery))[0]?.n;
    const notDelivered = async () =>
      (
        await t.db
          .select({ n: count() })
          .from(webhookRequestLog)
          .where(sql`${webhookRequestLog.status} <> ${LOG_STATUS.delivered}`)
      )[0]?.n;
    await until(async () => (await pending()) === 0 && (await notDelivered()) === 0, 60_000, "every log delivered");
    const l = webhookRequestLog;
    const a = webhookRequestAttempt;
    const attempts = await t.db
      .select({
        name: l.name,
        attempts: l.attempts,
        n: count(a.id),
        manual: sql<number>`sum(case when ${a.manual} then 1 else 0 end)`.mapWith(Number),
      })
      .from(l)
      .leftJoin(a, eq(a.log, l.name))
      .groupBy(l.name, l.attempts);
    expect(attempts.filter((r) => r.n !== 1 || r.manual !== 1 || r.attempts !== 2)).toEqual([]);
    expect(new Set(rec.received.map((r) => r.headers["webhook-id"]))).toEqual(new Set(names.map(msgId)));

    second.kill("SIGTERM");
    expect((await exited(second)).code).toBe(0);
  });
});

describe("bulk resend jobs in-process", () => {
  it("leases for WEBHOOK_JOB_LEASE_MS when set, else JOB_LEASE_MS", async () => {
    await insertWebhook(t.db, { name: "hook", url: "http://r.test/hook" });
    const names = await seedLogs(2 * BULK_BATCH);
    const T0 = Date.UTC(2030, 0, 1);
    vi.useFakeTimers({ toFake: ["Date"], now: T0 });
    // The lease a runner holds between its batches (the clock stands still).
    const leaseAfterFirstBatch = async (env: string | undefined) => {
      if (env === undefined) delete process.env.WEBHOOK_JOB_LEASE_MS;
      else process.env.WEBHOOK_JOB_LEASE_MS = env;
      const id = await createBulkResendJob(t.db, names, "Administrator");
      pauses.holding = true;
      const run = runPendingJobs(t.db, "runner");
      await held(1);
      const lease = ((await jobRow(t.db, id))?.lease_until ?? 0) - T0;
      stopHolding();
      await run;
      return lease;
    };
    expect(await leaseAfterFirstBatch(undefined)).toBe(JOB_LEASE_MS);
    expect(await leaseAfterFirstBatch("1500")).toBe(1500);
    // A bad value ("soon", "-1") stops start-up instead (lib/env.test.ts).
  });

  it("a runner whose lease was taken over stops without counting its batch again", async () => {
    process.env.WEBHOOK_JOB_LEASE_MS = "1000";
    await insertWebhook(t.db, { name: "hook", url: "http://r.test/hook" });
    const names = await seedLogs(5 * BULK_BATCH);
    // One log in a hundred has no stored request: skipped, in batch 1 (A's) and in every later one.
    const noBody = names.filter((_, i) => i % 100 === 7);
    await t.db.update(webhookRequestLog).set({ data: null }).where(inArray(webhookRequestLog.name, noBody));
    const committed = await auditRequeues();
    // Every re-queue made, committed or not.
    const made = await recordRequeuesMade();
    const id = await createBulkResendJob(t.db, names, "Administrator");
    const T0 = Date.UTC(2030, 0, 1);
    vi.useFakeTimers({ toFake: ["Date"], now: T0 });
    pauses.holding = true;

    // A claims the job and commits batch 1, then is held between batches.
    const a = runPendingJobs(t.db, "runner-a");
    await held(1);
    expect(await jobRow(t.db, id)).toMatchObject({ lease_owner: "runner-a", done: BULK_BATCH, lease_until: T0 + 1000 });
    // A stalls past its lease; B takes the job over and commits batch 2 before A wakes.
    vi.setSystemTime(T0 + 1001);
    const b = runPendingJobs(t.db, "runner-b");
    await held(2);
    expect(await jobRow(t.db, id)).toMatchObject({ lease_owner: "runner-b", done: 2 * BULK_BATCH, lease_until: T0 + 2001 });
    // A wakes first: it makes batch 2 again (from its own `done`), finds the lease gone and rolls it back.
    release(0);
    expect(await a).toBe(1);
    stopHolding();
    expect(await b).toBe(1);

    const resent = names.filter((n) => !noBody.includes(n));
    const times = (n: string) => made.filter((m) => m === n).length;
    expect(resent.filter((n) => times(n) !== (names.indexOf(n) >= BULK_BATCH && names.indexOf(n) < 2 * BULK_BATCH ? 2 : 1))).toEqual([]);
    // What was committed: every resendable log once, in order, and the job's counts match it:
    // each skipped row counted once (A's from batch 1 kept by B), with its reason once.
    expect(await committed()).toEqual(resent);
    expect(await jobRow(t.db, id)).toMatchObject({
      status: JOB_STATUS.completed,
      done: names.length,
      skipped: noBody.length,
      lease_owner: "runner-b",
    });
    const why = "Nothing was rendered for this log (it failed before sending); use Re-render and send";
    expect((await jobRow(t.db, id))?.error).toBe(`Skipped ${noBody.length}: ${noBody.map((n) => `${n}: ${why}`).join("; ")}`);
    expect(await failing(resent, requeued)).toEqual([]);
  });

  it("hands a job to exactly one of several runners claiming at once, and skips failing rows one by one", async () => {
    // No logs behind these names: each resend fails (no delivery store needed). The NUL byte
    // makes PostgreSQL refuse the statement itself, which aborts the transaction unless the
    // row's savepoint undoes it: the rows after it must still be tried and counted.
    const names = Array.from({ length: 2 * BULK_BATCH + 10 }, (_, i) => (i === 5 ? "bad\u0000name" : `missing_${i}`));
    const id = await createBulkResendJob(t.db, names, "Administrator");
    const ran = await Promise.all(["r1", "r2", "r3"].map((owner) => runPendingJobs(t.db, owner)));
    expect(ran.reduce((x, y) => x + y, 0)).toBe(1);
    const row = await jobRow(t.db, id);
    expect(row).toMatchObject({ status: JOB_STATUS.completed, done: names.length, skipped: names.length, lease_until: null });
    const reasons = row?.error?.replace(/^Skipped \d+: /, "").split("; ") ?? [];
    expect(reasons).toHaveLength(21);
    expect(reasons.slice(0, 5)).toEqual([0, 1, 2, 3, 4].map((i) => `missing_${i}: Webhook Request Log missing_${i} not found`));
    expect(reasons[6]).toBe("missing_6: Webhook Request Log missing_6 not found");
    expect(reasons[20]).toBe("…");
    // Nothing to run any more.
    expect(await runPendingJobs(t.db, "r4")).toBe(0);
  });

  it("re-queues each row once with several runners at once", async () => {
    await insertWebhook(t.db, { name: "hook", url: "http://r.test/hook" });
    const names = await seedLogs(3 * BULK_BATCH);
    const committed = await auditRequeues();
    const id = await createBulkResendJob(t.db, names, "Administrator");
    const ran = await Promise.all(["r1", "r2", "r3"].map((owner) => runPendingJobs(t.db, owner)));
    expect(ran.reduce((x, y) => x + y, 0)).toBe(1);
    expect(await jobRow(t.db, id)).toMatchObject({ status: JOB_STATUS.completed, done: names.length, skipped: 0 });
    expect(await committed()).toEqual(names);
  });

  it("counts rows it cannot resend (webhook deleted) as skipped with reasons, and completes", async () => {
    await insertWebhook(t.db, { name: "hook", url: "http://r.test/hook" });
    await insertWebhook(t.db, { name: "gone", url: "http://r.test/gone" });
    // Spread over all three batches: every tenth log was sent by the webhook deleted since.
    const names = await seedLogs(450, { webhook: (i) => (i % 10 === 3 ? "gone" : "hook") });
    const gone = names.filter((_, i) => i % 10 === 3);
    await deleteWebhook(admin, "gone");
    const committed = await auditRequeues();
    const id = await createBulkResendJob(t.db, names, "Administrator");
    expect(await runPendingJobs(t.db, "runner")).toBe(1);

    const row = await jobRow(t.db, id);
    expect(row).toMatchObject({ status: JOB_STATUS.completed, total: 450, done: 450, skipped: gone.length });
    // The first twenty reasons are kept, the rest summed up.
    expect(row?.error).toBe(
      `Skipped ${gone.length}: ${gone
        .slice(0, 20)
        .map((n) => `${n}: The webhook gone no longer exists`)
        .join("; ")}; …`,
    );
    const kept = names.filter((n) => !gone.includes(n));
    expect(await committed()).toEqual(kept);
    expect(await failing(kept, requeued)).toEqual([]);
    // A skipped log is left as it was (a Failed one's pending retry went with its webhook: Cancelled).
    const l = webhookRequestLog;
    const states = await t.db
      .select({ status: l.status, pending: count(delivery.id) })
      .from(l)
      .leftJoin(delivery, eq(delivery.log, l.name))
      .where(eq(l.webhook, "gone"))
      .groupBy(l.status)
      .orderBy(asc(l.status));
    expect(states).toEqual([
      { status: LOG_STATUS.cancelled, pending: 0 },
      { status: LOG_STATUS.exhausted, pending: 0 },
    ]);
  });
});
