import "server-only";
// Bulk Resend as a durable job. The job row stores its work list; whoever holds its lease
// (the maintenance thread of any process) re-queues it in batches, and each batch's
// progress (`done`, `skipped`) is written in the same transaction as its resends. So after
// a restart or kill -9 the job resumes exactly where it stopped, and its progress is true.
import { and, asc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { changes, isTransactionConflict, rawRun, tx, type DB } from "@/db";
import { job } from "@/db/schema";
import { env } from "@/lib/env";
import { newId } from "@/lib/ids";
import { resendStored } from "./resend";
import { notifyDeliveriesQueued, notifyJobQueued } from "./signal";
import { logger } from "@/lib/log";

const log = logger("bulk-resend");

export const JOB_STATUS = { queued: "Queued", running: "Running", completed: "Completed", failed: "Failed" } as const;
export const BULK_BATCH = 200;
/** A runner that stops renewing its lease (a crash) hands the job over after this long. */
export const JOB_LEASE_MS = 30_000;
/** The lease: WEBHOOK_JOB_LEASE_MS (default 30 s, JOB_LEASE_MS). Read on use. */
const jobLeaseMs = (): number => env().WEBHOOK_JOB_LEASE_MS;
const MAX_REASONS = 20;

export interface JobRow {
  id: string;
  kind: string;
  status: string;
  total: number;
  done: number;
  skipped: number;
  error: string | null;
  owner: string;
  payload: string | null;
  lease_owner: string | null;
  lease_until: number | null;
  created: number;
  modified: number;
}

/** Stores a bulk resend of `names` (in order) and wakes a runner. */
export async function createBulkResendJob(db: DB, names: string[], owner: string, now = Date.now()): Promise<string> {
  const id = newId("job_");
  await tx(
    (t) =>
      t.insert(job).values({
        id,
        kind: "bulk_resend",
        status: names.length ? JOB_STATUS.queued : JOB_STATUS.completed,
        total: names.length,
        done: 0,
        skipped: 0,
        owner,
        payload: JSON.stringify(names),
        created: now,
        modified: now,
      }),
    {},
    db,
  );
  if (names.length) notifyJobQueued(db);
  return id;
}

/** The columns of a job row, under their SQL names. */
const JOB_COLUMNS = {
  id: job.id,
  kind: job.kind,
  status: job.status,
  total: job.total,
  done: job.done,
  skipped: job.skipped,
  error: job.error,
  owner: job.owner,
  payload: job.payload,
  lease_owner: job.leaseOwner,
  lease_until: job.leaseUntil,
  created: job.created,
  modified: job.modified,
};

export async function jobRow(db: DB, id: string): Promise<JobRow | undefined> {
  const [row] = await db.select(JOB_COLUMNS).from(job).where(eq(job.id, id)).limit(1);
  return row;
}

/** Error text as PostgreSQL text can hold it (no NUL), the same on SQLite. */
const printable = (e: unknown) => (e instanceof Error ? e.message : String(e)).replaceAll("\u0000", "\uFFFD");

const summary = (skipped: number, reasons: string[]) =>
  skipped ? `Skipped ${skipped}: ${reasons.join("; ")}${skipped > reasons.length ? "; …" : ""}` : null;

/** The reasons already recorded in a job's error text (so a resumed job keeps them). */
function reasonsOf(error: string | null): string[] {
  const m = error ? /^Skipped \d+: (.*)$/s.exec(error) : null;
  return m?.[1]
    ? m[1]
        .split("; ")
        .filter((r) => r !== "…")
        .slice(0, MAX_REASONS)
    : [];
}

const UNFINISHED = [JOB_STATUS.queued, JOB_STATUS.running];
/** The lease is free, or its holder stopped renewing it. */
const leaseFree = (now: number) => or(isNull(job.leaseUntil), lt(job.leaseUntil, now));

/**
 * Takes the lease of one unfinished job whose lease is free or expired, oldest first. The
 * conditions are repeated on the updated row itself: of two runners (processes) claiming at
 * once, the second's update finds the row leased once the first commits (PostgreSQL
 * re-checks them on the row it waited for) and takes nothing.
 */
async function claimJob(db: DB, owner: string, now: number): Promise<JobRow | undefined> {
  return tx(
    async (t) => {
      const next = t
        .select({ id: job.id })
        .from(job)
        .where(and(inArray(job.status, UNFINISHED), leaseFree(now)))
        .orderBy(asc(job.created), asc(job.id))
        .limit(1);
      const [row] = await t
        .update(job)
        .set({ leaseOwner: owner, leaseUntil: now + jobLeaseMs(), status: JOB_STATUS.running, modified: now })
        .where(and(eq(job.id, sql`(${next})`), inArray(job.status, UNFINISHED), leaseFree(now)))
        .returning(JOB_COLUMNS);
      return row;
    },
    {},
    db,
  );
}

/** Runs `fn` under a savepoint of the open transaction: if it throws, only its writes are undone. */
async function savepoint<T>(t: DB, fn: () => Promise<T>): Promise<T> {
  await rawRun(sql`SAVEPOINT bulk_row`, t);
  try {
    const out = await fn();
    await rawRun(sql`RELEASE SAVEPOINT bulk_row`, t);
    return out;
  } catch (e) {
    await rawRun(sql`ROLLBACK TO SAVEPOINT bulk_row`, t);
    await rawRun(sql`RELEASE SAVEPOINT bulk_row`, t);
    throw e;
  }
}

/** Runs one job to the end (or until its lease is lost or `signal` aborts). */
async function runJob(db: DB, claimed: JobRow, owner: string, signal?: AbortSignal): Promise<void> {
  let names: string[];
  try {
    const v: unknown = JSON.parse(claimed.payload ?? "[]");
    names = Array.isArray(v) ? v.map(String) : [];
  } catch {
    names = [];
  }
  let done = claimed.done;
  let skipped = claimed.skipped;
  const reasons = reasonsOf(claimed.error);
  try {
    while (done < names.length) {
      if (signal?.aborted) return;
      const batch = names.slice(done, done + BULK_BATCH);
      const now = Date.now();
      // The batch's resends and its progress commit together, or not at all.
      const kept = await tx(
        async (t) => {
          let s = 0;
          const batchReasons = [...reasons];
          for (const name of batch) {
            try {
              // A savepoint per row: a row that cannot be re-queued is skipped alone.
              await savepoint(t, () => resendStored(t, name, now));
            } catch (e) {
              // A serialization conflict dooms the whole transaction: tx() re-runs the batch.
              if (isTransactionConflict(e)) throw e;
              s += 1;
              if (batchReasons.length < MAX_REASONS) batchReasons.push(printable(`${name}: ${printable(e)}`));
            }
          }
          const next = done + batch.length;
          const finished = next >= names.length;
          const held = changes(
            await t
              .update(job)
              .set({
                done: next,
                skipped: skipped + s,
                error: summary(skipped + s, batchReasons),
                status: finished ? JOB_STATUS.completed : JOB_STATUS.running,
                leaseUntil: finished ? null : now + jobLeaseMs(),
                modified: now,
              })
              .where(and(eq(job.id, claimed.id), eq(job.leaseOwner, owner))),
          );
          // Lost the lease (another runner took the job over): undo this batch, stop.
          if (!held) throw new LeaseLost();
          reasons.splice(0, reasons.length, ...batchReasons);
          return s;
        },
        {},
        db,
      );
      skipped += kept;
      done += batch.length;
      notifyDeliveriesQueued(db);
      await yieldToLoop();
    }
  } catch (e) {
    if (e instanceof LeaseLost) return;
    log.error({ err: e, job: claimed.id }, "bulk resend job failed");
    try {
      await tx(
        (t) =>
          t
            .update(job)
            .set({
              status: JOB_STATUS.failed,
              error: `Stopped: ${printable(e)}`,
              leaseOwner: null,
              leaseUntil: null,
              modified: Date.now(),
            })
            .where(and(eq(job.id, claimed.id), eq(job.leaseOwner, owner))),
        {},
        db,
      );
    } catch {
      // The database itself is gone (shutdown): the lease expires and the job resumes later.
    }
  }
}

class LeaseLost extends Error {}

/** Runs every unfinished job there is, one after another; returns how many it ran. */
export async function runPendingJobs(db: DB, owner: string, signal?: AbortSignal): Promise<number> {
  let n = 0;
  for (;;) {
    if (signal?.aborted) return n;
    const claimed = await claimJob(db, owner, Date.now());
    if (!claimed) return n;
    await runJob(db, claimed, owner, signal);
    n += 1;
  }
}

/** Gives back the leases of jobs this owner runs (shutdown), so the next start resumes them at once. */
export async function releaseJobs(db: DB, owner: string): Promise<void> {
  await tx(
    (t) =>
      t
        .update(job)
        .set({ leaseOwner: null, leaseUntil: null })
        .where(and(eq(job.leaseOwner, owner), inArray(job.status, UNFINISHED))),
    {},
    db,
  );
}
