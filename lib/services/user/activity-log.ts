import "server-only";
// The Activity Log, read side: who signed in (or failed to), which keys, users, roles and
// webhook secrets changed, when and from where. Rows are appended by recordActivity
// (lib/auth/activity.ts) inside the change's own transaction; nobody edits them.
import { and, eq, type SQL } from "drizzle-orm";
import { getDb } from "@/db";
import { activityLog as log, type ActivityLogRow } from "@/db/schema";
import { ACTIVITY } from "@/lib/auth/activity";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { notFound, zodToAppError } from "@/lib/errors";
import {
  cappedCount,
  containsCi,
  dateRange,
  decodeCursor,
  finishPage,
  pageLimit,
  seek,
  type KeysetPage,
  type SortOrder,
} from "../frappe-rest/keyset";
import { activityFiltersSchema, type ActivityFilters, type ActivityFiltersInput } from "./activity-log.schema";

export * from "./activity-log.schema";

export type ActivityPage = KeysetPage<ActivityLogRow>;

function parseFilters(input: ActivityFiltersInput | Record<string, unknown>): ActivityFilters {
  const r = activityFiltersSchema.safeParse(input);
  if (!r.success) throw zodToAppError(r.error);
  return r.data;
}

/**
 * Conditions; an operation filter is served by the (operation, at) index, the rest by (at).
 * The subject matches case-insensitively on both dialects (containsCi).
 */
function filterWhere(f: ActivityFilters): SQL[] {
  const where: SQL[] = [];
  if (f.operation !== undefined) where.push(eq(log.operation, f.operation));
  if (f.user !== undefined) where.push(eq(log.actor, f.user));
  if (f.ip !== undefined) where.push(eq(log.ip, f.ip));
  if (f.subject !== undefined) where.push(containsCi(log.subject, f.subject));
  where.push(...dateRange(log.at, f));
  return where;
}

/** One page, newest first unless asked otherwise; keyset on (at, id). */
export async function listActivity(
  actor: Actor | null,
  filters: ActivityFiltersInput | Record<string, unknown> = {},
  options: { cursor?: string | null; limit?: number; order?: SortOrder } = {},
): Promise<ActivityPage> {
  requireManager(actor);
  const f = parseFilters(filters);
  const cursor = decodeCursor(options.cursor);
  const limit = pageLimit(options.limit);
  const s = seek(cursor, options.order === "asc" ? "asc" : "desc", { time: log.at, key: log.id }, true);
  const fetched = await getDb()
    .select()
    .from(log)
    .where(and(...filterWhere(f), s.where))
    .orderBy(...s.orderBy)
    .limit(limit + 1);
  return finishPage(fetched, limit, cursor, (r) => ({ at: r.at, key: r.id }));
}

/** Entries matching the filters, counted up to COUNT_CAP (`capped` when there are more). */
export async function countActivity(
  actor: Actor | null,
  filters: ActivityFiltersInput | Record<string, unknown> = {},
): Promise<{ count: number; capped: boolean }> {
  requireManager(actor);
  return cappedCount(log, and(...filterWhere(parseFilters(filters))));
}

export async function getActivity(actor: Actor | null, id: string | number): Promise<ActivityLogRow> {
  requireManager(actor);
  const n = typeof id === "number" ? id : /^\d{1,15}$/.test(id) ? Number(id) : NaN;
  const [row] = Number.isSafeInteger(n) ? await getDb().select().from(log).where(eq(log.id, n)).limit(1) : [];
  if (!row) throw notFound(`Activity Log ${id}`);
  return row;
}

/** The operations the log records, for the list's Operation filter (no data, so no role check). */
export function activityOperations(): string[] {
  return Object.values(ACTIVITY).sort((a, b) => a.localeCompare(b));
}
