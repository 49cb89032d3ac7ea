import "server-only";
// Helpers for the read-only resources behind /api/resource/[doctype] (Webhook Request Log,
// Activity Log): query string → filters and list options, the DocType a request names, and
// the 405 answer for writes (their rows are written by the server only).
import { NextResponse } from "next/server";
import { AppError, ERROR_STATUS } from "@/lib/errors";
import { LOG_FILTER_KEYS } from "./request-log.schema";

export function filtersFromQuery(q: URLSearchParams, keys: readonly string[] = LOG_FILTER_KEYS): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = q.get(k);
    if (v) out[k] = v;
  }
  return out;
}

export function listOptionsFromQuery(q: URLSearchParams): { cursor: string | null; limit: number; order: "asc" | "desc" } {
  const limit = Number(q.get("limit") ?? q.get("limit_page_length") ?? 20);
  // Frappe clients send order_by=creation asc; the list is always ordered by creation.
  const asc = q.get("order") === "asc" || /\basc\b/i.test(q.get("order_by") ?? "");
  return { cursor: q.get("cursor"), limit: Number.isFinite(limit) && limit > 0 ? limit : 20, order: asc ? "asc" : "desc" };
}

export const methodNotAllowed = (message: string) =>
  NextResponse.json(
    { error: { code: "METHOD_NOT_ALLOWED", message } },
    { status: ERROR_STATUS.METHOD_NOT_ALLOWED, headers: { Allow: "GET" } },
  );

export const REQUEST_LOG_DOCTYPE = "Webhook Request Log";
export const ACTIVITY_LOG_DOCTYPE = "Activity Log";
export type ResourceDoctype = typeof REQUEST_LOG_DOCTYPE | typeof ACTIVITY_LOG_DOCTYPE;

/**
 * The DocTypes the dynamic /api/resource/[doctype] routes serve; others are 404. The segment
 * comes decoded (lib/auth/guard.ts); a "+" stands for a space, as Frappe clients write it.
 */
export function resourceDoctype(raw: string): ResourceDoctype {
  const doctype = raw.replace(/\+/g, " ");
  if (doctype === REQUEST_LOG_DOCTYPE || doctype === ACTIVITY_LOG_DOCTYPE) return doctype;
  throw new AppError("NOT_FOUND", `DocType ${doctype} not found`);
}
