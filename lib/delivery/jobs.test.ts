// Bulk resend jobs: the progress a job stores is what it did (kill -9 mid-job and a second
// runner), a runner whose lease was taken over stops without counting twice, and rows that
// cannot be resent are counted as skipped with their reasons.
//
// What "true progress" means here: a job's `done` only moves in the transaction that
// re-queued those rows, so at every moment the rows re-queued by committed transactions are
// exactly the first `done` names of its list, and none after them. A test table filled by a
// trigger on the log's `status = 'Queued'` update (requeue's write) records each committed
// re-queue; a batch that rolls back (kill -9, lost lease) leaves nothing in it.
import type { ChildProcess } from "node:child_process";
import Database from "better-sqlite3";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Actor } from "@/lib/auth/roles";
import { LOG_STATUS } from "@/lib/constants";
import { exited, insertWebhook, spawnWorker, startReceiver, until, type Receiver } from "@/lib/dispatcher/test-support";
import { bulkResend } from "@/lib/services/request-log/request-log-jobs";
import { deleteWebhook } from "@/lib/services/webhook/webhooks";
import { freshDb, type FreshDb } from "@/test/db";
import { BULK_BATCH, JOB_LEASE_MS, JOB_STATUS, createBulkResendJob, jobRow, runPendingJobs } from "./jobs";
import { sealHeaders } from "./sealed";

const KEY = "jobs-test-key";
const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };

beforeAll(() => {
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = KEY;
});

let t: FreshDb;
let c: Database.Database;
beforeEach(async () => {
  t = await freshDb();
  c = t.db.$client;
  delete process.env.WEBHOOK_JOB_LEASE_MS;
});
afterEach(() => {
  vi.useRealTimers();
  delete process.env.WEBHOOK_JOB_LEASE_MS;
  t.close();
});

const msgId = (name: string) => `msg_${name}`;

/**
 * `n` logs whose sending ended badly, each with its request stored: every third Failed with a
 * retry an hour away (its delivery pending), the others Exhausted. Returns their names.
 */
function seedLogs(n: number, opts: { url?: string; webhook?: (i: number) => string } = {}): string[] {
  const now = Date.now();
  const log = c.prepare(
    `INSERT INTO webhook_request_log (name, webhook, reference_doctype, reference_document, doc_event, request_method, url, headers, request_headers, data,
       status, attempts, http_status, error, next_retry, created, modified)
     VALUES (@name, @webhook, 'Quotation', @doc, 'on_update', 'POST', @url, @headers, @requestHeaders, @data, @status, 1, 500, 'HTTP 500', @nextRetry, @created, @created)`,
  );
  const retry = c.prepare(
    `INSERT INTO delivery (id, log, webhook, queue, timeout_ms, max_retries, attempts, due_at, created) VALUES (?, ?, ?, 'default', 2000, 5, 1, ?, ?)`,
  );
  const names: string[] = [];
  c.transaction(() => {
    for (let i = 0; i < n; i++) {
      const name = `log_${String(i).padStart(5, "0")}`;
      const webhook = opts.webhook?.(i) ?? "hook";
      const failed = i % 3 === 0;
      const headers = { "Content-Type": "application/json" };
      log.run({
        name,
        webhook,
        doc: `Q-${i}`,
        url: opts.url ?? "http://r.test/hook",
        headers: JSON.stringify({ ...headers, "webhook-id": msgId(name) }),
        requestHeaders: sealHeaders(headers),
        data: JSON.stringify({ name: `Q-${i}` }),
        status: failed ? LOG_STATUS.failed : LOG_STATUS.exhausted,
        nextRetry: failed ? now + 3_600_000 : null,
        created: now + i,
      });
      if (failed) retry.run(msgId(name), name, webhook, now + 3_600_000, now);
      names.push(name);
    }
  })();
  return names;
}

/** Records every committed re-queue (see the top of the file). */
function auditRequeues(): () => string[] {
  c.exec(`
    CREATE TABLE test_requeued (seq INTEGER PRIMARY KEY AUTOINCREMENT, log TEXT NOT NULL);
    CREATE TRIGGER test_requeued_audit AFTER UPDATE OF status ON webhook_request_log WHEN NEW.status = '${LOG_STATUS.queued}'
    BEGIN INSERT INTO test_requeued (log) VALUES (NEW.name); END;`);
  return () => (c.prepare(`SELECT log FROM test_requeued ORDER BY seq`).all() as { log: string }[]).map((r) => r.log);
}

