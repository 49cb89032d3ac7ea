// POST /api/webhook-test — send the unsaved Webhook form's request for a stored document now (logged as a test)
import { NextResponse } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { sendTestWebhook } from "@/lib/services/webhook/webhook-test-send";
import { unsavedFormBody } from "../webhook-preview/form-body";

export const POST = withRole(async (req, { actor }) => {
  const { webhook, document, savedName } = unsavedFormBody(await readJson(req));
  const result = await sendTestWebhook(actor, webhook, document, savedName);
  // Flat like /api/webhook-preview, and under `data` like the other action routes.
  return NextResponse.json({ ...result, data: result });
});
