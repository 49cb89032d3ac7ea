import "server-only";
// The Frappe REST shape of Webhook Request Log (/api/resource/Webhook Request Log): Frappe
// fieldnames (snake_case, `creation`, the adapter's datetimes) out, and Frappe's `filters`
// parameter (the adapter's parser) in — the equality filters the list supports, plus ranges
// on `creation`.
import { AppError } from "@/lib/errors";
import { bareFieldname, parseFrappeFilters, toFrappeDatetime } from "../frappe-rest/adapter";
import type { LogDetail, LogListRow } from "./request-log";
import { filtersFromQuery } from "./request-log-http";
import { LOG_FILTER_KEYS } from "./request-log.schema";

const EQ_FIELDS = new Set<string>(LOG_FILTER_KEYS.filter((k) => k !== "from" && k !== "to"));

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
    creation: toFrappeDatetime(r.created),
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
    next_retry: toFrappeDatetime(l.nextRetry),
    held: l.held ? 1 : 0,
    is_test: l.isTest ? 1 : 0,
    modified: toFrappeDatetime(l.modified),
    pending: l.pending,
    attempt_log: l.attemptList.map((a) => ({
      attempt: a.attempt,
      started: toFrappeDatetime(a.started),
      success: a.success ? 1 : 0,
      http_status: a.httpStatus,
      duration_ms: a.durationMs,
      response: a.response,
      error: a.error,
      manual: a.manual ? 1 : 0,
    })),
  };
}

/** Plain query keys (?status=Failed) merged with Frappe's `filters` JSON. */
export function apiFiltersFromQuery(q: URLSearchParams): Record<string, string | number> {
  const out: Record<string, string | number> = filtersFromQuery(q);
  const raw = q.get("filters");
  if (!raw) return out;
  for (const [field, op, value] of parseFrappeFilters(raw)) {
    const f = bareFieldname(field, "Webhook Request Log");
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