/** A log the job has not touched: as seeded, with no manual delivery and no attempt. */
function untouched(name: string): boolean {
  const log = c.prepare(`SELECT status FROM webhook_request_log WHERE name = ?`).get(name) as { status: string };
  const d = c.prepare(`SELECT manual, due_at AS dueAt FROM delivery WHERE log = ?`).get(name) as
    { manual: number; dueAt: number } | undefined;
  const attempts = (c.prepare(`SELECT count(*) AS n FROM webhook_request_attempt WHERE log = ?`).get(name) as { n: number }).n;
  const failed = log.status === LOG_STATUS.failed;
  return (failed ? d?.manual === 0 && d.dueAt > Date.now() + 3_000_000 : log.status === LOG_STATUS.exhausted && !d) && attempts === 0;
}

/** A log re-queued by the job: Queued, or already sent by a manual attempt. */
function requeued(name: string): boolean {
  const log = c.prepare(`SELECT status FROM webhook_request_log WHERE name = ?`).get(name) as { status: string };
  const d = c.prepare(`SELECT manual FROM delivery WHERE log = ?`).get(name) as { manual: number } | undefined;
  const manualAttempts = (
    c.prepare(`SELECT count(*) AS n FROM webhook_request_attempt WHERE log = ? AND manual = 1`).get(name) as { n: number }
  ).n;
  return log.status === LOG_STATUS.queued ? d?.manual === 1 : manualAttempts === 1 && !d;
}

describe("a bulk resend job killed -9 mid-way", () => {
  let rec: Receiver;
  const children: ChildProcess[] = [];
  beforeEach(async () => {
    rec = await startReceiver();
  });
  afterEach(async () => {
    for (const w of children.splice(0)) if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL");
    await rec.close();
  });
  const worker = () => {
    const w = spawnWorker(t.file, { WEBHOOK_DESK_ENCRYPTION_KEY: KEY, WEBHOOK_JOB_LEASE_MS: "1000" });
    children.push(w);
    return w;
  };

  it("resumes in a second runner where it stopped: every log re-queued once, none left out", { timeout: 90_000 }, async () => {
    const N = 3000;
    insertWebhook(t.db, { name: "hook", url: `${rec.url}/hook`, timeout: 2 });
    seedLogs(N, { url: `${rec.url}/hook` });
    const committed = auditRequeues();
    const job = bulkResend(admin, { filters: { webhook: "hook" } });
    expect(job).toMatchObject({ status: JOB_STATUS.queued, total: N, done: 0 });
    const names = JSON.parse(jobRow(t.db, job.id)?.payload ?? "[]") as string[];
    expect(names).toHaveLength(N);

    // Batch 2 stalls at its last row: the trigger spins (10^8 steps: many seconds) inside the batch's
    // transaction, with the batch's other 199 rows re-queued but not committed. So the first
    // runner is caught with done = 200 for sure, whatever the machine's speed.
    const stallAt = names[2 * BULK_BATCH - 1];
    c.exec(`
      CREATE TABLE test_stall (log TEXT);
      CREATE TRIGGER test_stall_batch AFTER UPDATE OF status ON webhook_request_log
        WHEN NEW.status = '${LOG_STATUS.queued}' AND NEW.name = (SELECT log FROM test_stall)
      BEGIN SELECT count(*) FROM (WITH RECURSIVE spin(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM spin WHERE i < 100000000) SELECT i FROM spin); END;`);
    c.prepare(`INSERT INTO test_stall (log) VALUES (?)`).run(stallAt);

    const first = worker();
    await until(() => (jobRow(t.db, job.id)?.done ?? 0) > 0, 30_000, "the first batch");
    // Then batch 2 is stuck in the trigger, holding the write lock: the lock stays held at every
    // probe for a whole second (the dispatcher's and the job's other writes hold it for ms).
    const probe = new Database(t.file);
    probe.pragma("busy_timeout = 0");
    const writeLocked = () => {
      try {
        probe.exec("BEGIN IMMEDIATE");
        probe.exec("ROLLBACK");
        return false;
      } catch (e) {
        if ((e as { code?: string }).code === "SQLITE_BUSY") return true;
        throw e;
      }
    };
    let lockedSince = 0;
    await until(
      () => {
        lockedSince = writeLocked() ? lockedSince || Date.now() : 0;
        return lockedSince > 0 && Date.now() - lockedSince >= 1000;
      },
      20_000,
      "batch 2 to stall holding the write lock",
    );
    probe.close();
    first.kill("SIGKILL");
    expect((await exited(first)).signal).toBe("SIGKILL");

    // The row says what was committed: Running, one batch done, the dead runner's lease left to expire.
    const killed = jobRow(t.db, job.id);
    expect(killed).toMatchObject({ status: JOB_STATUS.running, done: BULK_BATCH, skipped: 0, error: null });
    expect(killed?.lease_owner).toBeTruthy();
    // ...and it is true: exactly the first `done` logs were re-queued; batch 2's rows rolled back.
    expect(committed()).toEqual(names.slice(0, BULK_BATCH));
    expect(names.slice(0, BULK_BATCH).filter((n) => !requeued(n))).toEqual([]);
    expect(names.slice(BULK_BATCH).filter((n) => !untouched(n))).toEqual([]);

    c.prepare(`DELETE FROM test_stall`).run();
    // The second runner takes the job over when the dead one's lease (WEBHOOK_JOB_LEASE_MS) expires.
    await until(() => Date.now() > (killed?.lease_until ?? 0), 5000, "the lease to expire");
    const second = worker();
    await until(() => jobRow(t.db, job.id)?.status === JOB_STATUS.completed, 60_000, "the job to complete");
    const done = jobRow(t.db, job.id);
    expect(done).toMatchObject({ done: N, total: N, skipped: 0, error: null, lease_until: null });
    expect(done?.lease_owner).not.toBe(killed?.lease_owner);
    // Resumed at 200: every log re-queued exactly once, in the job's order, none left out.
    expect(committed()).toEqual(names);

    // Then the dispatcher sends them: each log ends Delivered after exactly one manual attempt
    // (a log re-queued twice would have a second one), as a redelivery of its own message.
    const pending = () => (c.prepare(`SELECT count(*) AS n FROM delivery`).get() as { n: number }).n;
    const notDelivered = () =>
      (c.prepare(`SELECT count(*) AS n FROM webhook_request_log WHERE status <> ?`).get(LOG_STATUS.delivered) as { n: number }).n;
    await until(() => pending() === 0 && notDelivered() === 0, 60_000, "every log delivered");
    const attempts = c
      .prepare(
        `SELECT l.name, l.attempts, count(a.id) AS n, sum(a.manual) AS manual FROM webhook_request_log l LEFT JOIN webhook_request_attempt a ON a.log = l.name GROUP BY l.name`,
      )
      .all() as { name: string; attempts: number; n: number; manual: number }[];
    expect(attempts.filter((a) => a.n !== 1 || a.manual !== 1 || a.attempts !== 2)).toEqual([]);
    expect(new Set(rec.received.map((r) => r.headers["webhook-id"]))).toEqual(new Set(names.map(msgId)));

    second.kill("SIGTERM");
    expect((await exited(second)).code).toBe(0);
  });
});

