// Header maps are stored as JSON text (delivery, webhook_request_log); this reads them back safely.

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
