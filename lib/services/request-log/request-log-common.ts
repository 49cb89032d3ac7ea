import "server-only";
// Shared by the Request Log services: small parsers for the JSON columns (stored as text by
// ingest and the dispatcher). The role check is lib/auth/roles' requireManager.

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
