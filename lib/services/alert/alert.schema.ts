// Mark-as-read input, shared by the bell (client) and the service, which parses again.
import { z } from "@/lib/zod";

export const markReadSchema = z
  .object({
    ids: z.array(z.string().min(1).max(64)).max(500).optional(),
    all: z.boolean().optional(),
  })
  .refine((v) => v.all === true || (v.ids?.length ?? 0) > 0, { message: "Send ids or all: true" });

/** An alert as the bell and the Alerts page show it. */
export interface AlertView {
  id: string;
  event: string;
  webhook: string | null;
  subject: string;
  message: string;
  created: number;
  read: boolean;
}

/** One email or alert webhook POST of an alert, for the Alerts page. */
export interface AlertSendView {
  id: string;
  alert: string;
  subject: string;
  channel: string;
  target: string;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt: number | null;
  modified: number;
}
