import "server-only";
// Bulk Resend: the names are picked in one read and stored with the job (lib/delivery/jobs),
// which the maintenance thread runs in batches with durable progress.
import { getDb } from "@/db";
import type { Actor } from "@/lib/auth/roles";
import { createBulkResendJob, jobRow, type JobRow } from "@/lib/delivery/jobs";
import { AppError, notFound, zodToAppError } from "@/lib/errors";
import { requireManager } from "./request-log-common";
import { filterSql, parseLogFilters } from "./request-log";
import { bulkResendSchema, RESENDABLE_STATUSES } from "./request-log.schema";

/** One job resends at most this many rows; narrow the filters for more. */
const BULK_MAX = 100_000;

/** A job as the desk shows it (`skipped`: rows that could not be re-queued — webhook deleted, nothing stored…). */
export type JobView = Omit<JobRow, "owner" | "payload" | "lease_owner" | "lease_until">;

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
  if (rows.length > BULK_MAX)
    throw new AppError("VALIDATION_ERROR", `More than ${BULK_MAX.toLocaleString("en-US")} requests match; narrow the filters`);
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
  const id = createBulkResendJob(getDb(), names, actor.user);
  return getJob(actor, id);
}

export function getJob(actor: Actor | null, id: string): JobView {
  requireManager(actor);
  const row = jobRow(getDb(), id);
  if (!row) throw notFound(`Job ${id}`);
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    total: row.total,
    done: row.done,
    skipped: row.skipped,
    error: row.error,
    created: row.created,
    modified: row.modified,
  };
}
