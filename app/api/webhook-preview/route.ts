// POST /api/webhook-preview — render the unsaved Webhook form against a stored document
import { NextResponse } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { previewWebhook } from "@/lib/services/webhook/webhooks";
import { unsavedFormBody } from "./form-body";

export const POST = withRole(async (req, { actor }) => {
  const { webhook, document, savedName } = unsavedFormBody(await readJson(req));
  return NextResponse.json(await previewWebhook(actor, webhook, document, savedName));
});
