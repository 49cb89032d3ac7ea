// The Webhook's input, shared by the form (zodResolver) and the server, which parses again.
// Drizzle-free and server-free so the client form can import it. Keys are Frappe fieldnames.
import { z } from "@/lib/zod";
import { DOC_EVENTS, NOTIFICATION_TYPES, REQUEST_METHODS, REQUEST_STRUCTURES, SIGNATURE_SCHEMES } from "@/lib/constants";

const DUPLICATE_FIELD_MESSAGE = "Same Field is entered more than once";
const TIMEOUT_MESSAGE = "Request Timeout must be a positive number of seconds";
const RATE_MESSAGE = "Max Requests per Second must be a positive number (blank: no limit)";

const webhookHeaderSchema = z.object({
  key: z.string().trim().max(1000).default(""),
  value: z.string().max(10_000).default(""),
});

const webhookDataSchema = z.object({
  fieldname: z.string().trim().max(140).default(""),
  key: z.string().trim().max(1000).default(""),
});

/** "X is required" when blank, else the allowed values (zod's own wording lists them with quotes and pipes). */
const oneOf = (label: string, values: readonly string[]) => (issue: { input?: unknown }) =>
  issue.input === undefined || issue.input === null || issue.input === ""
    ? `${label} is required`
    : `${label} must be one of ${values.map((v) => v || '""').join(", ")}`;

const required = (label: string) =>
  z
    .string({ error: `${label} is required` })
    .trim()
    .min(1, `${label} is required`);

export const webhookSchema = z
  .object({
    name: required("Webhook Name")
      .max(140, "Webhook Name must be at most 140 characters")
      // The name is a URL segment (/app/webhook/<name>, /api/resource/Webhook/<name>).
      .refine((v) => !/[/\\]/.test(v), "Webhook Name cannot contain / or \\")
      // /app/webhook/new is the new-webhook form.
      .refine((v) => v.toLowerCase() !== "new", 'Webhook Name cannot be "new"'),
    webhook_doctype: required("DocType").max(140),
    webhook_docevent: z.enum(DOC_EVENTS, { error: oneOf("Doc Event", DOC_EVENTS) }),
    /** Later issue: several Doc Events at once; empty = just webhook_docevent. */
    webhook_events: z.array(z.enum(DOC_EVENTS, { error: oneOf("Webhook Events", DOC_EVENTS) })).default([]),
    enabled: z.boolean().default(true),
    condition: z.string().max(10_000).default(""),
    // Blank is one more URL without a host: Frappe's message covers it.
    request_url: z.string({ error: "Check Request URL" }).trim().min(1, "Check Request URL").max(2000),
    is_dynamic_url: z.boolean().default(false),
    timeout: z
      .number({ error: TIMEOUT_MESSAGE })
      .int(TIMEOUT_MESSAGE)
      .positive(TIMEOUT_MESSAGE)
      .max(3600, "Request Timeout must be at most 3600 seconds")
      .default(5),
    background_jobs_queue: z.string().trim().max(140).default("default"),
    /** Blank (null): no limit. Decimals allowed: 0.5 is one request every 2 seconds. */
    max_requests_per_second: z
      .number({ error: RATE_MESSAGE })
      .positive(RATE_MESSAGE)
      .max(10_000, "Max Requests per Second must be at most 10000")
      .nullable()
      .default(null),
    /** Send in Order per Document: a document's next request waits for the previous one to end. */
    send_in_order: z.boolean().default(false),
    request_method: z.enum(REQUEST_METHODS, { error: oneOf("Request Method", REQUEST_METHODS) }).default("POST"),
    request_structure: z.enum(REQUEST_STRUCTURES, { error: oneOf("Request Structure", REQUEST_STRUCTURES) }).default(""),
    enable_security: z.boolean().default(false),
    /** Write-only. Omitted = keep the stored one; "" with security off = clear; else replace. */
    webhook_secret: z.string().max(1000).optional(),
    signature_scheme: z.enum(SIGNATURE_SCHEMES, { error: oneOf("Signature Scheme", SIGNATURE_SCHEMES) }).default("frappe"),
    webhook_headers: z.array(webhookHeaderSchema).max(100).default([]),
    webhook_data: z.array(webhookDataSchema).max(500).default([]),
    webhook_json: z.string().max(100_000).default(""),
    preview_document: z.string().max(140).nullish(),
    max_retries: z
      .number({ error: "Max Retries must be a whole number" })
      .int("Max Retries must be a whole number")
      .min(0)
      .max(50)
      .default(5),
    disable_after: z
      .number({ error: "Disable After must be a number of days" })
      .min(0, "Disable After must be 0 (never) or more days")
      .max(365, "Disable After must be at most 365 days")
      .default(5),
    notification_type: z.enum(NOTIFICATION_TYPES, { error: oneOf("Notification Type", NOTIFICATION_TYPES) }).default("REST"),
    /** Write-only like the secret. */
    api_key: z.string().max(1000).optional(),
    api_key_header: z.string().trim().max(140).default("X-API-Key"),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    for (const row of v.webhook_data) {
      if (seen.has(row.fieldname)) {
        ctx.addIssue({ code: "custom", path: ["webhook_data"], message: DUPLICATE_FIELD_MESSAGE });
        return;
      }
      seen.add(row.fieldname);
    }
  });

/** What the form edits and the REST resource accepts (before defaults). */
export type WebhookInput = z.input<typeof webhookSchema>;
/** After parsing: every default applied. */
export type WebhookValues = z.output<typeof webhookSchema>;

