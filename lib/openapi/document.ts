// The OpenAPI 3.1 document of the desk's public API: what host apps and scripts call with an
// API key (`Authorization: token <api_key>:<api_secret>`). Served, public, at GET /api/openapi.json,
// shown on the desk's API page (/app/api), and the source of clients/node's generated types.
// The desk's own page helpers (previews, searches, the alert bell…) are not part of it:
// lib/openapi/document.test.ts lists them, each with its reason.
import { DOC_EVENTS } from "@/lib/constants";
import { ACTIVITY_LOG_DOCTYPE, REQUEST_LOG_DOCTYPE } from "@/lib/services/request-log/request-log-http";
import { LOG_FILTER_KEYS as LOG_LIST_KEYS } from "@/lib/services/request-log/request-log.schema";
import { COMPONENT_SCHEMAS } from "./schemas";

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ "application/json": { schema } });
const body = (schema: Json, required = true) => ({ required, content: json(schema) });
const answer = (description: string, schema?: Json, headers?: Json) => ({
  description,
  ...(schema ? { content: json(schema) } : {}),
  ...(headers ? { headers } : {}),
});
const data = (schema: Json) => ({ type: "object", properties: { data: schema }, required: ["data"] });
const anyObject = { type: "object", additionalProperties: true };

const retryAfter = { "Retry-After": { description: "Seconds to wait before trying again", schema: { type: "integer" } } };
/** Each status the API answers with, its meaning, and an example of its `{"error": {"code", "message"}}`. */
const ERRORS: Record<number, { description: string; code: string; message: string; headers?: Json }> = {
  400: {
    description: "The body or a parameter is invalid; `error.message` names the field",
    code: "BAD_REQUEST",
    message: "events[3].event: must be one of after_insert, on_update, …",
  },
  401: { description: "No valid API key (or session)", code: "UNAUTHORIZED", message: "Send Authorization: token <api_key>:<api_secret>" },
  403: {
    description: "The key's user lacks the role, or a cookie request came from another origin",
    code: "FORBIDDEN",
    message: "Not permitted: requires the System Manager role",
  },
  404: { description: "Not found", code: "NOT_FOUND", message: "Webhook Orders EU not found" },
  409: {
    description: "In the way of another change (a name taken, a send already in progress)",
    code: "CONFLICT",
    message: "A resend of this request is already in progress",
  },
  413: {
    description: "The body is larger than allowed (`/api/events`: 1 MiB)",
    code: "PAYLOAD_TOO_LARGE",
    message: "The body is larger than 1048576 bytes",
  },
  415: {
    description: "The body is not `application/json`",
    code: "UNSUPPORTED_MEDIA_TYPE",
    message: "Send a JSON body with Content-Type: application/json",
  },
  422: {
    description: "A field is invalid; `error.fields` maps fieldname → message",
    code: "VALIDATION_ERROR",
    message: "Check Request URL",
  },
  429: {
    description: "Too many attempts; retry after `Retry-After`",
    code: "TOO_MANY_REQUESTS",
    message: "Too many requests",
    headers: retryAfter,
  },
  500: {
    description: "An unexpected error (logged on the server; the message says nothing more)",
    code: "INTERNAL",
    message: "Something went wrong. The error was logged on the server.",
  },
  503: {
    description: "Busy (the database's write lock, the render pool, too many `/api/events` requests at once): retry after `Retry-After`",
    code: "BUSY",
    message: "The database is busy; try again in a moment",
    headers: retryAfter,
  },
};
const errorAnswer = (status: number) => {
  const e = ERRORS[status];
  if (!e) throw new Error(`lib/openapi: no description of HTTP ${status}`);
  return {
    description: e.description,
    content: { "application/json": { schema: ref("Error"), example: { error: { code: e.code, message: e.message } } } },
    ...(e.headers ? { headers: e.headers } : {}),
  };
};
/** The error answers of an operation: the ones named, plus 401, 403 and 500, which any may give. */
const errors = (...codes: number[]) =>
  Object.fromEntries([...new Set([...codes, 401, 403, 500])].sort((a, b) => a - b).map((c) => [String(c), errorAnswer(c)]));

const nameParam = (what: string) => ({
  name: "name",
  in: "path",
  required: true,
  description: `The ${what}'s name, percent-encoded once (encodeURIComponent)`,
  schema: { type: "string" },
});
const query = (name: string, description: string, schema: Json = { type: "string" }) => ({
  name,
  in: "query",
  required: false,
  description,
  schema,
});

