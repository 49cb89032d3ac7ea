// Filters of the Webhook Request Log list, shared by the list page, the bulk-resend API and
// the service (which parses again). Drizzle-free so client components may import it.
import { z } from "@/lib/zod";
import { LOG_STATUS, type LogStatus } from "@/lib/constants";
import { dateBound, optionalText } from "../frappe-rest/list-filter.schema";

export const LOG_STATUSES = Object.values(LOG_STATUS) as [LogStatus, ...LogStatus[]];

/** Statuses a bulk resend picks up: the ones that did not get through. */
export const RESENDABLE_STATUSES: readonly LogStatus[] = [LOG_STATUS.failed, LOG_STATUS.exhausted];

const text = optionalText;

export const logFiltersSchema = z.object({
  webhook: text,
  status: z
    .union([z.enum(LOG_STATUSES), z.literal("")])
    .optional()
    .transform((v) => v || undefined),
  reference_doctype: text,
  reference_document: text,
  user: text,
  event: text,
  from: dateBound,
  to: dateBound,
});
export type LogFiltersInput = z.input<typeof logFiltersSchema>;
export type LogFilters = z.output<typeof logFiltersSchema>;

export const LOG_FILTER_KEYS = ["webhook", "status", "reference_doctype", "reference_document", "user", "event", "from", "to"] as const;

export const bulkResendSchema = z
  .object({
    // No NUL: no log has one (PostgreSQL text cannot hold it), so both dialects refuse it alike.
    names: z
      .array(
        z
          .string()
          .min(1)
          .max(255)
          .refine((n) => !n.includes("\u0000"), "must not contain a NUL character"),
      )
      .max(10_000)
      .optional(),
    filters: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  })
  .refine((v) => v.names !== undefined || v.filters !== undefined, { message: "Send names or filters" });

export const logSettingsSchema = z.object({
  retention_days: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number of days")
    .min(1, "must be at least 1 day")
    .max(3650, "must be at most 3650 days"),
  /** Where operational events are POSTed (lib/ops/alerts); "" turns it off. */
  alert_webhook_url: z
    .string()
    .trim()
    .max(2000)
    .refine((v) => v === "" || /^https?:\/\/[^\s]+$/i.test(v), "must be an http:// or https:// URL")
    .optional(),
  /** Write-only: omitted or "" keeps the stored one. */
  alert_webhook_secret: z.string().trim().max(1000).optional(),
});
