// GET /api/alerts — the bell: the newest alerts, read or not, and the caller's unread count
import { NextResponse } from "next/server";
import { withRole } from "@/lib/auth/guard";
import { listAlerts } from "@/lib/services/alert/alerts";

export const GET = withRole(async (req, { actor }) => {
  const limit = Number(req.nextUrl.searchParams.get("limit") ?? 20);
  return NextResponse.json({ data: await listAlerts(actor, { limit: Number.isFinite(limit) ? limit : 20 }) });
});
