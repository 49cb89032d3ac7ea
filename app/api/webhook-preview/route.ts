// POST /api/webhook-preview — render the unsaved Webhook form against a stored document
import { NextResponse } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { AppError } from "@/lib/errors";
import { previewWebhook } from "@/lib/services/webhooks";

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

export const POST = withRole(async (req, { actor }) => {
  const body = await readJson(req);
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new AppError("BAD_REQUEST", "Send { webhook, document }");
  const b = body as Record<string, unknown>;
  // { webhook: {...form}, document, saved_name } or the form's fields flat, with preview_document.
  const webhook = b.webhook && typeof b.webhook === "object" ? b.webhook : b;
  const document = str(b.document) ?? str((webhook as Record<string, unknown>).preview_document);
  return NextResponse.json(previewWebhook(actor, webhook, document, str(b.saved_name)));
});
