import "server-only";
// Shared by the Request Log services: the role check every verb starts with, and small
// parsers for the JSON columns (stored as text by ingest and the dispatcher).

export { requireManager } from "@/lib/auth/roles";

export { parseHeaders } from "@/lib/headers";

/** Pretty-prints JSON text for the read-only code views; other text is returned as is. */
export function prettyJson(text: string | null | undefined): string {
  if (!text) return "";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
