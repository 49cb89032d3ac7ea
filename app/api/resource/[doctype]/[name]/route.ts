// GET /api/resource/Webhook Request Log/<name> — one request log with its attempts; writes answer 405
import { NextResponse } from "next/server";
import { withRole } from "@/lib/auth/guard";
import { getLog } from "@/lib/services/request-log";
import { methodNotAllowed, paramName, requestLogDoctype } from "@/lib/services/request-log-http";
import { toFrappeDoc } from "@/lib/services/request-log-rest";

type P = { doctype: string; name: string };

export const GET = withRole<P>((_req, { actor, params }) => {
  requestLogDoctype(params.doctype);
  return NextResponse.json({ data: toFrappeDoc(getLog(actor, paramName(params.name))) });
});

const readOnly = withRole<P>((_req, { params }) => {
  requestLogDoctype(params.doctype);
  return methodNotAllowed("Webhook Request Log rows are written by the dispatcher and cannot be edited");
});
export const POST = readOnly;
export const PUT = readOnly;
export const DELETE = readOnly;
