import "server-only";
// Bulk Resend as a background job: the names are picked in one read, then re-queued in
// batches, each its own short transaction, with the event loop free between batches so
// the dispatcher (same process) keeps sending while a large resend runs.
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { getDb } from "@/db";
import type { Actor } from "@/lib/auth/roles";
import { AppError, notFound, zodToAppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { notifyDeliveriesQueued } from "@/lib/dispatcher/signal";
import { errorText, requireManager } from "./request-log-common";
import { filterSql, parseLogFilters } from "./request-log";
import { resendStored } from "./request-log-resend";
import { bulkResendSchema, RESENDABLE_STATUSES } from "./request-log.schema";

export const BULK_BATCH = 200;
/** One job resends at most this many rows; narrow the filters for more. */
export const BULK_MAX = 100_000;

export const JOB_STATUS = { queued: "Queued", running: "Running", completed: "Completed", failed: "Failed" } as const;

export interface JobView {
  id: string;
  kind: string;
  status: string;
  total: number;
  done: number;
  /** Rows that could not be re-queued (webhook deleted, nothing stored...). */
  skipped: number;
  error: string | null;
  created: number;
  modified: number;
}

interface JobRow {
  id: string;
  kind: string;
  status: string;
  total: number;
  done: number;
  error: string | null;
  owner: string;
  created: number;
  modified: number;
}

/** Names to resend: the given ones, or every Failed/Exhausted row matching the filters. */
function pickNames(raw: unknown): string[] {
  // Also accepted: a list of names, or the filters object itself.
  const input = Array.isArray(raw)
    ? { names: raw }
    : raw && typeof raw === "object" && !("names" in raw) && !("filters" in raw)
      ? { filters: Object.fromEntries(Object.entries(raw).filter(([k]) => k !== "dry_run")) }
      : raw;
  const parsed = bulkResendSchema.safeParse(input);
  if (!parsed.success) throw zodToAppError(parsed.error);
  const db = getDb().$client;
  const statuses = RESENDABLE_STATUSES.map((s) => `'${s}'`).join(", ");
  if (parsed.data.names) {
    const unique = [...new Set(parsed.data.names)];
    const stmt = db.prepare(`SELECT name FROM webhook_request_log WHERE name = ? AND status IN (${statuses})`);
    return unique.filter((n) => stmt.get(n));
  }
  const f = parseLogFilters(parsed.data.filters ?? {});
  if (f.status && !RESENDABLE_STATUSES.includes(f.status)) return [];
  const { where, params } = filterSql(f);
  if (!f.status) where.push(`status IN (${statuses})`);
  const rows = db
    .prepare(`SELECT name FROM webhook_request_log WHERE ${where.join(" AND ")} ORDER BY created DESC, name DESC LIMIT ${BULK_MAX + 1}`)
    .all(params) as { name: string }[];
  if (rows.length > BULK_MAX) throw new AppError("VALIDATION_ERROR", `More than ${BULK_MAX.toLocaleString("en-US")} requests match; narrow the filters`);
  return rows.map((r) => r.name);
}

/** How many rows a bulk resend with this input would pick up (for the confirmation). */
export function bulkResendCount(actor: Actor | null, input: unknown): number {
  requireManager(actor);
  return pickNames(input).length;
}

/** Starts a bulk resend; returns the job at once (poll getJob for progress). */
export function bulkResend(actor: Actor | null, input: unknown): JobView {
  requireManager(actor);
  const names = pickNames(input);
  const db = getDb().$client;
  const id = newId("job_");
  const now = Date.now();
  db.prepare(`INSERT INTO job (id, kind, status, total, done, owner, created, modified) VALUES (?, 'bulk_resend', ?, ?, 0, ?, ?, ?)`).run(
    id,
    names.length ? JOB_STATUS.queued : JOB_STATUS.completed,
    names.length,
    actor.user,
    now,
    now,
  );
  if (names.length) void runBulkResend(id, names);
  return getJob(actor, id);
}

async function runBulkResend(id: string, names: string[]): Promise<void> {
  const db = getDb();
  const update = db.$client.prepare(`UPDATE job SET status = ?, done = ?, error = ?, modified = ? WHERE id = ?`);
  let done = 0;
  const skipped: string[] = [];
  try {
    update.run(JOB_STATUS.running, 0, null, Date.now(), id);
    for (let i = 0; i < names.length; i += BULK_BATCH) {
      await yieldToLoop();
      // One write transaction per batch (each row a savepoint, so a bad row is skipped alone).
      db.$client
        .transaction(() => {
          for (const name of names.slice(i, i + BULK_BATCH)) {
            try {
              resendStored(db, name);
            } catch (e) {
              skipped.push(skipped.length < 20 ? `${name}: ${errorText(e)}` : "");
            }
            done += 1;
          }
        })
        .immediate();
      update.run(JOB_STATUS.running, done, summary(skipped), Date.now(), id);
      notifyDeliveriesQueued();
    }
    update.run(JOB_STATUS.completed, done, summary(skipped), Date.now(), id);
  } catch (e) {
    console.error(`[bulk-resend] job ${id} failed:`, e);
    try {
      update.run(JOB_STATUS.failed, done, `Stopped: ${errorText(e)}`, Date.now(), id);
    } catch {
      // The database itself is gone (shutdown): nothing left to record it in.
    }
  }
}

const summary = (skipped: string[]) =>
  skipped.length ? `Skipped ${skipped.length}: ${skipped.filter(Boolean).join("; ")}${skipped.length > 20 ? "; …" : ""}` : null;

export function getJob(actor: Actor | null, id: string): JobView {
  requireManager(actor);
  const row = getDb().$client.prepare(`SELECT * FROM job WHERE id = ?`).get(id) as JobRow | undefined;
  if (!row) throw notFound(`Job ${id}`);
  const m = row.error ? /^Skipped (\d+)/.exec(row.error) : null;
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    total: row.total,
    done: row.done,
    skipped: m?.[1] ? Number(m[1]) : 0,
    error: row.error,
    created: row.created,
    modified: row.modified,
  };
}