const MANAGER = "Requires the System Manager role.";
/** The read-only DocTypes of /api/resource/[doctype], each its own path (their rows differ). */
const REQUEST_LOGS = `/api/resource/${encodeURIComponent(REQUEST_LOG_DOCTYPE)}`;
const ACTIVITY = `/api/resource/${encodeURIComponent(ACTIVITY_LOG_DOCTYPE)}`;
const PAGING = [
  query("cursor", "`next` or `prev` of the previous page"),
  query("limit", "Page size", { type: "integer", minimum: 1 }),
  query("order", "`desc` (default) or `asc`", { type: "string", enum: ["desc", "asc"] }),
  query("with_count", "`1`: also the count (capped)", { type: "string", enum: ["1"] }),
];
const keysetPage = (row: Json) => ({
  type: "object",
  properties: {
    data: { type: "array", items: row },
    next: { type: ["string", "null"] },
    prev: { type: ["string", "null"] },
    count: { type: "object", properties: { count: { type: "integer" }, capped: { type: "boolean" } } },
  },
  required: ["data", "next", "prev"],
});

// Examples: the seeds' Quotation QTN-00001 (db/seed/doctypes.ts).
const QUOTATION_ID = (event: string) => `Quotation:QTN-00001:2026-11-02 10:00:00.000000:${event}`;
const QUOTATION_EVENT = {
  doctype: "Quotation",
  event: "on_update",
  doc: { name: "QTN-00001", party_name: "Acme Corporation", status: "Open", currency: "USD", grand_total: 1 },
  id: QUOTATION_ID("on_update"),
};
const EVENTS_ACCEPTED = {
  events: [{ id: "evt_0mx63v4ef001nkno5k79", deliveries: [{ webhook: "Quotation to CRM", request_log: "log_0mx63v4ef000izdwgj2p" }] }],
};
const QUOTATION_WEBHOOK = {
  name: "Quotation to CRM",
  webhook_doctype: "Quotation",
  webhook_docevent: "on_update",
  request_url: "https://crm.example.com/hooks/quotation",
  request_structure: "",
  condition: 'doc.status=="Open"',
  webhook_data: [
    { fieldname: "name", key: "id" },
    { fieldname: "grand_total", key: "amount" },
  ],
};
const WEBHOOK_TAG = "Webhook";
const LOG_TAG = "Webhook Request Log";

