// GET /api/resource/Webhook Request Log — list request logs (keyset pages); writes answer 405.
// A dynamic segment because Next does not route a folder whose name has spaces; the static
// resources (DocType, User, Webhook) still win over it, and any other name answers 404.
import { NextResponse } from "next/server";
import { withRole } from "@/lib/auth/guard";
import { countLogs, listLogs } from "@/lib/services/request-log";
import { listOptionsFromQuery, methodNotAllowed, requestLogDoctype } from "@/lib/services/request-log-http";
import { apiFiltersFromQuery, toFrappeRow } from "@/lib/services/request-log-rest";

type P = { doctype: string };

export const GET = withRole<P>((req, { actor, params }) => {
  requestLogDoctype(params.doctype);
  const q = req.nextUrl.searchParams;
  const filters = apiFiltersFromQuery(q);
  const page = listLogs(actor, filters, listOptionsFromQuery(q));
  const count = q.get("with_count") === "1" ? countLogs(actor, filters) : undefined;
  return NextResponse.json({ data: page.rows.map(toFrappeRow), next: page.next ?? null, prev: page.prev ?? null, ...(count ? { count } : {}) });
});

const readOnly = withRole<P>((_req, { params }) => {
  requestLogDoctype(params.doctype);
  return methodNotAllowed("Webhook Request Log rows are created by the dispatcher, not by hand");
});
export const POST = readOnly;
export const PUT = readOnly;
export const DELETE = readOnly;
