import "server-only";
// Stored request headers (webhook_request_log.request_headers): encrypted with the key of
// the webhook secrets whenever one of them is secret-bearing (Authorization, custom
// secret headers, a presigned Send Test's API key and signatures); plain JSON otherwise.
// The API key and the signatures of a normal delivery are never stored: `finalize` adds
// them from the webhook at send time.
import type Database from "better-sqlite3";
import { decryptSecret, encryptSecret } from "@/lib/crypto/secret-box";
import { parseHeaders } from "@/lib/headers";
import { isSecretHeader } from "@/lib/renderer/mask";
import { SEND_TIME_HEADERS, type AttemptSignature } from "./request";

const SEALED = "v1:";

export function sealHeaders(headers: Record<string, string>, secretNames: readonly string[] = []): string {
  const json = JSON.stringify(headers);
  return Object.keys(headers).some((k) => isSecretHeader(k, secretNames)) ? encryptSecret(json) : json;
}

/** The stored headers; `undefined` when none were stored (rows older than this column). */
export function unsealHeaders(stored: string | null | undefined): Record<string, string> | undefined {
  if (!stored) return undefined;
  return parseHeaders(stored.startsWith(SEALED) ? decryptSecret(stored) : stored);
}

/**
 * Seals request headers stored in clear (written by migration 0004 from the old delivery
 * rows): drops what is now added at send time (API key, signatures) and encrypts the rest
 * when it is secret-bearing. Returns the number of rows rewritten.
 */
export function sealStoredRequestHeaders(db: Database.Database): number {
  const rows = db
    .prepare(
      `SELECT l.name, l.request_headers AS headers, w.api_key_header AS apiKeyHeader, w.api_key IS NOT NULL AS hasKey
       FROM webhook_request_log l LEFT JOIN webhook w ON w.name = l.webhook
       WHERE l.request_headers IS NOT NULL AND l.request_headers NOT LIKE '${SEALED}%'`,
    )
    .all() as { name: string; headers: string; apiKeyHeader: string | null; hasKey: number | null }[];
  if (!rows.length) return 0;
  const update = db.prepare(`UPDATE webhook_request_log SET request_headers = ? WHERE name = ?`);
  let changed = 0;
  db.transaction(() => {
    for (const r of rows) {
      const drop = new Set(SEND_TIME_HEADERS);
      if (r.hasKey) drop.add((r.apiKeyHeader?.trim() || "X-API-Key").toLowerCase());
      const kept = Object.fromEntries(Object.entries(parseHeaders(r.headers)).filter(([k]) => !drop.has(k.toLowerCase())));
      const sealed = sealHeaders(kept, r.apiKeyHeader ? [r.apiKeyHeader] : []);
      if (sealed !== r.headers) {
        update.run(sealed, r.name);
        changed += 1;
      }
    }
  })();
  return changed;
}

/** An attempt's signature record (sealed by sealSignature; older rows are plain JSON). */
export function parseAttemptSignature(stored: string | null | undefined): AttemptSignature | null {
  if (!stored) return null;
  try {
    const v = JSON.parse((stored.startsWith(SEALED) ? decryptSecret(stored) : stored) ?? "null") as Partial<AttemptSignature> | null;
    if (!v || typeof v !== "object" || typeof v.id !== "string" || typeof v.timestamp !== "number") return null;
    return {
      id: v.id,
      timestamp: v.timestamp,
      ...(typeof v.frappe === "string" ? { frappe: v.frappe } : {}),
      ...(typeof v.standard === "string" ? { standard: v.standard } : {}),
    };
  } catch {
    return null;
  }
}
