import "server-only";
// Bulk Resend as a durable job. The job row stores its work list; whoever holds its lease
// (the maintenance thread of any process) re-queues it in batches, and each batch's
// progress (`done`, `skipped`) is written in the same transaction as its resends. So after
// a restart or kill -9 the job resumes exactly where it stopped, and its progress is true.
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { DB } from "@/db";
import { newId } from "@/lib/ids";
import { resendStored } from "./resend";
import { notifyDeliveriesQueued, notifyJobQueued } from "./signal";

export const JOB_STATUS = { queued: "Queued", running: "Running", completed: "Completed", failed: "Failed" } as const;
export const BULK_BATCH = 200;
/** A runner that stops renewing its lease (a crash) hands the job over after this long. */
export const JOB_LEASE_MS = 30_000;
/** The lease: WEBHOOK_JOB_LEASE_MS (ms) when set to a positive number, else JOB_LEASE_MS. Read on use. */
function jobLeaseMs(): number {
  const ms = Number(process.env.WEBHOOK_JOB_LEASE_MS);
  return Number.isFinite(ms) && ms > 0 ? Math.ceil(ms) : JOB_LEASE_MS;
}
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
export function createBulkResendJob(db: DB, names: string[], owner: string, now = Date.now()): string {
  const id = newId("job_");
  db.$client
    .prepare(
      `INSERT INTO job (id, kind, status, total, done, skipped, owner, payload, created, modified) VALUES (?, 'bulk_resend', ?, ?, 0, 0, ?, ?, ?, ?)`,
    )
    .run(id, names.length ? JOB_STATUS.queued : JOB_STATUS.completed, names.length, owner, JSON.stringify(names), now, now);
  if (names.length) notifyJobQueued();
  return id;
}

export function jobRow(db: DB, id: string): JobRow | undefined {
  return db.$client.prepare(`SELECT * FROM job WHERE id = ?`).get(id) as JobRow | undefined;
}

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

/** Takes the lease of one unfinished job whose lease is free or expired. */
function claimJob(db: DB, owner: string, now: number): JobRow | undefined {
  return db.$client
    .prepare(
      `UPDATE job SET lease_owner = @owner, lease_until = @until, status = '${JOB_STATUS.running}', modified = @now
       WHERE id = (SELECT id FROM job WHERE status IN ('${JOB_STATUS.queued}', '${JOB_STATUS.running}') AND (lease_until IS NULL OR lease_until < @now)
                   ORDER BY created LIMIT 1)
       RETURNING *`,
    )
    .get({ owner, until: now + jobLeaseMs(), now }) as JobRow | undefined;
}

/** Runs one job to the end (or until its lease is lost or `signal` aborts). */
async function runJob(db: DB, job: JobRow, owner: string, signal?: AbortSignal): Promise<void> {
  const c = db.$client;
  let names: string[];
  try {
    const v: unknown = JSON.parse(job.payload ?? "[]");
    names = Array.isArray(v) ? v.map(String) : [];
  } catch {
    names = [];
  }
  const progress = c.prepare(
    `UPDATE job SET done = @done, skipped = @skipped, error = @error, status = @status, lease_until = @until, modified = @now
     WHERE id = @id AND lease_owner = @owner`,
  );
  let done = job.done;
  let skipped = job.skipped;
  const reasons = reasonsOf(job.error);
  try {
    while (done < names.length) {
      if (signal?.aborted) return;
      const batch = names.slice(done, done + BULK_BATCH);
      const now = Date.now();
      const kept = c
        .transaction(() => {
          let s = 0;
          for (const name of batch) {
            try {
              // A savepoint per row: a row that cannot be re-queued is skipped alone.
              c.transaction(() => resendStored(db, name, now))();
            } catch (e) {
              s += 1;
              if (reasons.length < MAX_REASONS) reasons.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
            }
          }
          const next = done + batch.length;
          const finished = next >= names.length;
          const held = progress.run({
            id: job.id,
            owner,
            done: next,
            skipped: skipped + s,
            error: summary(skipped + s, reasons),
            status: finished ? JOB_STATUS.completed : JOB_STATUS.running,
            until: finished ? null : now + jobLeaseMs(),
            now,
          }).changes;
          // Lost the lease (another runner took the job over): undo this batch, stop.
          if (!held) throw new LeaseLost();
          return s;
        })
        .immediate();
      skipped += kept;
      done += batch.length;
      notifyDeliveriesQueued();
      await yieldToLoop();
    }
  } catch (e) {
    if (e instanceof LeaseLost) return;
    console.error(`[bulk-resend] job ${job.id} failed:`, e);
    try {
      c.prepare(
        `UPDATE job SET status = ?, error = ?, lease_owner = NULL, lease_until = NULL, modified = ? WHERE id = ? AND lease_owner = ?`,
      ).run(JOB_STATUS.failed, `Stopped: ${e instanceof Error ? e.message : String(e)}`, Date.now(), job.id, owner);
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
    const job = claimJob(db, owner, Date.now());
    if (!job) return n;
    await runJob(db, job, owner, signal);
    n += 1;
  }
}

/** Gives back the leases of jobs this owner runs (shutdown), so the next start resumes them at once. */
export function releaseJobs(db: DB, owner: string): void {
  db.$client
    .prepare(`UPDATE job SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ? AND status IN (?, ?)`)
    .run(owner, JOB_STATUS.queued, JOB_STATUS.running);
}
