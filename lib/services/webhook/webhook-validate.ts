import "server-only";
// Frappe's Webhook.validate(), rule by rule and message by message (frappe/integrations/
// doctype/webhook/webhook.py), run on the server for the form and the REST resource alike.
import { and, asc, desc, eq } from "drizzle-orm";
import type { DB } from "@/db";
import { doctype, document } from "@/db/schema";
import { SUBMIT_EVENTS, type DocEvent } from "@/lib/constants";
import { AppError } from "@/lib/errors";
import { conditionSyntaxMessage } from "@/lib/renderer/condition";
import { renderTemplate, templateSyntaxMessage } from "@/lib/renderer/template";
import type { WebhookValues } from "./webhook.schema";

const SUBMITTABLE_MESSAGE = "DocType must be Submittable for the selected Doc Event";
const REQUEST_URL_MESSAGE = "Check Request URL";
const SECRET_MESSAGE = "Invalid Webhook Secret";

/** A header name as HTTP allows it (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function hasHost(url: string): boolean {
  const text = url.trim();
  // WHATWG URL skips extra slashes, reading "https:///hook" as host "hook"; like Python's
  // urlparse (Frappe), the host must follow "//" directly.
  if (!/^https?:\/\/[^/\\?#]/i.test(text)) return false;
  try {
    const u = new URL(text);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}

/**
 * Checks a webhook about to be saved and returns it as it will be stored (Frappe clears
 * the body the structure does not use). Collects every failing rule so the form can show
 * each at its field; the error's message is the first one, in Frappe's order.
 */
export async function validateWebhook(db: DB, v: WebhookValues, opts: { storedSecret: boolean }): Promise<WebhookValues> {
  const fields: Record<string, string> = {};
  const fail = (field: string, message: string) => {
    fields[field] ??= message;
  };
  const out: WebhookValues = {
    ...v,
    // Frappe's docs write the key as "Content-Type:"; store the header name itself.
    webhook_headers: v.webhook_headers
      .map((h) => ({ key: h.key.replace(/\s*:\s*$/, ""), value: h.value }))
      .filter((h) => h.key !== "" || h.value.trim() !== ""),
    webhook_data: v.webhook_data
      .filter((d) => d.fieldname !== "" || d.key !== "")
      .map((d) => ({ fieldname: d.fieldname, key: d.key || d.fieldname })),
  };

  // webhook_events, when used, replace Doc Event for routing: keep Doc Event among them.
  if (out.webhook_events.length) out.webhook_events = [...new Set([out.webhook_docevent, ...out.webhook_events])];

  // validate_docevent (also for every extra Doc Event of webhook_events)
  const [dt] = await db.select().from(doctype).where(eq(doctype.name, out.webhook_doctype)).limit(1);
  if (!dt) fail("webhook_doctype", `Could not find DocType: ${out.webhook_doctype}`);
  const events: DocEvent[] = [out.webhook_docevent, ...out.webhook_events];
  if (dt && !dt.isSubmittable && events.some((e) => SUBMIT_EVENTS.includes(e))) {
    // At the field that holds the submit event: Doc Event, else one of Webhook Events.
    fail(SUBMIT_EVENTS.includes(out.webhook_docevent) ? "webhook_docevent" : "webhook_events", SUBMITTABLE_MESSAGE);
  }

  // validate_condition: only whether it parses. Frappe also evaluates it against a blank
  // document and so rejects valid conditions such as `doc.total > 40000` (frappe#27449).
  const conditionError = conditionSyntaxMessage(out.condition);
  if (conditionError) fail("condition", `Invalid Condition: ${conditionError}`);

  // validate_request_url: the URL needs a host; a dynamic URL must render to one.
  if (out.is_dynamic_url) {
    const syntax = templateSyntaxMessage(out.request_url);
    if (syntax) fail("request_url", `${REQUEST_URL_MESSAGE}: ${syntax}`);
    else if (!(await dynamicUrlRendersHost(db, out))) fail("request_url", REQUEST_URL_MESSAGE);
  } else if (!hasHost(out.request_url)) {
    fail("request_url", REQUEST_URL_MESSAGE);
  }

  // validate_request_body: each structure keeps only the body it sends.
  if (out.request_structure === "Form URL-Encoded") {
    out.webhook_json = "";
  } else if (out.request_structure === "JSON") {
    const syntax = templateSyntaxMessage(out.webhook_json);
    if (syntax) fail("webhook_json", syntax);
    out.webhook_data = [];
  }

  out.webhook_headers.forEach((h, i) => {
    const key = h.key;
    if (!key) fail("webhook_headers", `Row #${i + 1}: Key is required in Headers`);
    else if (!HEADER_NAME.test(key)) fail("webhook_headers", `Row #${i + 1}: "${h.key}" is not a valid header name`);
    else if (/[\r\n]/.test(h.value)) fail("webhook_headers", `Row #${i + 1}: a header value cannot contain line breaks`);
  });

  // validate_repeating_fields (also in the zod schema, so the form shows it before saving)
  const names = out.webhook_data.map((d) => d.fieldname);
  if (names.some((n) => n === "")) fail("webhook_data", `Row #${names.indexOf("") + 1}: Fieldname is required in Data`);
  if (new Set(names).size !== names.length) fail("webhook_data", "Same Field is entered more than once");

  // validate_secret: a blank or omitted secret keeps the stored one, if there is one.
  if (out.enable_security && !out.webhook_secret?.trim() && !opts.storedSecret) fail("webhook_secret", SECRET_MESSAGE);

  const first = Object.values(fields)[0];
  if (first) throw new AppError("VALIDATION_ERROR", first, fields);
  return out;
}

/** "https:", "mailto:", "localhost:" — anything URL parsers would read as a scheme. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** The webhook's Preview Document, else the most recently modified stored document of its DocType. */
async function sampleDocument(db: DB, v: WebhookValues): Promise<Record<string, unknown> | undefined> {
  const live = and(eq(document.doctype, v.webhook_doctype), eq(document.deleted, false));
  const preview = v.preview_document?.trim();
  if (preview) {
    const [row] = await db
      .select({ data: document.data })
      .from(document)
      .where(and(live, eq(document.name, preview)))
      .limit(1);
    if (row) return row.data;
  }
  const [latest] = await db
    .select({ data: document.data })
    .from(document)
    .where(live)
    .orderBy(desc(document.modified), asc(document.name))
    .limit(1);
  return latest?.data;
}

/**
 * A dynamic URL is checked against what it renders to for a real document. Without one,
 * a blank document stands in, and like conditions (frappe#27449) a URL that only works
 * with real data (`{{ doc.url }}` renders empty) is not rejected for it: only a result
 * with a scheme but no host (`https://{{ doc.host }}` → "https://") is.
 */
async function dynamicUrlRendersHost(db: DB, v: WebhookValues): Promise<boolean> {
  const sample = await sampleDocument(db, v);
  if (sample) {
    try {
      return hasHost(renderTemplate(v.request_url, { doc: sample }));
    } catch {
      return false;
    }
  }
  let url: string;
  try {
    url = renderTemplate(v.request_url, { doc: { doctype: v.webhook_doctype, name: "" } }).trim();
  } catch {
    // A runtime error against a blank document says nothing about real ones.
    return true;
  }
  return url === "" || !SCHEME.test(url) || hasHost(url);
}
