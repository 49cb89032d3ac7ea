// The read-only DocTypes served by the dynamic /api/resource/[doctype] routes, one entry
// each: how its list and one document read, and why writes answer 405. A table rather than
// if-chains in each route, so a DocType's list and document cannot disagree on the name.
import { NextResponse, type NextRequest } from "next/server";
import type { ActivityLogRow } from "@/db/schema";
import type { Actor } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";
import { toFrappeDatetime } from "@/lib/services/frappe-rest/adapter";
import { ACTIVITY_FILTER_KEYS, countActivity, getActivity, listActivity } from "@/lib/services/user/activity-log";
import { countLogs, getLog, listLogs } from "@/lib/services/request-log/request-log";
import {
  ACTIVITY_LOG_DOCTYPE,
  filtersFromQuery,
  listOptionsFromQuery,
  REQUEST_LOG_DOCTYPE,
  resourceDoctype,
} from "@/lib/services/request-log/request-log-http";
import { apiFiltersFromQuery, toFrappeDoc, toFrappeRow } from "@/lib/services/request-log/request-log-rest";

interface Resource {
  list(req: NextRequest, actor: Actor): Promise<Response>;
  get(actor: Actor, name: string): Promise<Response>;
  /** The 405 message for writes to the list and to one document. */
  readOnly: { list: string; doc: string };
}

/** A keyset page as JSON: Frappe's `data`, plus the cursors and, when asked, the count. */
function pageJson<R>(
  page: { rows: R[]; next?: string; prev?: string },
  row: (r: R) => unknown,
  count?: { count: number; capped: boolean },
) {
  return NextResponse.json({ data: page.rows.map(row), next: page.next ?? null, prev: page.prev ?? null, ...(count ? { count } : {}) });
}

/** Frappe fieldnames for an Activity Log entry; `name` is the id as text, as Frappe's names are. */
function activityJson(r: ActivityLogRow) {
  return {
    name: String(r.id),
    creation: toFrappeDatetime(r.at),
    operation: r.operation,
    user: r.actor,
    subject: r.subject,
    details: r.detail,
    ip_address: r.ip,
  };
}

const requestLog: Resource = {
  async list(req, actor) {
    const q = req.nextUrl.searchParams;
    const filters = apiFiltersFromQuery(q);
    const page = await listLogs(actor, filters, listOptionsFromQuery(q));
    return pageJson(page, toFrappeRow, q.get("with_count") === "1" ? await countLogs(actor, filters) : undefined);
  },
  get: async (actor, name) => NextResponse.json({ data: toFrappeDoc(await getLog(actor, name)) }),
  readOnly: {
    list: "Webhook Request Log rows are created by the dispatcher, not by hand",
    doc: "Webhook Request Log rows are written by the dispatcher and cannot be edited",
  },
};

const activityLog: Resource = {
  async list(req, actor) {
    const q = req.nextUrl.searchParams;
    // Plain keys only: Frappe's `filters` JSON would promise operators this list does not have.
    if (q.has("filters")) throw new AppError("BAD_REQUEST", `Filter the Activity Log with query keys: ${ACTIVITY_FILTER_KEYS.join(", ")}`);
    const filters = filtersFromQuery(q, ACTIVITY_FILTER_KEYS);
    const page = await listActivity(actor, filters, listOptionsFromQuery(q));
    return pageJson(page, activityJson, q.get("with_count") === "1" ? await countActivity(actor, filters) : undefined);
  },
  get: async (actor, name) =>
    NextResponse.json({ data: { ...activityJson(await getActivity(actor, name)), doctype: ACTIVITY_LOG_DOCTYPE } }),
  readOnly: {
    list: "Activity Log entries are recorded by the server as things happen, not by hand",
    doc: "Activity Log entries cannot be edited or deleted",
  },
};

const RESOURCES: Record<ReturnType<typeof resourceDoctype>, Resource> = {
  [REQUEST_LOG_DOCTYPE]: requestLog,
  [ACTIVITY_LOG_DOCTYPE]: activityLog,
};

/** The resource a route's `[doctype]` names; 404 for any other DocType. */
export const resourceFor = (rawDoctype: string): Resource => RESOURCES[resourceDoctype(rawDoctype)];