/** Frappe fieldnames whose value is a Check (0/1 on the wire, booleans here). */
const CHECK_FIELDS = ["enabled", "is_dynamic_url", "enable_security", "send_in_order"] as const;
const INT_FIELDS = ["timeout", "max_retries", "disable_after"] as const;
/** The seed text drops underscores from some fieldnames; accept those spellings too. */
const ALIASES: Record<string, string> = {
  isdynamicurl: "is_dynamic_url",
  backgroundjobsqueue: "background_jobs_queue",
  previewrequestbody: "preview_request_body",
  enablesecurity: "enable_security",
  webhooksecret: "webhook_secret",
  requesturl: "request_url",
  requestmethod: "request_method",
  requeststructure: "request_structure",
  webhookdoctype: "webhook_doctype",
  webhookdocevent: "webhook_docevent",
  webhookheaders: "webhook_headers",
  webhookdata: "webhook_data",
  webhookjson: "webhook_json",
  previewdocument: "preview_document",
  maxretries: "max_retries",
  maxrequestspersecond: "max_requests_per_second",
  sendinorder: "send_in_order",
};
/** Read-only or computed fields a client may echo back from a GET; never written. */
const IGNORED = new Set([
  "preview_request_body",
  "meets_condition",
  "has_webhook_secret",
  "has_api_key",
  "health",
  "doctype",
  "docstatus",
  "idx",
  "owner",
  "modified_by",
  "creation",
  "modified",
]);

const toBool = (v: unknown): unknown => {
  if (v === 1 || v === "1" || v === "true") return true;
  if (v === 0 || v === "0" || v === "false" || v === null || v === "") return false;
  return v;
};
const toInt = (v: unknown): unknown => (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v);

/**
 * Frappe-style JSON → this schema's shape: aliases, 0/1 checks, numeric strings, and a
 * masked secret echoed back from a GET ("*****") meaning "keep". Unknown keys pass
 * through to zod, which strips them.
 */
export function normalizeWebhookInput(raw: unknown): unknown {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const key = ALIASES[k] ?? k;
    if (IGNORED.has(key)) continue;
    // A canonical key wins over its alias whatever the order.
    if (key !== k && key in raw) continue;
    out[key] = v;
  }
  for (const k of CHECK_FIELDS) if (k in out) out[k] = toBool(out[k]);
  for (const k of INT_FIELDS) if (k in out) out[k] = toInt(out[k]);
  // A Float field: blank is no limit; numeric text is its number (anything else fails at the field).
  if ("max_requests_per_second" in out) {
    const rate = out.max_requests_per_second;
    out.max_requests_per_second = rate === "" || rate === null ? null : toInt(rate);
  }
  for (const k of ["webhook_secret", "api_key"] as const) {
    const v = out[k];
    if (v === null || (typeof v === "string" && /^\*+$/.test(v) && v.length > 0)) delete out[k];
  }
  if (out.request_structure === null) out.request_structure = "";
  for (const k of ["condition", "webhook_json"] as const) if (out[k] === null) out[k] = "";
  return out;
}

/** The form's starting values for a new webhook (Frappe's defaults); Doc Event starts blank. */
export const NEW_WEBHOOK: Omit<WebhookInput, "webhook_docevent"> = {
  name: "",
  webhook_doctype: "",
  webhook_events: [],
  enabled: true,
  condition: "",
  request_url: "",
  is_dynamic_url: false,
  timeout: 5,
  background_jobs_queue: "default",
  max_requests_per_second: null,
  send_in_order: false,
  request_method: "POST",
  request_structure: "",
  enable_security: false,
  webhook_secret: "",
  signature_scheme: "frappe",
  webhook_headers: [],
  webhook_data: [],
  webhook_json: "",
  max_retries: 5,
  disable_after: 5,
  notification_type: "REST",
  api_key: "",
  api_key_header: "X-API-Key",
};

/** The Content-Type header each Request Structure implies (Frappe's set_request_headers). */
export function contentTypeFor(structure: string): string | undefined {
  if (structure === "Form URL-Encoded") return "application/x-www-form-urlencoded";
  if (structure === "JSON" || structure === "Event Envelope") return "application/json";
  return undefined;
}

/** Labels of the fields, for the version timeline and messages. */
export const WEBHOOK_LABELS: Record<string, string> = {
  name: "Webhook Name",
  webhook_doctype: "DocType",
  webhook_docevent: "Doc Event",
  webhook_events: "Webhook Events",
  enabled: "Enabled",
  condition: "Condition",
  request_url: "Request URL",
  is_dynamic_url: "Is Dynamic URL?",
  timeout: "Request Timeout",
  background_jobs_queue: "Background Jobs Queue",
  max_requests_per_second: "Max Requests per Second",
  send_in_order: "Send in Order per Document",
  request_method: "Request Method",
  request_structure: "Request Structure",
  enable_security: "Enable Security",
  webhook_secret: "Webhook Secret",
  signature_scheme: "Signature Scheme",
  webhook_headers: "Headers",
  webhook_data: "Data",
  webhook_json: "JSON Request Body",
  preview_document: "Select Document",
  max_retries: "Max Retries",
  disable_after: "Disable After",
  notification_type: "Notification Type",
  api_key: "API Key",
  api_key_header: "API Key Header",
};

/** A webhook's health (auto-disable), as its form shows it. */
export interface WebhookHealthView {
  state: "healthy" | "failing" | "disabled";
  failing_since: number | null;
  last_failure: number | null;
  last_error: string | null;
  /** How far the streak is into Disable After (0–100), when it counts. */
  percent: number | null;
  /** When it was disabled automatically, while it stays disabled. */
  disabled_at: number | null;
}
