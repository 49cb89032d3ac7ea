"use client";
// The form's typed context: every section reads the one react-hook-form instance.
import { useFormContext } from "react-hook-form";
import type { WebhookInput, WebhookValues } from "@/lib/services/webhook/webhook.schema";

export const useWebhookForm = () => useFormContext<WebhookInput, unknown, WebhookValues>();

export { useDebounced } from "@/components/use-debounced";

export interface DoctypeOption {
  name: string;
  is_submittable: boolean;
}
