// The JSON Schemas of the OpenAPI document, made from the server's own zod schemas (the ones
// the routes parse with), so the document cannot promise a body the server refuses. Answers
// the server builds by hand (Frappe's shapes) are described here once, checked against the
// server's types where it has them.
import { z } from "zod";
import { DOC_EVENTS, LOG_STATUS } from "@/lib/constants";
import { ERROR_STATUS } from "@/lib/errors";
import { batchSchema, eventInputSchema } from "@/lib/services/event/event-input";
import type { IngestResult } from "@/lib/services/event/events";
import { verifyInput } from "@/lib/services/request-log/request-log-verify";
import { bulkResendSchema, LOG_STATUSES } from "@/lib/services/request-log/request-log.schema";
import type { toFrappeRow } from "@/lib/services/request-log/request-log-rest";
import { rotateInput } from "@/lib/services/webhook/webhook-secret";
import { webhookSchema } from "@/lib/services/webhook/webhook.schema";

type JsonSchema = Record<string, unknown>;

/** A request body as the server reads it (before its defaults and transforms). */
const input = (schema: z.ZodType): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  return rest;
};
const output = (schema: z.ZodType): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" });
  return rest;
};

/** An object schema with some properties dropped or replaced (zod's .omit/.extend refuse a schema with refinements). */
function reshaped(schema: JsonSchema, drop: string[], set: Record<string, JsonSchema> = {}): JsonSchema {
  const properties = { ...(schema.properties as Record<string, unknown>), ...set };
  for (const key of drop) delete properties[key];
  const required = ((schema.required as string[] | undefined) ?? []).filter((k) => !drop.includes(k));
  return { ...schema, properties, required };
}

const ingestedEvent = z.object({
  id: z.string().describe("The event's id on the desk (the Event page: /app/event/<id>)"),
  deliveries: z.array(z.object({ webhook: z.string(), request_log: z.string() })),
  duplicate: z.boolean().optional().describe("The `id` was seen before: this is the original event and nothing new was queued"),
});
// The answer of POST /api/events is what ingestEvents returns: a compile error if they part.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _ingestMatches: Same<z.infer<typeof ingestedEvent>, IngestResult["events"][number]> = true;

const errorBody = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
    message: z.string(),
    fields: z.record(z.string(), z.string()).optional().describe("fieldname → message, for a form"),
  }),
});

const check = z.union([z.literal(0), z.literal(1)]);
/** Checks: booleans in the schema, 0/1 on Frappe's wire (normalizeWebhookInput takes both). */
const CHECK_FIELDS = ["enabled", "is_dynamic_url", "enable_security"];
const checkInput = { anyOf: [{ type: "boolean" }, { enum: [0, 1] }] };
const frappeDatetime = z.string().describe('UTC, Frappe\'s text: "YYYY-MM-DD HH:MM:SS.ffffff"');

/** The Webhook as /api/resource/Webhook answers it: the fields it takes, with checks as 0/1, plus the read-only ones. */
const webhookDoc: JsonSchema = {
  allOf: [
    reshaped(input(webhookSchema), ["webhook_secret", "api_key", ...CHECK_FIELDS]),
    output(
      z.object({
        doctype: z.literal("Webhook"),
        owner: z.string(),
        creation: frappeDatetime,
        modified: frappeDatetime,
        modified_by: z.string(),
        enabled: check,
        is_dynamic_url: check,
        enable_security: check,
        has_webhook_secret: z.boolean(),
        has_api_key: z.boolean(),
      }),
    ),
  ],
};

const requestLogRow = z.object({
  name: z.string(),
  webhook: z.string().nullable(),
  reference_doctype: z.string().nullable(),
  reference_document: z.string().nullable(),
  doc_event: z.string().nullable(),
  status: z.enum(LOG_STATUSES),
  http_status: z.number().nullable(),
  attempts: z.number(),
  url: z.string().nullable(),
  user: z.string().nullable(),
  event: z.string().nullable().describe("The id of the event that queued it"),
  duration_ms: z.number().nullable(),
  is_test: check,
  creation: frappeDatetime,
});

// A row as toFrappeRow writes it: the same fields, each of a type it may have there.
type RowFields<A, B> = Same<keyof A, keyof B> extends true ? (A extends B ? true : false) : false;
const _rowMatches: RowFields<z.infer<typeof requestLogRow>, ReturnType<typeof toFrappeRow>> = true;

export const COMPONENT_SCHEMAS: Record<string, JsonSchema> = {
  Error: output(errorBody),
  Event: input(eventInputSchema),
  EventBatch: input(batchSchema),
  EventsAccepted: output(z.object({ events: z.array(ingestedEvent) })),
  WebhookInput: reshaped(input(webhookSchema), [], Object.fromEntries(CHECK_FIELDS.map((f) => [f, checkInput]))),
  Webhook: webhookDoc,
  RotateSecretInput: input(rotateInput),
  WebhookRequestLogRow: output(requestLogRow),
  VerifyInput: input(verifyInput),
  BulkResendInput: input(bulkResendSchema),
  DocEvent: output(z.enum(DOC_EVENTS)),
  LogStatus: output(z.enum(Object.values(LOG_STATUS) as [string, ...string[]])),
};
