"use client";
// Frappe saves a JSON Request Body that does not render to valid JSON; so does the desk, but
// the form then warns, checked against the preview document the form has selected.
import type { WebhookValues } from "@/lib/services/webhook/webhook.schema";
import { fetchPreview } from "./queries";

/** A new webhook's warning, carried to the saved webhook's page it navigates to. */
const carried = new Map<string, string>();

/** The warning for `v` just saved, or null (not JSON, no document selected, or it renders). */
export async function bodyWarning(v: WebhookValues, document: string): Promise<string | null> {
  if (v.request_structure !== "JSON" || !document) return null;
  try {
    const r = await fetchPreview({ webhook: v, document, saved_name: v.name });
    return r.error ? `Saved, but the JSON Request Body does not render for ${document}: ${r.error}` : null;
  } catch {
    return null; // the check is a courtesy: the save itself succeeded
  }
}

export const carryWarning = (name: string, warning: string) => void carried.set(name, warning);

/** The warning carried for `name` (read during the first render; dropped once shown). */
export const carriedWarning = (name: string | undefined) => (name === undefined ? null : (carried.get(name) ?? null));
export const dropCarriedWarning = (name: string) => void carried.delete(name);
