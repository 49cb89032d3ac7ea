// POST /api/resource/Webhook/<name>/rotate-secret — new secret now, the previous one signs for 24 h more
import { NextResponse } from "next/server";
import { readOptionalJson, withRole } from "@/lib/auth/guard";
import { toFrappeDatetime } from "@/lib/services/frappe-rest/adapter";
import { rotateWebhookSecret } from "@/lib/services/webhook/webhook-secret";

export const POST = withRole<{ name: string }>(async (req, { actor, params }) => {
  // The body is optional: { new_secret } to choose the secret, nothing to generate one.
  const body = await readOptionalJson(req);
  const rotated = await rotateWebhookSecret(actor, params.name, body);
  const result = { ...rotated, previous_secret_expires: toFrappeDatetime(rotated.previous_secret_expires) };
  // The new secret is in this response once and in no other.
  return NextResponse.json({ ...result, data: result }, { headers: { "Cache-Control": "no-store" } });
});
