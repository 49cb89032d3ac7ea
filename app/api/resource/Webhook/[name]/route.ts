// GET/PUT/DELETE /api/resource/Webhook/<name> — read, update (fields sent replace), delete a webhook
import { NextResponse } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { deleteWebhook, getWebhook, updateWebhook } from "@/lib/services/webhooks";
import { docBody, webhookJson } from "../webhook-json";

type P = { name: string };

export const GET = withRole<P>((_req, { actor, params }) => NextResponse.json({ data: webhookJson(getWebhook(actor, params.name)) }));

export const PUT = withRole<P>(async (req, { actor, params }) =>
  NextResponse.json({ data: webhookJson(updateWebhook(actor, params.name, docBody(await readJson(req)))) }),
);

export const DELETE = withRole<P>((_req, { actor, params }) => {
  deleteWebhook(actor, params.name);
  return NextResponse.json({ message: "ok" });
});
