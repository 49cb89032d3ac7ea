// GET /metrics — Prometheus text format (lib/ops/metrics.ts). Readable with
// `Authorization: Bearer $METRICS_TOKEN` (unset: bearer access off) or a System Manager's
// API key or session, through the one guard.
import { getDb } from "@/db";
import { guard } from "@/lib/auth/guard";
import { SYSTEM_MANAGER } from "@/lib/constants";
import { deliveryThreadMetrics } from "@/lib/dispatcher";
import { env } from "@/lib/env";
import { metricsText } from "@/lib/ops/metrics";

export const dynamic = "force-dynamic";

export const GET = guard({ roles: [SYSTEM_MANAGER], bearerToken: () => env().METRICS_TOKEN }, async () => {
  const { contentType, text } = await metricsText(getDb(), await deliveryThreadMetrics());
  return new Response(text, { headers: { "content-type": contentType, "cache-control": "no-store" } });
});
