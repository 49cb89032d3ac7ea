// Hides secret-bearing header values before headers are logged or shown. The last four
// characters of long values stay visible so two deliveries can still be told apart.

const SECRET_HEADERS = new Set([
  "x-frappe-webhook-signature",
  "webhook-signature",
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
]);

const SECRET_WORDS = ["secret", "token", "signature", "api-key", "apikey", "api_key", "password"];

export function isSecretHeader(name: string, extra: readonly string[] = []): boolean {
  const lower = name.trim().toLowerCase();
  if (SECRET_HEADERS.has(lower)) return true;
  if (SECRET_WORDS.some((w) => lower.includes(w))) return true;
  return extra.some((e) => e.trim().toLowerCase() === lower);
}

/** "***" plus the last 4 characters when the value is longer than 16, else "***". */
function maskValue(value: string): string {
  // Already masked (e.g. headers masked for display and then rendered as curl).
  if (/^\*\*\*.{0,4}$/s.test(value)) return value;
  return value.length > 16 ? `***${value.slice(-4)}` : "***";
}

/**
 * Masks secret header values. `extra` lists more header names to treat as secret, or is a
 * webhook spec whose custom API-key header name is then included.
 */
export function maskHeaders(
  headers: Record<string, string>,
  extra?: readonly string[] | { apiKeyHeader?: string | null },
): Record<string, string> {
  const names: string[] = Array.isArray(extra)
    ? [...(extra as readonly string[])]
    : extra && !Array.isArray(extra) && typeof (extra as { apiKeyHeader?: unknown }).apiKeyHeader === "string"
      ? [String((extra as { apiKeyHeader: string }).apiKeyHeader)]
      : [];
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    out[key] = isSecretHeader(key, names) ? maskValue(value) : value;
  }
  return out;
}

/** Replaces every occurrence of each secret (longest first) with "***". */
export function maskSecretsInText(text: string, secrets: readonly (string | null | undefined)[]): string {
  const list = secrets.filter((s): s is string => typeof s === "string" && s.length > 0);
  list.sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of list) out = out.split(secret).join("***");
  return out;
}
