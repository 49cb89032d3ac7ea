// POST /api/resource/Webhook/<name>/re-enable — enable a (disabled) webhook: healthy again, its held requests released
import { NextResponse } from "next/server";
import { withRole } from "@/lib/auth/guard";
import { webhookJson } from "../../webhook-json";
import { reenableWebhook } from "@/lib/services/webhook/webhooks";

export const POST = withRole<{ name: string }>(async (_req, { actor, params }) =>
  NextResponse.json({ data: webhookJson(await reenableWebhook(actor, params.name)) }),
);
