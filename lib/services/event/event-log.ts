import "server-only";
// Received events and their routing trail (why a webhook did or didn't fire), read side.
// Ingest (lib/services/events.ts) writes them; this lists and shows them.
import { getDb } from "@/db";
import type { Actor } from "@/lib/auth/roles";
import { AppError, notFound } from "@/lib/errors";
import { requireManager } from "../request-log/request-log-common";
import type { RoutingEntry } from "./routing";

export interface EventRow {
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

interface Raw {
  id: string;
  doctype: string;
  docname: string;
  event: string;
  user: string | null;
  postedBy: string | null;
  routing: string;
  created: number;
}

function parseRouting(json: string): RoutingEntry[] {
  try {
    const v: unknown = JSON.parse(json);
    if (!Array.isArray(v)) return [];
    return v.filter((e): e is RoutingEntry => !!e && typeof e === "object" && typeof (e as { webhook?: unknown }).webhook === "string");
  } catch {
    return [];
  }
}

const toRow = ({ routing, ...r }: Raw): EventRow => {
  const entries = parseRouting(routing);
  return { ...r, matched: entries.filter((e) => e.matched).length, webhooks: entries.length };
};

const COLUMNS = `id, doctype, docname, event, user, posted_by AS postedBy, routing, created`;

/** Newest first, keyset on (created, id) like the Request Log; `cursor` is "<created>.<id>". */
export function listEvents(
  actor: Actor | null,
  f: EventFilters = {},
  cursor?: string | null,
  limit = 20,
): { rows: EventRow[]; next?: string } {
  requireManager(actor);
  const where: string[] = [];
  const params: Record<string, string | number> = {};
  for (const [key, col] of [
    ["doctype", "doctype"],
    ["docname", "docname"],
    ["event", "event"],
    ["user", "user"],
  ] as const) {
    const v = f[key]?.trim();
    if (v) {
      where.push(`${col} = @${key}`);
      params[key] = v;
    }
  }
  if (cursor) {
    const m = /^(\d{1,16})\.(.{1,300})$/.exec(cursor);
    if (!m?.[1] || !m[2]) throw new AppError("BAD_REQUEST", "Invalid cursor");
    where.push(`created <= @cCreated AND (created < @cCreated OR id < @cId)`);
    params.cCreated = Number(m[1]);
    params.cId = m[2];
  }
  const n = Math.min(Math.max(1, limit), 200);
  const raws = getDb()
    .$client.prepare(
      `SELECT ${COLUMNS} FROM event ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY created DESC, id DESC LIMIT ${n + 1}`,
    )
    .all(params) as Raw[];
  const rows = raws.slice(0, n).map(toRow);
  const last = rows[rows.length - 1];
  return { rows, ...(raws.length > n && last ? { next: `${last.created}.${last.id}` } : {}) };
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

export function getEvent(actor: Actor | null, id: string): EventDetail {
  requireManager(actor);
  const db = getDb().$client;
  const raw = db.prepare(`SELECT ${COLUMNS}, api_key AS apiKey FROM event WHERE id = ?`).get(id) as
    (Raw & { apiKey: string | null }) | undefined;
  if (!raw) throw notFound(`Event ${id}`);
  const logs = db
    .prepare(`SELECT name, webhook, status, http_status AS httpStatus FROM webhook_request_log WHERE event = ? ORDER BY created, name`)
    .all(id) as EventLogRef[];
  const routing = parseRouting(raw.routing);
  const subscribed: Record<string, string[]> = {};
  const hook = db.prepare(`SELECT webhook_docevent AS docevent, webhook_events AS events FROM webhook WHERE name = ?`);
  for (const e of routing) {
    const w = hook.get(e.webhook) as { docevent: string; events: string } | undefined;
    if (!w) continue;
    const events = parseRoutingEvents(w.events);
    subscribed[e.webhook] = events.length ? events : [w.docevent];
  }
  return { ...toRow(raw), apiKey: raw.apiKey, routing, logs, subscribed };
}

function parseRoutingEvents(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
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
export function getStoredDocument(actor: Actor | null, doctype: string, name: string): StoredDocumentView {
  requireManager(actor);
  const db = getDb().$client;
  const row = db
    .prepare(`SELECT doctype, name, data, deleted, modified FROM document WHERE doctype = ? AND name = ?`)
    .get(doctype, name) as { doctype: string; name: string; data: string; deleted: number; modified: number } | undefined;
  if (!row) throw notFound(`${doctype} ${name}`);
  const events = (
    db
      .prepare(`SELECT ${COLUMNS} FROM event WHERE doctype = ? AND docname = ? ORDER BY created DESC, id DESC LIMIT 20`)
      .all(doctype, name) as Raw[]
  ).map(toRow);
  return { ...row, deleted: !!row.deleted, events };
}
