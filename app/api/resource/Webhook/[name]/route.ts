// GET/PUT/DELETE /api/resource/Webhook/<name> — read, update (fields sent replace), delete a webhook
import { NextResponse } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { deleteWebhook, getWebhook, updateWebhook } from "@/lib/services/webhook/webhooks";
import { docBody, webhookJson } from "../webhook-json";

type P = { name: string };

export const GET = withRole<P>(async (_req, { actor, params }) =>
  NextResponse.json({ data: webhookJson(await getWebhook(actor, params.name)) }),
);

// Each write is one transaction (tx()); on SQLite it waits for a write lock held elsewhere
// without blocking the thread, then answers 503 BUSY.
export const PUT = withRole<P>(async (req, { actor, params }) => {
  const body = docBody(await readJson(req));
  return NextResponse.json({ data: webhookJson(await updateWebhook(actor, params.name, body)) });
});

export const DELETE = withRole<P>(async (_req, { actor, params }) => {
  await deleteWebhook(actor, params.name);
  return NextResponse.json({ message: "ok" });
});
