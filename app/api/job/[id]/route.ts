// GET /api/job/<id> — progress of a background job (bulk resend)
import { NextResponse } from "next/server";
import { withRole } from "@/lib/auth/guard";
import { getJob } from "@/lib/services/request-log/request-log-jobs";

export const GET = withRole<{ id: string }>(async (_req, { actor, params }) => {
  const job = await getJob(actor, params.id);
  return NextResponse.json({ job, data: job });
});
