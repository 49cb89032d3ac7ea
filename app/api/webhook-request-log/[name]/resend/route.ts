// POST /api/webhook-request-log/<name>/resend — send the stored request again now (manual attempt)
import { NextResponse } from "next/server";
import { withRole } from "@/lib/auth/guard";
import { resendLog } from "@/lib/services/request-log/request-log-resend";

export const POST = withRole<{ name: string }>(async (_req, { actor, params }) =>
  NextResponse.json({ data: await resendLog(actor, params.name) }),
);
