// POST /api/webhook-request-log/<name>/verify — does a receiver's secret verify this delivery's signatures?
import { NextResponse } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { verifyDelivery } from "@/lib/services/request-log/request-log-verify";

export const POST = withRole<{ name: string }>(async (req, { actor, params }) => {
  const result = await verifyDelivery(actor, params.name, await readJson(req));
  // Flat like /api/webhook-preview, and under `data` like the other action routes.
  return NextResponse.json({ ...result, data: result }, { headers: { "Cache-Control": "no-store" } });
});