const paths: Record<string, Record<string, unknown>> = {
  "/api/events": {
    post: {
      operationId: "postEvents",
      tags: ["Events"],
      summary: "Send document events from a host app",
      description: [
        "One event or an array of up to 1,000 (1 MiB at most). `202` once the events, the document snapshots and the queued",
        "deliveries are committed together; nothing is sent before that. **Idempotent by `id`:** an event whose `id` the desk",
        "has seen before is accepted again without queuing anything (`duplicate: true`), so a client may retry a batch whose",
        "answer it did not get. Use an id that names the change, e.g. `<doctype>:<name>:<modified>:<event>`.",
        "API keys only (System Manager or Event Publisher); a browser session is refused.",
      ].join(" "),
      requestBody: {
        required: true,
        content: {
          "application/json": {
            schema: { oneOf: [ref("Event"), ref("EventBatch")] },
            examples: {
              one: { summary: "One event (the seeds' Quotation)", value: QUOTATION_EVENT },
              batch: {
                summary: "A batch",
                value: [QUOTATION_EVENT, { ...QUOTATION_EVENT, event: "on_submit", id: QUOTATION_ID("on_submit") }],
              },
            },
          },
        },
      },
      responses: {
        202: {
          description: "Accepted and queued: per event, in order, its id on the desk and the requests queued",
          content: { "application/json": { schema: ref("EventsAccepted"), example: EVENTS_ACCEPTED } },
        },
        ...errors(400, 413, 415, 503),
      },
      security: [{ apiKey: [] }],
    },
  },
  "/api/openapi.json": {
    get: {
      operationId: "getOpenApiDocument",
      tags: ["Meta"],
      summary: "This document",
      description: "Public, like a health check: it describes the API and holds no data. Generate a client from it.",
      security: [],
      responses: { 200: answer("The OpenAPI 3.1 document", anyObject), 500: errorAnswer(500) },
    },
  },
  "/api/resource/Webhook": {
    get: {
      operationId: "listWebhooks",
      tags: [WEBHOOK_TAG],
      summary: "List webhooks (Frappe's filters, fields and paging)",
      description: MANAGER,
      parameters: [
        query("fields", 'JSON array of fieldnames, `["*"]` for all (default `["name"]`)'),
        query("filters", "Frappe filters: `[[field, op, value]]`, `{field: value}`, …"),
        query("limit_start", "Offset", { type: "integer", minimum: 0 }),
        query("limit_page_length", "Page size (default 20)", { type: "integer", minimum: 0 }),
        query("order_by", "e.g. `modified desc`"),
      ],
      responses: { 200: answer("Webhooks", data({ type: "array", items: anyObject })), ...errors(400, 401, 403) },
    },
    post: {
      operationId: "createWebhook",
      tags: [WEBHOOK_TAG],
      summary: "Create a webhook",
      description: `${MANAGER} Checks may be sent as 0/1 or booleans; the body may also be wrapped as \`{"data": {...}}\`.`,
      requestBody: { required: true, content: { "application/json": { schema: ref("WebhookInput"), example: QUOTATION_WEBHOOK } } },
      responses: { 201: answer("Created", data(ref("Webhook"))), ...errors(400, 409, 415, 422, 503) },
    },
  },
  "/api/resource/Webhook/{name}": {
    parameters: [nameParam("webhook")],
    get: {
      operationId: "getWebhook",
      tags: [WEBHOOK_TAG],
      summary: "Read a webhook (never its secrets)",
      description: MANAGER,
      responses: { 200: answer("The webhook", data(ref("Webhook"))), ...errors(401, 403, 404) },
    },
    put: {
      operationId: "updateWebhook",
      tags: [WEBHOOK_TAG],
      summary: "Update a webhook (the fields sent; the rest kept)",
      description: MANAGER,
      requestBody: body({ ...anyObject, description: "Any fields of WebhookInput" }),
      responses: { 200: answer("The webhook", data(ref("Webhook"))), ...errors(400, 401, 403, 404, 415, 422, 503) },
    },
    delete: {
      operationId: "deleteWebhook",
      tags: [WEBHOOK_TAG],
      summary: "Delete a webhook; its pending requests end as Cancelled",
      description: MANAGER,
      responses: { 200: answer("Deleted", anyObject), ...errors(401, 403, 404, 503) },
    },
  },
  "/api/resource/Webhook/{name}/rotate-secret": {
    parameters: [nameParam("webhook")],
    post: {
      operationId: "rotateWebhookSecret",
      tags: [WEBHOOK_TAG],
      summary: "Rotate the webhook's secret; the previous one keeps signing for 24 hours",
      description: `${MANAGER} The new secret is in this answer once and never again.`,
      requestBody: body(ref("RotateSecretInput"), false),
      responses: { 200: answer("The new secret", anyObject), ...errors(400, 401, 403, 404, 415, 422) },
    },
  },
  "/api/resource/Webhook/{name}/re-enable": {
    parameters: [nameParam("webhook")],
    post: {
      operationId: "reEnableWebhook",
      tags: [WEBHOOK_TAG],
      summary: "Enable a webhook, forget its failing streak and release its held requests",
      description: MANAGER,
      responses: { 200: answer("The webhook", anyObject), ...errors(401, 403, 404) },
    },
  },
  [REQUEST_LOGS]: {
    get: {
      operationId: "listRequestLogs",
      tags: [LOG_TAG],
      summary: "List Webhook Request Log rows, newest first, by keyset pages",
      description: `${MANAGER} Filter with plain query keys (${LOG_LIST_KEYS.map((k) => `\`${k}\``).join(", ")}) or Frappe's \`filters\`. The DocType segment may also be written \`Webhook+Request+Log\`.`,
      parameters: [
        ...LOG_LIST_KEYS.map((k) => query(k, k === "from" || k === "to" ? "A UTC date or datetime bound on `creation`" : `Equal to ${k}`)),
        query("filters", "Frappe filters (equality, and `creation` with >=, <=, between)"),
        ...PAGING,
      ],
      responses: { 200: answer("A page", keysetPage(ref("WebhookRequestLogRow"))), ...errors(400) },
    },
  },
  [`${REQUEST_LOGS}/{name}`]: {
    parameters: [nameParam("request log row")],
    get: {
      operationId: "getRequestLog",
      tags: [LOG_TAG],
      summary: "Read one Webhook Request Log row: its headers, body, response and attempts",
      description: MANAGER,
      responses: { 200: answer("The row", data({ allOf: [ref("WebhookRequestLogRow"), anyObject] })), ...errors(404) },
    },
  },
  [ACTIVITY]: {
    get: {
      operationId: "listActivity",
      tags: ["Activity Log"],
      summary: "List Activity Log entries (sign-ins, keys, users, secrets set), newest first, by keyset pages",
      description: `${MANAGER} Filter with plain query keys (\`?operation=…&subject=…&from=…\`), not \`filters\`.`,
      parameters: PAGING,
      responses: { 200: answer("A page", keysetPage(anyObject)), ...errors(400) },
    },
  },
  [`${ACTIVITY}/{name}`]: {
    parameters: [nameParam("Activity Log entry")],
    get: {
      operationId: "getActivity",
      tags: ["Activity Log"],
      summary: "Read one Activity Log entry",
      description: MANAGER,
      responses: { 200: answer("The entry", data(anyObject)), ...errors(404) },
    },
  },
  "/api/webhook-request-log/{name}/resend": {
    parameters: [nameParam("request log row")],
    post: {
      operationId: "resendRequest",
      tags: [LOG_TAG],
      summary: "Send the stored request again now",
      description: MANAGER,
      responses: { 200: answer("The attempt's outcome", data(anyObject)), ...errors(401, 403, 404, 409) },
    },
  },
  "/api/webhook-request-log/{name}/rerender": {
    parameters: [nameParam("request log row")],
    get: {
      operationId: "previewRerender",
      tags: [LOG_TAG],
      summary: "The request rendered again from the webhook as it is now, as a diff against the stored one",
      description: MANAGER,
      responses: { 200: answer("The preview", data(anyObject)), ...errors(404) },
    },
    post: {
      operationId: "rerenderAndSend",
      tags: [LOG_TAG],
      summary: "Render the request again from the webhook as it is now and send it",
      description: MANAGER,
      responses: { 200: answer("The attempt's outcome", data(anyObject)), ...errors(404, 409) },
    },
  },
  "/api/webhook-test": {
    post: {
      operationId: "sendTest",
      tags: [WEBHOOK_TAG],
      summary: "Send Test: the (unsaved) webhook's request for a stored document, now, one attempt, logged as a test",
      description: `${MANAGER} Built and sent like every other request (SSRF guard, timeout, signatures).`,
      requestBody: {
        required: true,
        content: {
          "application/json": {
            schema: {
              type: "object",
              properties: {
                webhook: ref("WebhookInput"),
                document: { type: "string", description: "The name of a document the desk has received for the webhook's DocType" },
                saved_name: { type: "string", description: "The saved webhook this form edits (its stored secret signs)" },
              },
              required: ["webhook"],
            },
            example: { webhook: QUOTATION_WEBHOOK, document: "QTN-00001" },
          },
        },
      },
      responses: { 200: answer("The receiver's status, time and answer, and the log row", anyObject), ...errors(400, 404, 415, 422, 503) },
    },
  },
  "/api/webhook-request-log/{name}/verify": {
    parameters: [nameParam("request log row")],
    post: {
      operationId: "verifyDelivery",
      tags: [LOG_TAG],
      summary: "Check a receiver's secret against the signatures the request was sent with",
      description: `${MANAGER} Only the verdict comes back; the secret is neither stored nor logged.`,
      requestBody: body(ref("VerifyInput")),
      responses: { 200: answer("The verdict", anyObject), ...errors(400, 401, 403, 404, 415, 422) },
    },
  },
  "/api/webhook-request-log/bulk-resend": {
    post: {
      operationId: "bulkResend",
      tags: [LOG_TAG],
      summary: "Resend Failed and Exhausted rows (by names or filters) as a background job",
      description: `${MANAGER} \`{"dry_run": true}\` only counts them.`,
      requestBody: body(ref("BulkResendInput")),
      responses: { 200: answer("The count (dry run)", anyObject), 202: answer("The job", anyObject), ...errors(400, 401, 403, 415, 422) },
    },
  },
  "/api/job/{id}": {
    parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
    get: {
      operationId: "getJob",
      tags: [LOG_TAG],
      summary: "Progress of a background job (bulk resend)",
      description: MANAGER,
      responses: { 200: answer("The job", anyObject), ...errors(401, 403, 404) },
    },
  },
};

