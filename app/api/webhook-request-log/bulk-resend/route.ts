// POST /api/webhook-request-log/bulk-resend — resend Failed/Exhausted rows ({names} or {filters}) as a job; {dry_run: true} counts them
import { NextResponse } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { bulkResend, bulkResendCount } from "@/lib/services/request-log/request-log-jobs";

export const POST = withRole(async (req, { actor }) => {
  const body = await readJson(req);
  if (body && typeof body === "object" && (body as { dry_run?: unknown }).dry_run === true) {
    return NextResponse.json({ count: await bulkResendCount(actor, body) });
  }
  const job = await bulkResend(actor, body);
  return NextResponse.json({ job, data: job }, { status: 202 });
});
