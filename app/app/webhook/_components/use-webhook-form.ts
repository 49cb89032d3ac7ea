"use client";
// The form's typed context: every section reads the one react-hook-form instance.
import { useEffect, useState } from "react";
import { useFormContext } from "react-hook-form";
import type { WebhookInput, WebhookValues } from "@/lib/services/webhook/webhook.schema";

export const useWebhookForm = () => useFormContext<WebhookInput, unknown, WebhookValues>();

/** `value`, once it has stopped changing for `ms` (the live preview waits for a pause in typing). */
export function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

export interface DoctypeOption {
  name: string;
  is_submittable: boolean;
}
