import "server-only";
// Frappe's Version for the Webhook (track_changes): which fields a save changed, with
// secrets and secret-looking header values redacted before they reach the table.
import { and, desc, eq } from "drizzle-orm";
import { getDb } from "@/db";
import { version } from "@/db/schema";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { type WebhookDoc } from "./webhook-doc";

export const REDACTED = "***";

type Row = Record<string, string>;
// A type, not an interface: it must fit the JSON column's Record<string, unknown>.
export type VersionData = {
  /** An action that is not a field edit, e.g. "webhook_secret rotated". */
  comment?: string;
  changed?: [field: string, before: unknown, after: unknown][];
  added?: [table: string, row: Row][];
  removed?: [table: string, row: Row][];
  row_changed?: [table: string, idx: number, name: string, changes: [string, unknown, unknown][]][];
};

export interface VersionEntry {
  id: number;
  owner: string;
  created: number;
  data: VersionData;
}

const SCALARS = [
  "webhook_doctype",
  "webhook_docevent",
  "webhook_events",
  "enabled",
  "condition",
  "request_url",
  "is_dynamic_url",
  "timeout",
  "background_jobs_queue",
  "max_requests_per_second",
  "send_in_order",
  "request_method",
  "request_structure",
  "enable_security",
  "signature_scheme",
  "webhook_json",
  "max_retries",
  "disable_after",
  "notification_type",
  "api_key_header",
] as const satisfies readonly (keyof WebhookDoc)[];

const SENSITIVE_HEADER = /authorization|token|secret|password|passwd|api[-_ ]?key|signature|cookie|credential/i;

function redactRow(table: string, row: Row): Row {
  if (table === "webhook_headers" && SENSITIVE_HEADER.test(row.key ?? "")) return { ...row, value: REDACTED };
  return row;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function diffTable(table: "webhook_headers" | "webhook_data", before: Row[], after: Row[], out: Required<Omit<VersionData, "comment">>) {
  const n = Math.max(before.length, after.length);
  for (let i = 0; i < n; i++) {
    const a = before[i];
    const b = after[i];
    if (a && !b) out.removed.push([table, redactRow(table, a)]);
    else if (!a && b) out.added.push([table, redactRow(table, b)]);
    else if (a && b && !same(a, b)) {
      const ra = redactRow(table, a);
      const rb = redactRow(table, b);
      const changes = Object.keys(b)
        .filter((k) => a[k] !== b[k])
        .map((k): [string, unknown, unknown] => [k, ra[k], rb[k]]);
      out.row_changed.push([table, i, `${table}-${i + 1}`, changes]);
    }
  }
}

/** What changed between two saved states, or null when nothing did. */
export function webhookDiff(
  before: WebhookDoc,
  after: WebhookDoc,
  secrets: { secretChanged: boolean; apiKeyChanged: boolean },
): VersionData | null {
  const out: Required<Omit<VersionData, "comment">> = { changed: [], added: [], removed: [], row_changed: [] };
  for (const k of SCALARS) if (!same(before[k], after[k])) out.changed.push([k, before[k], after[k]]);
  if (secrets.secretChanged)
    out.changed.push(["webhook_secret", before.has_webhook_secret ? REDACTED : "", after.has_webhook_secret ? REDACTED : ""]);
  if (secrets.apiKeyChanged) out.changed.push(["api_key", before.has_api_key ? REDACTED : "", after.has_api_key ? REDACTED : ""]);
  diffTable("webhook_headers", before.webhook_headers, after.webhook_headers, out);
  diffTable("webhook_data", before.webhook_data, after.webhook_data, out);
  const data: VersionData = {};
  if (out.changed.length) data.changed = out.changed;
  if (out.added.length) data.added = out.added;
  if (out.removed.length) data.removed = out.removed;
  if (out.row_changed.length) data.row_changed = out.row_changed;
  return Object.keys(data).length ? data : null;
}

/** Newest first. */
export async function listVersions(actor: Actor | null, name: string, db = getDb()): Promise<VersionEntry[]> {
  requireManager(actor);
  const rows = await db
    .select()
    .from(version)
    .where(and(eq(version.refDoctype, "Webhook"), eq(version.docname, name)))
    .orderBy(desc(version.created), desc(version.id))
    .limit(100);
  return rows.map((v) => ({ id: v.id, owner: v.owner, created: v.created, data: v.data as VersionData }));
}
