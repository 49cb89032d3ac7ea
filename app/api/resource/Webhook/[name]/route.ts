// GET/PUT/DELETE /api/resource/Webhook/<name> — read, update (fields sent replace), delete a webhook
import { getDb } from "@/db";
import { NextResponse } from "next/server";
import { withWriteRetry } from "@/db/busy";
import { readJson, withRole } from "@/lib/auth/guard";
import { deleteWebhook, getWebhook, updateWebhook } from "@/lib/services/webhook/webhooks";
import { docBody, webhookJson } from "../webhook-json";

type P = { name: string };

export const GET = withRole<P>((_req, { actor, params }) => NextResponse.json({ data: webhookJson(getWebhook(actor, params.name)) }));

// Writes retry while the write lock is held elsewhere (db/busy.ts): the web thread's
// connection waits only a few ms for it, and each try is one transaction.
export const PUT = withRole<P>(async (req, { actor, params }) => {
  const body = docBody(await readJson(req));
  return NextResponse.json({ data: webhookJson(await withWriteRetry(getDb().$client, () => updateWebhook(actor, params.name, body))) });
});

export const DELETE = withRole<P>(async (_req, { actor, params }) => {
  await withWriteRetry(getDb().$client, () => deleteWebhook(actor, params.name));
  return NextResponse.json({ message: "ok" });
});