/** The document, built once per process (it is the same for every caller). */
let built: Json | undefined;
export function openApiDocument(): Json {
  built ??= {
    openapi: "3.1.0",
    info: {
      title: "Webhook Desk API",
      version: "1",
      description: [
        "Host apps post their document events to `/api/events`; scripts configure webhooks and read the Webhook Request",
        "Log through Frappe-style resources. Authenticate with an API key (`npm run cli -- api-key --user <name>`, or the",
        "User page): `Authorization: token <api_key>:<api_secret>`. Errors are always",
        '`{"error": {"code", "message"}}`. Document events: ' + DOC_EVENTS.join(", ") + ".",
      ].join(" "),
    },
    servers: [{ url: "/" }],
    security: [{ apiKey: [] }, { session: [] }],
    tags: [
      { name: "Events", description: "For host apps" },
      { name: WEBHOOK_TAG, description: "Webhooks, in Frappe's REST shapes" },
      { name: LOG_TAG, description: "Every request sent, its attempts, resends" },
      { name: "Activity Log", description: "Who did what on the desk" },
      { name: "Meta" },
    ],
    paths,
    components: {
      schemas: COMPONENT_SCHEMAS,
      securitySchemes: {
        apiKey: { type: "apiKey", in: "header", name: "Authorization", description: "`token <api_key>:<api_secret>`" },
        session: {
          type: "apiKey",
          in: "cookie",
          name: "next-auth.session-token",
          description: "The desk's session (same-origin requests only)",
        },
      },
    },
  };
  return built;
}
