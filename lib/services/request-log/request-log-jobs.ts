import "server-only";
// Bulk Resend: the names are picked in one read and stored with the job (lib/delivery/jobs),
// which the maintenance thread runs in batches with durable progress.
import { and, desc, inArray } from "drizzle-orm";
import { getDb } from "@/db";
import { webhookRequestLog as log } from "@/db/schema";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { createBulkResendJob, jobRow, type JobRow } from "@/lib/delivery/jobs";
import { AppError, notFound, zodToAppError } from "@/lib/errors";
import { logFilterWhere, parseLogFilters } from "./request-log";
import { bulkResendSchema, RESENDABLE_STATUSES } from "./request-log.schema";

/** One job resends at most this many rows; narrow the filters for more. */
const BULK_MAX = 100_000;

/** A job as the desk shows it (`skipped`: rows that could not be re-queued — webhook deleted, nothing stored…). */
export type JobView = Omit<JobRow, "owner" | "payload" | "lease_owner" | "lease_until">;

/** Names to resend: the given ones, or every Failed/Exhausted row matching the filters. */
async function pickNames(raw: unknown): Promise<string[]> {
  // Also accepted: a list of names, or the filters object itself.
  const input = Array.isArray(raw)
    ? { names: raw }
    : raw && typeof raw === "object" && !("names" in raw) && !("filters" in raw)
      ? { filters: Object.fromEntries(Object.entries(raw).filter(([k]) => k !== "dry_run")) }
      : raw;
  const parsed = bulkResendSchema.safeParse(input);
  if (!parsed.success) throw zodToAppError(parsed.error);
  const db = getDb();
  const resendable = inArray(log.status, [...RESENDABLE_STATUSES]);
  if (parsed.data.names) {
    // In the order given (duplicates once), keeping those that did not get through.
    const unique = [...new Set(parsed.data.names)];
    const found = new Set<string>();
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await db
        .select({ name: log.name })
        .from(log)
        .where(and(inArray(log.name, unique.slice(i, i + 500)), resendable));
      for (const r of rows) found.add(r.name);
    }
    return unique.filter((n) => found.has(n));
  }
  const f = parseLogFilters(parsed.data.filters ?? {});
  if (f.status && !RESENDABLE_STATUSES.includes(f.status)) return [];
  const rows = await db
    .select({ name: log.name })
    .from(log)
    .where(and(...logFilterWhere(f), f.status ? undefined : resendable))
    .orderBy(desc(log.created), desc(log.name))
    .limit(BULK_MAX + 1);
  if (rows.length > BULK_MAX)
    throw new AppError("VALIDATION_ERROR", `More than ${BULK_MAX.toLocaleString("en-US")} requests match; narrow the filters`);
  return rows.map((r) => r.name);
}

/** How many rows a bulk resend with this input would pick up (for the confirmation). */
export async function bulkResendCount(actor: Actor | null, input: unknown): Promise<number> {
  requireManager(actor);
  return (await pickNames(input)).length;
}

/** Starts a bulk resend; returns the job at once (poll getJob for progress). */
export async function bulkResend(actor: Actor | null, input: unknown): Promise<JobView> {
  requireManager(actor);
  const names = await pickNames(input);
  const id = await createBulkResendJob(getDb(), names, actor.user);
  return getJob(actor, id);
}

export async function getJob(actor: Actor | null, id: string): Promise<JobView> {
  requireManager(actor);
  const row = await jobRow(getDb(), id);
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