describe("bulk resend jobs in-process", () => {
  it("leases for WEBHOOK_JOB_LEASE_MS when set, else JOB_LEASE_MS", async () => {
    insertWebhook(t.db, { name: "hook", url: "http://r.test/hook" });
    const names = seedLogs(2 * BULK_BATCH);
    const T0 = Date.UTC(2030, 0, 1);
    vi.useFakeTimers({ toFake: ["Date"], now: T0 });
    // The lease a runner holds between its batches (the clock stands still).
    const leaseAfterFirstBatch = async (env: string | undefined) => {
      if (env === undefined) delete process.env.WEBHOOK_JOB_LEASE_MS;
      else process.env.WEBHOOK_JOB_LEASE_MS = env;
      const id = createBulkResendJob(t.db, names, "Administrator");
      const run = runPendingJobs(t.db, "runner");
      const lease = (jobRow(t.db, id)?.lease_until ?? 0) - T0;
      await run;
      return lease;
    };
    expect(await leaseAfterFirstBatch(undefined)).toBe(JOB_LEASE_MS);
    expect(await leaseAfterFirstBatch("1500")).toBe(1500);
    expect(await leaseAfterFirstBatch("soon")).toBe(JOB_LEASE_MS);
    expect(await leaseAfterFirstBatch("-1")).toBe(JOB_LEASE_MS);
  });

  it("a runner whose lease was taken over stops without counting its batch again", async () => {
    process.env.WEBHOOK_JOB_LEASE_MS = "1000";
    insertWebhook(t.db, { name: "hook", url: "http://r.test/hook" });
    const names = seedLogs(5 * BULK_BATCH);
    // One log in a hundred has no stored request: skipped, in batch 1 (A's) and in every later one.
    const noBody = names.filter((_, i) => i % 100 === 7);
    c.prepare(`UPDATE webhook_request_log SET data = NULL WHERE name IN (SELECT value FROM json_each(?))`).run(JSON.stringify(noBody));
    const committed = auditRequeues();
    // Every re-queue made, committed or not (a JS function survives a rollback).
    const made: string[] = [];
    c.function("test_requeue_made", (name: unknown) => {
      made.push(String(name));
      return null;
    });
    c.exec(`CREATE TEMP TRIGGER test_requeue_made AFTER UPDATE OF status ON main.webhook_request_log WHEN NEW.status = '${LOG_STATUS.queued}'
            BEGIN SELECT test_requeue_made(NEW.name); END;`);
    const id = createBulkResendJob(t.db, names, "Administrator");
    const T0 = Date.UTC(2030, 0, 1);
    vi.useFakeTimers({ toFake: ["Date"], now: T0 });

    // A claims the job and commits batch 1, then yields between batches.
    const a = runPendingJobs(t.db, "runner-a");
    expect(jobRow(t.db, id)).toMatchObject({ lease_owner: "runner-a", done: BULK_BATCH, lease_until: T0 + 1000 });
    // A stalls past its lease; B takes the job over and commits batch 2 before A wakes.
    vi.setSystemTime(T0 + 1001);
    const b = runPendingJobs(t.db, "runner-b");
    expect(jobRow(t.db, id)).toMatchObject({ lease_owner: "runner-b", done: 2 * BULK_BATCH, lease_until: T0 + 2001 });
    expect(await Promise.all([a, b])).toEqual([1, 1]);

    // A did make batch 2 again (from its own `done`), found the lease gone and rolled it back.
    const resent = names.filter((n) => !noBody.includes(n));
    const count = (n: string) => made.filter((m) => m === n).length;
    expect(resent.filter((n) => count(n) !== (names.indexOf(n) >= BULK_BATCH && names.indexOf(n) < 2 * BULK_BATCH ? 2 : 1))).toEqual([]);
    // What was committed: every resendable log once, in order, and the job's counts match it:
    // each skipped row counted once (A's from batch 1 kept by B), with its reason once.
    expect(committed()).toEqual(resent);
    expect(jobRow(t.db, id)).toMatchObject({
      status: JOB_STATUS.completed,
      done: names.length,
      skipped: noBody.length,
      lease_owner: "runner-b",
    });
    const why = "Nothing was rendered for this log (it failed before sending); use Re-render and send";
    expect(jobRow(t.db, id)?.error).toBe(`Skipped ${noBody.length}: ${noBody.map((n) => `${n}: ${why}`).join("; ")}`);
    expect(resent.filter((n) => !requeued(n))).toEqual([]);
  });

  it("counts rows it cannot resend (webhook deleted) as skipped with reasons, and completes", async () => {
    insertWebhook(t.db, { name: "hook", url: "http://r.test/hook" });
    insertWebhook(t.db, { name: "gone", url: "http://r.test/gone" });
    // Spread over all three batches: every tenth log was sent by the webhook deleted since.
    const names = seedLogs(450, { webhook: (i) => (i % 10 === 3 ? "gone" : "hook") });
    const gone = names.filter((_, i) => i % 10 === 3);
    deleteWebhook(admin, "gone");
    const committed = auditRequeues();
    const id = createBulkResendJob(t.db, names, "Administrator");
    expect(await runPendingJobs(t.db, "runner")).toBe(1);

    const row = jobRow(t.db, id);
    expect(row).toMatchObject({ status: JOB_STATUS.completed, total: 450, done: 450, skipped: gone.length });
    // The first twenty reasons are kept, the rest summed up.
    expect(row?.error).toBe(
      `Skipped ${gone.length}: ${gone
        .slice(0, 20)
        .map((n) => `${n}: The webhook gone no longer exists`)
        .join("; ")}; …`,
    );
    const kept = names.filter((n) => !gone.includes(n));
    expect(committed()).toEqual(kept);
    expect(kept.filter((n) => !requeued(n))).toEqual([]);
    // A skipped log is left as it was (a Failed one's pending retry went with its webhook: Cancelled).
    const states = c
      .prepare(
        `SELECT l.status, count(d.id) AS pending FROM webhook_request_log l LEFT JOIN delivery d ON d.log = l.name WHERE l.webhook = 'gone' GROUP BY l.status`,
      )
      .all();
    expect(states).toEqual([
      { status: LOG_STATUS.cancelled, pending: 0 },
      { status: LOG_STATUS.exhausted, pending: 0 },
    ]);
  });
});
