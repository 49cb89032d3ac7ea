// GET /api/webhook-stats/<webhook>?range=24h|7d — hourly deliveries, p50/p95, health and counts
import { NextResponse } from "next/server";
import { withRole } from "@/lib/auth/guard";
import { webhookStats } from "@/lib/services/request-log/request-log-stats";

export const GET = withRole<{ name: string }>(async (req, { actor, params }) =>
  NextResponse.json({ data: await webhookStats(actor, params.name, req.nextUrl.searchParams.get("range") ?? "24h") }),
);
