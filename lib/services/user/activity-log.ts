import "server-only";
// The Activity Log, read side: who signed in (or failed to), which keys, users, roles and
// webhook secrets changed, when and from where. Rows are appended by recordActivity
// (lib/auth/activity.ts) inside the change's own transaction; nobody edits them.
import { getDb } from "@/db";
import type { ActivityLogRow } from "@/db/schema";
import { ACTIVITY } from "@/lib/auth/activity";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { notFound, zodToAppError } from "@/lib/errors";
import { activityFiltersSchema, type ActivityFilters, type ActivityFiltersInput } from "./activity-log.schema";
import {
  addDateRange,
  cappedCount,
  decodeCursor,
  finishPage,
  pageLimit,
  prepareCached,
  seek,
  whereSql,
  type KeysetPage,
  type SortOrder,
} from "../frappe-rest/keyset";

export * from "./activity-log.schema";

export type ActivityPage = KeysetPage<ActivityLogRow>;

const COLUMNS = "id, at, operation, actor, subject, detail, ip";

function parseFilters(input: ActivityFiltersInput | Record<string, unknown>): ActivityFilters {
  const r = activityFiltersSchema.safeParse(input);
  if (!r.success) throw zodToAppError(r.error);
  return r.data;
}

/** `%`, `_` and `\` in a LIKE pattern match themselves. */
const likeContains = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** SQL conditions; an operation filter is served by the (operation, at) index, the rest by (at). */
function filterSql(f: ActivityFilters): { where: string[]; params: Record<string, string | number> } {
  const where: string[] = [];
  const params: Record<string, string | number> = {};
  for (const [col, v] of [
    ["operation", f.operation],
    ["actor", f.user],
    ["ip", f.ip],
  ] as const) {
    if (v === undefined) continue;
    where.push(`${col} = @${col}`);
    params[col] = v;
  }
  if (f.subject !== undefined) {
    where.push(`subject LIKE @subject ESCAPE '\\'`);
    params.subject = likeContains(f.subject);
  }
  addDateRange("at", f, where, params);
  return { where, params };
}

/** One page, newest first unless asked otherwise; keyset on (at, id). */
export function listActivity(
  actor: Actor | null,
  filters: ActivityFiltersInput | Record<string, unknown> = {},
  options: { cursor?: string | null; limit?: number; order?: SortOrder } = {},
): ActivityPage {
  requireManager(actor);
  const f = parseFilters(filters);
  const cursor = decodeCursor(options.cursor);
  const limit = pageLimit(options.limit);
  const { where, params } = filterSql(f);
  const s = seek(cursor, options.order === "asc" ? "asc" : "desc", { time: "at", key: "id" }, true);
  const sql = `SELECT ${COLUMNS} FROM activity_log ${whereSql([...where, ...s.where])} ${s.orderBy} LIMIT @limit`;
  const fetched = prepareCached(getDb().$client, sql).all({ ...params, ...s.params, limit: limit + 1 }) as ActivityLogRow[];
  return finishPage(fetched, limit, cursor, (r) => ({ at: r.at, key: r.id }));
}

/** Entries matching the filters, counted up to COUNT_CAP (`capped` when there are more). */
export function countActivity(
  actor: Actor | null,
  filters: ActivityFiltersInput | Record<string, unknown> = {},
): { count: number; capped: boolean } {
  requireManager(actor);
  const { where, params } = filterSql(parseFilters(filters));
  return cappedCount(getDb().$client, "activity_log", where, params);
}

export function getActivity(actor: Actor | null, id: string | number): ActivityLogRow {
  requireManager(actor);
  const n = typeof id === "number" ? id : /^\d{1,15}$/.test(id) ? Number(id) : NaN;
  const row = Number.isSafeInteger(n)
    ? (prepareCached(getDb().$client, `SELECT ${COLUMNS} FROM activity_log WHERE id = ?`).get(n) as ActivityLogRow | undefined)
    : undefined;
  if (!row) throw notFound(`Activity Log ${id}`);
  return row;
}

/** The operations the log records, for the list's Operation filter (no data, so no role check). */
export function activityOperations(): string[] {
  return Object.values(ACTIVITY).sort((a, b) => a.localeCompare(b));
}
