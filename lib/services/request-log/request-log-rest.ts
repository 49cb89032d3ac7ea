import "server-only";
// The Frappe REST shape of Webhook Request Log (/api/resource/Webhook Request Log): Frappe
// fieldnames (snake_case, `creation`) out, and Frappe's `filters` parameter in — the
// equality filters the list supports, plus ranges on `creation`.
import { AppError } from "@/lib/errors";
import type { LogDetail, LogListRow } from "./request-log";
import { filtersFromQuery } from "./request-log-http";
import { LOG_FILTER_KEYS } from "./request-log.schema";

const EQ_FIELDS = new Set<string>(LOG_FILTER_KEYS.filter((k) => k !== "from" && k !== "to"));

/** Frappe's datetime text: "2026-03-10 12:00:00.123000" (server time). */
function frappeDatetime(ms: number | null): string | null {
  if (ms === null) return null;
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`;
}

export function toFrappeRow(r: LogListRow) {
  return {
    name: r.name,
    webhook: r.webhook,
    reference_doctype: r.referenceDoctype,
    reference_document: r.referenceDocument,
    doc_event: r.docEvent,
    status: r.status,
    http_status: r.httpStatus,
    attempts: r.attempts,
    url: r.url,
    user: r.user,
    event: r.event,
    duration_ms: r.durationMs,
    is_test: r.isTest ? 1 : 0,
    creation: frappeDatetime(r.created),
    created: r.created,
  };
}

export function toFrappeDoc(l: LogDetail) {
  return {
    ...toFrappeRow(l),
    doctype: "Webhook Request Log",
    headers: l.headersText,
    data: l.data,
    response: l.response,
    error: l.error,
    request_method: l.requestMethod,
    next_retry: l.nextRetry,
    held: l.held ? 1 : 0,
    is_test: l.isTest ? 1 : 0,
    modified: frappeDatetime(l.modified),
    pending: l.pending,
    attempt_log: l.attemptList.map((a) => ({
      attempt: a.attempt,
      started: a.started,
      success: a.success ? 1 : 0,
      http_status: a.httpStatus,
      duration_ms: a.durationMs,
      response: a.response,
      error: a.error,
      manual: a.manual ? 1 : 0,
    })),
  };
}

type Condition = [string, string, unknown];

function conditions(raw: string): Condition[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new AppError("BAD_REQUEST", "filters must be JSON");
  }
  if (Array.isArray(parsed)) {
    return parsed.map((c): Condition => {
      if (!Array.isArray(c)) throw new AppError("BAD_REQUEST", "each filter must be [field, operator, value]");
      // [doctype, field, op, value] or [field, op, value]
      const [field, op, value] = c.length >= 4 ? c.slice(1) : c;
      return [String(field), String(op), value];
    });
  }
  if (parsed && typeof parsed === "object") {
    return Object.entries(parsed).map(([field, v]): Condition => (Array.isArray(v) ? [field, String(v[0]), v[1]] : [field, "=", v]));
  }
  throw new AppError("BAD_REQUEST", "filters must be an object or a list of [field, operator, value]");
}

/** Plain query keys (?status=Failed) merged with Frappe's `filters` JSON. */
export function apiFiltersFromQuery(q: URLSearchParams): Record<string, string | number> {
  const out: Record<string, string | number> = filtersFromQuery(q);
  const raw = q.get("filters");
  if (!raw) return out;
  for (const [field, op, value] of conditions(raw)) {
    const f = field.replace(/^`?tabWebhook Request Log`?\./, "").replace(/`/g, "");
    if (EQ_FIELDS.has(f) && op === "=" && (typeof value === "string" || typeof value === "number")) out[f] = String(value);
    else if ((f === "creation" || f === "created") && typeof value !== "object") {
      const v = typeof value === "number" ? value : String(value);
      if (op === ">" || op === ">=") out.from = v;
      else if (op === "<" || op === "<=") out.to = v;
      else throw new AppError("BAD_REQUEST", `Unsupported operator ${op} on ${f}`);
    } else if ((f === "creation" || f === "created") && op === "between" && Array.isArray(value) && value.length === 2) {
      out.from = String(value[0]);
      out.to = String(value[1]);
    } else {
      throw new AppError(
        "BAD_REQUEST",
        `Unsupported filter ${f} ${op}: filter on ${[...EQ_FIELDS].join(", ")} with "=", or on creation with >=, <=, between`,
      );
    }
  }
  return out;
}
