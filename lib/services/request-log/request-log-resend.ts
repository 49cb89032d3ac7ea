import "server-only";
// Sending a logged request again — the desk's verbs (role check, then lib/delivery):
// Resend (the stored request, the same message id, signed now) and Re-render and send (the
// current document through the current webhook, a new message), one log or in bulk
// (request-log-jobs.ts). Each is exactly one manual attempt.
import { createTwoFilesPatch } from "diff";
import { getDb, tx } from "@/db";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { finalize, maskedHeaders, notifyDeliveriesQueued } from "@/lib/delivery";
import { SEND_TIME_HEADERS } from "@/lib/delivery/request";
import { loadLog, loadWebhookOf, rerender, rerenderAndQueue, resendStored, type ResendResult } from "@/lib/delivery/resend";
import { parseHeaders, prettyJson } from "./request-log-common";

export type { ResendResult } from "@/lib/delivery/resend";

const withoutHeader = (h: Record<string, string>, name: string) =>
  Object.fromEntries(Object.entries(h).filter(([k]) => k.toLowerCase() !== name.toLowerCase()));

/** Resend: the stored request again, now, as a new manual attempt. */
export async function resendLog(actor: Actor | null, name: string): Promise<ResendResult> {
  requireManager(actor);
  const result = await tx((t) => resendStored(t, name));
  notifyDeliveriesQueued();
  return result;
}

interface RequestView {
  method: string;
  url: string;
  /** Masked. */
  headers: Record<string, string>;
  body: string;
}

export interface ReRenderPreview {
  original: RequestView;
  rerendered: RequestView;
  /** Unified diff of the two, as text. */
  diff: string;
  changed: boolean;
}

const asText = (r: RequestView) =>
  [`${r.method} ${r.url}`, ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`), "", prettyJson(r.body), ""].join("\n");

// What finalize makes per send (ids, signatures, lengths) and the User-Agent it adds.
const SEND_TIME = new Set([...SEND_TIME_HEADERS, "user-agent"]);
const withoutSendTime = (h: Record<string, string>) =>
  Object.fromEntries(Object.entries(h).filter(([k]) => !SEND_TIME.has(k.toLowerCase())));

/** Both requests with masked headers, and a diff (what is made per send — ids, signatures — left out). */
export async function reRenderPreview(actor: Actor | null, name: string): Promise<ReRenderPreview> {
  requireManager(actor);
  const db = getDb();
  const log = await loadLog(db, name);
  const w = await loadWebhookOf(db, log);
  const req = await rerender(db, log, w.spec);
  const original: RequestView = {
    method: log.requestMethod ?? "",
    url: log.url ?? "",
    headers: withoutSendTime(withoutHeader(parseHeaders(log.headers), "webhook-id")),
    body: log.data ?? "",
  };
  const rerendered: RequestView = {
    method: req.method,
    url: req.url,
    headers: withoutSendTime(maskedHeaders(finalize(w.spec, req, { id: "", nowMs: Date.now() }).headers, w.spec)),
    body: req.body,
  };
  const a = asText(original);
  const b = asText(rerendered);
  // Without the "Index:/====" preamble: the dialog shows the unified diff itself.
  const diff = createTwoFilesPatch("original", "re-rendered", a, b, "", "", { context: 3 }).replace(/^=+\n/, "");
  return { original, rerendered, diff, changed: a !== b };
}

/** Re-render and send: the current document through the current webhook, as a manual attempt. */
export async function reRenderAndSend(actor: Actor | null, name: string): Promise<ResendResult> {
  requireManager(actor);
  const result = await rerenderAndQueue(getDb(), name);
  notifyDeliveriesQueued();
  return result;
}
