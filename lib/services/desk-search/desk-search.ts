import "server-only";
// The awesomebar's search (GET /api/desk-search?q=…): records whose name matches what a
// System Manager typed, a few of each kind, every query on an index so the answer stays
// fast however large the Request Log grows.
//  - Webhooks, DocTypes and Users (small tables): the text anywhere in the name (and a user's
//    email and full name), case-insensitively.
//  - Documents, i.e. the Request Log by reference document: stored documents (one row per
//    document, not per log entry) whose name starts with the text, as typed or in capitals
//    (Frappe names are mostly capitals: QTN-00001), one primary-key range per DocType. Each
//    leads to the Request Log filtered to that document.
//  - A Request Log entry or an event by its own name, when the text is the start of one
//    (log_…, evt_…): a range on the primary key.
// The desk's pages are matched in the browser, from the sidebar.
import { and, asc, eq, gte, lt, or } from "drizzle-orm";
import { getDb, type DB } from "@/db";
import { doctype, document, event, user, webhook, webhookRequestLog } from "@/db/schema";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { containsCi } from "@/lib/services/frappe-rest/keyset";

export interface DeskSearchResult {
  kind: "Webhook" | "Document" | "Webhook Request Log" | "Event" | "DocType" | "User";
  /** What was found (its name). */
  label: string;
  /** A second line: the DocType, the status, the email. */
  description: string;
  href: string;
}

const EACH = 5;
const MAX_QUERY = 140;
/** Above every character a name holds: `q + END` bounds the names that start with q. */
const END = "\uffff";

const enc = encodeURIComponent;
const startsWith = (col: Parameters<typeof gte>[0], q: string) => and(gte(col, q), lt(col, q + END));

/** Webhooks, documents (the Request Log by reference document), log entries, events, DocTypes and users matching `q`. */
export async function searchDesk(actor: Actor | null, raw: string, db: DB = getDb()): Promise<DeskSearchResult[]> {
  requireManager(actor);
  const q = raw.trim().slice(0, MAX_QUERY);
  if (!q) return [];
  const [webhooks, docs, logs, events, doctypes, users] = await Promise.all([
    db
      .select({ name: webhook.name, doctype: webhook.webhookDoctype, enabled: webhook.enabled })
      .from(webhook)
      .where(containsCi(webhook.name, q))
      .orderBy(asc(webhook.name))
      .limit(EACH),
    documentsStartingWith(db, q),
    db
      .select({ name: webhookRequestLog.name, status: webhookRequestLog.status, doc: webhookRequestLog.referenceDocument })
      .from(webhookRequestLog)
      .where(startsWith(webhookRequestLog.name, q))
      .orderBy(asc(webhookRequestLog.name))
      .limit(EACH),
    db
      .select({ id: event.id, doctype: event.doctype, docname: event.docname, event: event.event })
      .from(event)
      .where(startsWith(event.id, q))
      .orderBy(asc(event.id))
      .limit(EACH),
    db.select({ name: doctype.name }).from(doctype).where(containsCi(doctype.name, q)).orderBy(asc(doctype.name)).limit(EACH),
    db
      .select({ name: user.name, email: user.email, fullName: user.fullName })
      .from(user)
      .where(or(containsCi(user.name, q), containsCi(user.email, q), containsCi(user.fullName, q)))
      .orderBy(asc(user.name))
      .limit(EACH),
  ]);
  return [
    ...webhooks.map((w) => ({
      kind: "Webhook" as const,
      label: w.name,
      description: `${w.doctype}${w.enabled ? "" : " · Disabled"}`,
      href: `/app/webhook/${enc(w.name)}`,
    })),
    ...docs.map((d) => ({
      kind: "Document" as const,
      label: d.name,
      description: `${d.doctype} · its Webhook Request Log`,
      href: `/app/webhook-request-log?reference_doctype=${enc(d.doctype)}&reference_document=${enc(d.name)}`,
    })),
    ...logs.map((l) => ({
      kind: "Webhook Request Log" as const,
      label: l.name,
      description: [l.status, l.doc].filter(Boolean).join(" · "),
      href: `/app/webhook-request-log/${enc(l.name)}`,
    })),
    ...events.map((e) => ({
      kind: "Event" as const,
      label: e.id,
      description: `${e.event} · ${e.doctype} ${e.docname}`,
      href: `/app/event/${enc(e.id)}`,
    })),
    ...doctypes.map((d) => ({ kind: "DocType" as const, label: d.name, description: "DocType", href: `/app/doctype/${enc(d.name)}` })),
    ...users.map((u) => ({
      kind: "User" as const,
      label: u.fullName || u.name,
      description: u.email,
      href: `/app/user/${enc(u.name)}`,
    })),
  ];
}

/** Up to EACH stored documents whose name starts with `q` (as typed, or in capitals), DocType by DocType. */
async function documentsStartingWith(db: DB, q: string): Promise<{ doctype: string; name: string }[]> {
  const prefixes = [...new Set([q, q.toUpperCase()])];
  const names = (await db.select({ name: doctype.name }).from(doctype).orderBy(asc(doctype.name))).map((d) => d.name);
  const found: { doctype: string; name: string }[] = [];
  for (const dt of names) {
    for (const p of prefixes) {
      const rows = await db
        .select({ doctype: document.doctype, name: document.name })
        .from(document)
        .where(and(eq(document.doctype, dt), startsWith(document.name, p)))
        .orderBy(asc(document.name))
        .limit(EACH - found.length);
      for (const r of rows) if (!found.some((f) => f.doctype === r.doctype && f.name === r.name)) found.push(r);
      if (found.length >= EACH) return found;
    }
  }
  return found;
}
