import "server-only";
// The form's Preview section and its lookups. The preview builds the *unsaved* form's
// request with lib/delivery's `prepare` — the one builder the dispatcher uses, rendering in
// the pool and signing now — so it lists every header the receiver gets, signatures
// included (values masked); Copy as cURL carries the real signatures.
import { and, asc, desc, eq } from "drizzle-orm";
import { getDb, type DB } from "@/db";
import { docfield, doctype, document, webhook, type Webhook } from "@/db/schema";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { encryptSecret } from "@/lib/crypto/secret-box";
import { curlCommand, maskedHeaders, prepare, toWebhookSpec } from "@/lib/delivery";
import { newId } from "@/lib/ids";
import { evaluateConditionOff } from "@/lib/renderer/pool";
import { prettyBody } from "@/lib/renderer/request";
import { checkTemplateSyntax } from "@/lib/renderer/template";
import { containsCi } from "../frappe-rest/keyset";
import { toColumns } from "./webhook-doc";
import { normalizeWebhookInput, webhookSchema, type WebhookValues } from "./webhook.schema";

const SELECT_DOCUMENT_CONDITION = "Select a document to check if it meets conditions.";
const SELECT_DOCUMENT_BODY = "Select a document to preview request data";

export interface PreviewResult {
  meets_condition: string;
  request_body: string;
  url: string;
  method: string;
  /** Final headers with secret-derived values masked. */
  headers: Record<string, string>;
  curl: string;
  error?: string;
  /** A template that does not compile: where (1-based; column when known) and why. */
  template_error?: { line: number; column?: number; message: string };
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The unsaved form as far as it parses: a half-typed field falls back to its default. */
export function lenient(raw: unknown): WebhookValues {
  const n = normalizeWebhookInput(raw);
  const input: Record<string, unknown> = n && typeof n === "object" ? { ...n } : {};
  const shape = webhookSchema.shape;
  const fallback: Partial<Record<keyof typeof shape, unknown>> = {
    name: "",
    webhook_doctype: "",
    webhook_docevent: "on_update",
    request_url: "",
  };
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(shape) as (keyof typeof shape)[]) {
    const r = shape[key].safeParse(input[key]);
    out[key] = r.success ? r.data : (fallback[key] ?? shape[key].safeParse(undefined).data);
  }
  // Every key of the schema was filled above, from the input or its default.
  return out as WebhookValues;
}

/** A webhook row for the renderer, built from the unsaved values and the stored secrets. */
export function draftRow(v: WebhookValues, stored: Webhook | undefined, actor: Actor): Webhook {
  const now = Date.now();
  const newSecret = v.webhook_secret?.trim() ? v.webhook_secret : undefined;
  return {
    name: v.name || stored?.name || "Preview",
    ...toColumns(v),
    webhookSecret: !v.enable_security ? null : newSecret !== undefined ? encryptSecret(newSecret) : (stored?.webhookSecret ?? null),
    previousSecret: newSecret === undefined ? (stored?.previousSecret ?? null) : null,
    previousSecretExpires: newSecret === undefined ? (stored?.previousSecretExpires ?? null) : null,
    apiKey: v.api_key?.trim() ? encryptSecret(v.api_key) : (stored?.apiKey ?? null),
    owner: stored?.owner ?? actor.user,
    modifiedBy: actor.user,
    created: stored?.created ?? now,
    modified: now,
  };
}

/** The saved webhook the form edits, if any (its stored secrets sign the preview). */
export async function storedRow(db: DB, savedName: string | null | undefined): Promise<Webhook | undefined> {
  if (!savedName) return undefined;
  const [row] = await db.select().from(webhook).where(eq(webhook.name, savedName)).limit(1);
  return row;
}

/** A stored document that is not deleted. */
export async function liveDocument(db: DB, doctypeName: string, name: string): Promise<{ data: Record<string, unknown> } | undefined> {
  const [row] = await db
    .select({ data: document.data })
    .from(document)
    .where(and(eq(document.doctype, doctypeName), eq(document.name, name), eq(document.deleted, false)))
    .limit(1);
  return row;
}

