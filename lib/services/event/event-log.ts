import "server-only";
// Received events and their routing trail (why a webhook did or didn't fire), read side.
// Ingest (lib/services/events.ts) writes them; this lists and shows them.
import { and, asc, desc, eq, inArray, type SQL } from "drizzle-orm";
import { getDb } from "@/db";
import { document, event, webhook, webhookRequestLog } from "@/db/schema";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { subscribedEvents } from "@/lib/delivery/webhook-spec";
import { notFound } from "@/lib/errors";
import { decodeCursor, finishPage, pageLimit, seek, type KeysetPage, type SortOrder } from "../frappe-rest/keyset";
import type { RoutingEntry } from "./routing";

interface EventRow {
  id: string;
  doctype: string;
  docname: string;
  event: string;
  user: string | null;
  postedBy: string | null;
  created: number;
  /** Webhooks that matched (a request was made or would have been). */
  matched: number;
  webhooks: number;
}

export interface EventFilters {
  doctype?: string;
  docname?: string;
  event?: string;
  user?: string;
}

const COLUMNS = {
  id: event.id,
  doctype: event.doctype,
  docname: event.docname,
  event: event.event,
  user: event.user,
  postedBy: event.postedBy,
  routing: event.routing,
  created: event.created,
};

interface Raw {
  id: string;
  doctype: string;
  docname: string;
  event: string;
  user: string | null;
  postedBy: string | null;
  routing: unknown;
  created: number;
}

function parseRouting(v: unknown): RoutingEntry[] {
  if (!Array.isArray(v)) return [];
  return v.filter((e): e is RoutingEntry => !!e && typeof e === "object" && typeof (e as { webhook?: unknown }).webhook === "string");
}

const toRow = ({ routing, ...r }: Raw): EventRow => {
  const entries = parseRouting(routing);
  return { ...r, matched: entries.filter((e) => e.matched).length, webhooks: entries.length };
};

export type EventPage = KeysetPage<EventRow>;

/** One page, newest first unless asked otherwise; keyset on (created, id), as the Request Log and the Activity Log page. */
export async function listEvents(
  actor: Actor | null,
  f: EventFilters = {},
  options: { cursor?: string | null; limit?: number; order?: SortOrder } = {},
): Promise<EventPage> {
  requireManager(actor);
  const where: SQL[] = [];
  for (const [key, col] of [
    ["doctype", event.doctype],
    ["docname", event.docname],
    ["event", event.event],
    ["user", event.user],
  ] as const) {
    const v = f[key]?.trim();
    if (v) where.push(eq(col, v));
  }
  const cursor = decodeCursor(options.cursor);
  const limit = pageLimit(options.limit, 200);
  const s = seek(cursor, options.order === "asc" ? "asc" : "desc", { time: event.created, key: event.id });
  const fetched = await getDb()
    .select(COLUMNS)
    .from(event)
    .where(and(...where, s.where))
    .orderBy(...s.orderBy)
    .limit(limit + 1);
  return finishPage(fetched.map(toRow), limit, cursor, (r) => ({ at: r.created, key: r.id }));
}

interface EventLogRef {
  name: string;
  webhook: string | null;
  status: string;
  httpStatus: number | null;
}

export interface EventDetail extends EventRow {
  apiKey: string | null;
  routing: RoutingEntry[];
  logs: EventLogRef[];
  /** Doc Events each webhook of the trail subscribes to now (for "Subscribed to other events"). */
  subscribed: Record<string, string[]>;
}

export async function getEvent(actor: Actor | null, id: string): Promise<EventDetail> {
  requireManager(actor);
  const db = getDb();
  const [raw] = await db
    .select({ ...COLUMNS, apiKey: event.apiKey })
    .from(event)
    .where(eq(event.id, id))
    .limit(1);
  if (!raw) throw notFound(`Event ${id}`);
  const logs = await db
    .select({
      name: webhookRequestLog.name,
      webhook: webhookRequestLog.webhook,
      status: webhookRequestLog.status,
      httpStatus: webhookRequestLog.httpStatus,
    })
    .from(webhookRequestLog)
    .where(eq(webhookRequestLog.event, id))
    .orderBy(asc(webhookRequestLog.created), asc(webhookRequestLog.name));
  const routing = parseRouting(raw.routing);
  const names = [...new Set(routing.map((e) => e.webhook))];
  const hooks = names.length
    ? await db
        .select({ name: webhook.name, webhookDocevent: webhook.webhookDocevent, webhookEvents: webhook.webhookEvents })
        .from(webhook)
        .where(inArray(webhook.name, names))
    : [];
  const byName = new Map(hooks.map((w) => [w.name, w]));
  const subscribed: Record<string, string[]> = {};
  for (const e of routing) {
    const w = byName.get(e.webhook);
    if (!w) continue;
    subscribed[e.webhook] = subscribedEvents(w);
  }
  return { ...toRow(raw), apiKey: raw.apiKey, routing, logs, subscribed };
}

/** The routing reason as the trail shows it. */
export function reasonText(e: RoutingEntry, subscribed?: string[]): string {
  switch (e.reason) {
    case "disabled":
      return "Disabled";
    case "other_event":
      return subscribed?.length ? `Subscribed to other events (${subscribed.join(", ")})` : "Subscribed to other events";
    case "condition_false":
      return "Condition was False";
    case "condition_error":
      return `Condition failed to evaluate: ${e.error ?? ""}`;
    case "render_error":
      return `Render error: ${e.error ?? ""}`;
    case "superseded":
      return "Superseded by a later event for the same document in this request";
    default:
      return e.matched ? "" : "Not matched";
  }
}

/** `doc.status = "Draft"` lines for the values a condition read. */
export function valuesText(values: Record<string, unknown> | undefined): string[] {
  return Object.entries(values ?? {}).map(([k, v]) => `${k} = ${v === undefined ? "None" : JSON.stringify(v)}`);
}

export interface StoredDocumentView {
  doctype: string;
  name: string;
  data: string;
  deleted: boolean;
  modified: number;
  events: EventRow[];
}

/** The latest snapshot of a host document, as last posted to /api/events, with its recent events. */
export async function getStoredDocument(actor: Actor | null, doctype: string, name: string): Promise<StoredDocumentView> {
  requireManager(actor);
  const db = getDb();
  const [row] = await db
    .select()
    .from(document)
    .where(and(eq(document.doctype, doctype), eq(document.name, name)))
    .limit(1);
  if (!row) throw notFound(`${doctype} ${name}`);
  const events = await db
    .select(COLUMNS)
    .from(event)
    .where(and(eq(event.doctype, doctype), eq(event.docname, name)))
    .orderBy(desc(event.created), desc(event.id))
    .limit(20);
  return { ...row, data: JSON.stringify(row.data), events: events.map(toRow) };
}
