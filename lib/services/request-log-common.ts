import "server-only";
// Shared by the Request Log services: the role check every verb starts with, and small
// parsers for the JSON columns (stored as text by ingest and the dispatcher).
import type { Actor } from "@/lib/auth/roles";
import { hasRole } from "@/lib/auth/roles";
import { SYSTEM_MANAGER } from "@/lib/constants";
import { AppError } from "@/lib/errors";

export function requireManager(actor: Actor | null): asserts actor is Actor {
  if (!actor) throw new AppError("UNAUTHORIZED", "Login required");
  if (!hasRole(actor)) throw new AppError("FORBIDDEN", `Only a ${SYSTEM_MANAGER} can do this`);
}

/** A JSON object of string values (headers), or {} when the text is missing or not one. */
export function parseHeaders(json: string | null | undefined): Record<string, string> {
  if (!json) return {};
  try {
    const v: unknown = JSON.parse(json);
    if (!v || typeof v !== "object" || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).map(([k, val]) => [k, String(val)]));
  } catch {
    return {};
  }
}

/** Pretty-prints JSON text for the read-only code views; other text is returned as is. */
export function prettyJson(text: string | null | undefined): string {
  if (!text) return "";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
