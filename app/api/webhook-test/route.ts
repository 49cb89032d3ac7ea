// POST /api/webhook-test — send the unsaved Webhook form's request for a stored document now (logged as a test)
import { NextResponse } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { AppError } from "@/lib/errors";
import { sendTestWebhook } from "@/lib/services/webhook-test-send";

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

export const POST = withRole(async (req, { actor }) => {
  const body = await readJson(req);
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new AppError("BAD_REQUEST", "Send { webhook, document }");
  const b = body as Record<string, unknown>;
  // Like /api/webhook-preview: { webhook: {...form}, document, saved_name } or the fields flat.
  const webhook = b.webhook && typeof b.webhook === "object" ? b.webhook : b;
  const document = str(b.document) ?? str((webhook as Record<string, unknown>).preview_document);
  const result = await sendTestWebhook(actor, webhook, document, str(b.saved_name));
  // Flat like /api/webhook-preview, and under `data` like the other action routes.
  return NextResponse.json({ ...result, data: result });
});
