import "server-only";
// The Webhook list: the desk's list view and GET /api/resource/Webhook, with Frappe's
// filters (parsed by ../frappe-rest/adapter.ts) on the webhook's fieldnames.
import { and, asc, count, desc, eq, gt, gte, inArray, isNotNull, isNull, like, lt, lte, ne, not, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { getDb } from "@/db";
import { webhook } from "@/db/schema";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";
import { bareFieldname, fromFrappeDatetime, type FilterTuple } from "../frappe-rest/adapter";
import { containsCi } from "../frappe-rest/keyset";
import { toSummary, type WebhookSummary } from "./webhook-doc";

const COLUMNS: Record<string, SQLiteColumn> = {
  name: webhook.name,
  webhook_doctype: webhook.webhookDoctype,
  webhook_docevent: webhook.webhookDocevent,
  enabled: webhook.enabled,
  condition: webhook.condition,
  request_url: webhook.requestUrl,
  is_dynamic_url: webhook.isDynamicUrl,
  timeout: webhook.timeout,
  background_jobs_queue: webhook.backgroundJobsQueue,
  max_requests_per_second: webhook.maxRequestsPerSecond,
  send_in_order: webhook.sendInOrder,
  request_method: webhook.requestMethod,
  request_structure: webhook.requestStructure,
  enable_security: webhook.enableSecurity,
  signature_scheme: webhook.signatureScheme,
  max_retries: webhook.maxRetries,
  disable_after: webhook.disableAfter,
  notification_type: webhook.notificationType,
  owner: webhook.owner,
  modified_by: webhook.modifiedBy,
  creation: webhook.created,
  modified: webhook.modified,
};
const BOOL_FIELDS = new Set(["enabled", "is_dynamic_url", "enable_security", "send_in_order"]);
const OPERATORS = new Set(["=", "!=", ">", "<", ">=", "<=", "like", "not like", "in", "not in", "is"]);

export interface WebhookListQuery {
  /** Free-text search over name, DocType and Request URL. */
  q?: string;
  filters?: FilterTuple[];
  /** 0 = no limit (Frappe's limit_page_length=0). */
  limit?: number;
  offset?: number;
  /** "modified desc", "name asc"... */
  orderBy?: string;
}

const bad = (message: string) => new AppError("BAD_REQUEST", message);

const NUM_FIELDS = new Set(["timeout", "max_retries", "max_requests_per_second", "disable_after", "creation", "modified"]);

function coerce(field: string, v: unknown): unknown {
  if (BOOL_FIELDS.has(field)) return v === true || v === 1 || v === "1" || v === "true" || v === "Yes";
  if (!NUM_FIELDS.has(field) || typeof v !== "string") return v;
  if (/^\d+$/.test(v)) return Number(v);
  if (field === "max_requests_per_second" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  // creation and modified: Frappe's datetime text, UTC (the adapter's one format).
  const t = fromFrappeDatetime(v);
  if (t === null) throw bad(`Invalid filters: ${v} is not a valid ${field}`);
  return t;
}

/** Frappe's `like` (MariaDB's collation): case-insensitive, on the column's text, the same on both dialects. */
function likeCi(col: SQLiteColumn, pattern: string, field = ""): SQL {
  const text = BOOL_FIELDS.has(field)
    ? sql`CASE WHEN ${col} THEN '1' ELSE '0' END`
    : NUM_FIELDS.has(field)
      ? sql`CAST(${col} AS TEXT)`
      : sql`lower(${col})`;
  return like(text, sql`lower(${pattern})`);
}

function condition([spelled, op, raw]: FilterTuple): SQL | undefined {
  const field = bareFieldname(spelled, "Webhook");
  const col = COLUMNS[field];
  if (!col) throw bad(`Invalid filters: unknown field ${field}`);
  if (!OPERATORS.has(op)) throw bad(`Invalid filters: unsupported operator ${op}`);
  if (op === "is") return raw === "set" ? isNotNull(col) : isNull(col);
  if (op === "in" || op === "not in") {
    const list = (Array.isArray(raw) ? raw : String(raw).split(",")).map((x) => coerce(field, typeof x === "string" ? x.trim() : x));
    if (list.length === 0) return op === "in" ? eq(webhook.name, "\u0000") : undefined;
    return op === "in" ? inArray(col, list) : not(inArray(col, list));
  }
  const v = coerce(field, raw);
  switch (op) {
    case "=":
      return eq(col, v);
    case "!=":
      return ne(col, v);
    case ">":
      return gt(col, v);
    case "<":
      return lt(col, v);
    case ">=":
      return gte(col, v);
    case "<=":
      return lte(col, v);
    case "like":
      return likeCi(col, String(v), field);
    default:
      return not(likeCi(col, String(v), field));
  }
}

function orderOf(orderBy: string | undefined) {
  const [field = "modified", dir = "desc"] = (orderBy || "modified desc").trim().split(/\s+/);
  const col = COLUMNS[bareFieldname(field, "Webhook")];
  if (!col) throw bad(`Invalid order_by: unknown field ${field}`);
  return dir.toLowerCase() === "asc" ? [asc(col), asc(webhook.name)] : [desc(col), asc(webhook.name)];
}

export async function listWebhooks(
  actor: Actor | null,
  query: WebhookListQuery = {},
  db = getDb(),
): Promise<{ data: WebhookSummary[]; total: number }> {
  requireManager(actor);
  const q = query.q?.trim();
  const where = and(
    ...(query.filters ?? []).map(condition),
    q ? or(containsCi(webhook.name, q), containsCi(webhook.webhookDoctype, q), containsCi(webhook.requestUrl, q)) : undefined,
  );
  const limit = Math.max(0, Math.min(query.limit ?? 20, 10_000));
  const offset = Math.max(0, query.offset ?? 0);
  const [counted] = await db.select({ n: count() }).from(webhook).where(where);
  const rows = await db
    .select()
    .from(webhook)
    .where(where)
    .orderBy(...orderOf(query.orderBy))
    // 0 is "no limit" (Frappe's limit_page_length=0); both dialects take OFFSET after a LIMIT.
    .limit(limit > 0 ? limit : Number.MAX_SAFE_INTEGER)
    .offset(offset);
  return { data: rows.map(toSummary), total: counted?.n ?? 0 };
}