export async function previewWebhook(
  actor: Actor | null,
  unsaved: unknown,
  documentName: string | null | undefined,
  savedName?: string | null,
  db = getDb(),
): Promise<PreviewResult> {
  requireManager(actor);
  const v = lenient(unsaved);
  const stored = await storedRow(db, savedName);
  const syntax = v.request_structure === "JSON" ? checkTemplateSyntax(v.webhook_json) : null;
  const base = {
    url: v.is_dynamic_url ? "" : v.request_url,
    method: v.request_method,
    headers: {},
    curl: "",
    ...(syntax ? { template_error: syntax } : {}),
  };
  if (!documentName) return { ...base, meets_condition: SELECT_DOCUMENT_CONDITION, request_body: SELECT_DOCUMENT_BODY };

  const found = await liveDocument(db, v.webhook_doctype, documentName);
  if (!found) {
    const why = `${v.webhook_doctype || "Document"} ${documentName} not found`;
    return {
      ...base,
      meets_condition: `Failed to evaluate conditions: ${why}`,
      request_body: `Failed to compute request body: ${why}`,
      error: why,
    };
  }
  const doc = found.data;

  let meets: string;
  try {
    meets = (await evaluateConditionOff(v.condition, doc)) ? "Yes" : "No";
  } catch (e) {
    meets = `Failed to evaluate conditions: ${message(e)}`;
  }

  try {
    const now = Date.now();
    const spec = toWebhookSpec(draftRow(v, stored, actor), v.webhook_headers, v.webhook_data, now);
    const req = await prepare(
      spec,
      doc,
      { doctype: v.webhook_doctype, event: v.webhook_docevent, user: actor.user },
      { id: newId("msg_"), nowMs: now },
    );
    return {
      ...base,
      meets_condition: meets,
      request_body: prettyBody(req),
      url: req.url,
      method: req.method,
      headers: maskedHeaders(req.headers, spec),
      // Real signatures, made now; the API key only if it was typed in this form.
      curl: curlCommand(req, spec, !!v.api_key?.trim()),
    };
  } catch (e) {
    return { ...base, meets_condition: meets, request_body: `Failed to compute request body: ${message(e)}`, error: message(e) };
  }
}

/** Frappe's no_value_type fields carry no data; Table fields do (their rows). */
const NO_VALUE = new Set(["Section Break", "Column Break", "Tab Break", "HTML", "Button", "Image", "Fold", "Heading"]);
const TABLE_TYPES = new Set(["Table", "Table MultiSelect"]);
const STD_FIELDS = [
  ["owner", "Created By", "Link"],
  ["creation", "Created On", "Datetime"],
  ["modified", "Last Updated On", "Datetime"],
  ["modified_by", "Last Updated By", "Link"],
  ["docstatus", "Document Status", "Int"],
  ["idx", "Index", "Int"],
] as const;

export interface FieldOption {
  value: string;
  label: string;
}

/**
 * The Data table's Fieldname options, as Frappe's webhook.js builds them (Name first, then
 * `Label (Fieldtype)`, Table fields included, then the standard fields), plus each child
 * table's own fields as dotted paths ("items.item_code"), which send that column of rows.
 */
export async function doctypeFieldOptions(actor: Actor | null, doctypeName: string, db = getDb()): Promise<FieldOption[]> {
  requireManager(actor);
  const fieldsOf = (parent: string) =>
    db.select().from(docfield).where(eq(docfield.parent, parent)).orderBy(asc(docfield.idx), asc(docfield.fieldname));
  const fields = await fieldsOf(doctypeName);
  const out: FieldOption[] = [{ value: "name", label: "Name (Doc Name)" }];
  for (const f of fields) {
    if (NO_VALUE.has(f.fieldtype) || f.fieldname === "name") continue;
    out.push({ value: f.fieldname, label: `${f.label} (${f.fieldtype})` });
    if (TABLE_TYPES.has(f.fieldtype) && f.options) {
      for (const c of await fieldsOf(f.options)) {
        if (!NO_VALUE.has(c.fieldtype) && !TABLE_TYPES.has(c.fieldtype))
          out.push({ value: `${f.fieldname}.${c.fieldname}`, label: `${f.label} › ${c.label} (${c.fieldtype})` });
      }
    }
  }
  for (const [value, label, type] of STD_FIELDS)
    if (!fields.some((d) => d.fieldname === value)) out.push({ value, label: `${label} (${type})` });
  return out;
}

const TITLE_FIELDS = ["title", "customer_name", "subject", "full_name", "description"];

/** Stored documents of a DocType whose name contains `q`, newest first. */
export async function searchDocuments(
  actor: Actor | null,
  doctypeName: string,
  q = "",
  db = getDb(),
): Promise<{ name: string; title: string }[]> {
  requireManager(actor);
  if (!doctypeName) return [];
  const text = q.trim();
  const rows = await db
    .select({ name: document.name, data: document.data })
    .from(document)
    .where(and(eq(document.doctype, doctypeName), eq(document.deleted, false), text ? containsCi(document.name, text) : undefined))
    .orderBy(desc(document.modified), asc(document.name))
    .limit(20);
  return rows.map((r) => {
    const t = TITLE_FIELDS.map((f) => r.data[f]).find((x): x is string => typeof x === "string" && x.trim() !== "" && x !== r.name);
    return { name: r.name, title: t ? t.replace(/<[^>]*>/g, "").slice(0, 80) : "" };
  });
}

/** DocTypes a webhook can watch (not child tables), for the form's DocType select. */
export async function webhookDoctypes(actor: Actor | null, db: DB = getDb()): Promise<{ name: string; is_submittable: boolean }[]> {
  requireManager(actor);
  return db
    .select({ name: doctype.name, is_submittable: doctype.isSubmittable })
    .from(doctype)
    .where(eq(doctype.isChild, false))
    .orderBy(asc(doctype.name));
}
