import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export function generateApiKey(): { key: string; secret: string; secretHash: string } {
  const key = randomBytes(8).toString("hex");
  const secret = randomBytes(24).toString("base64url");
  return { key, secret, secretHash: hashApiSecret(secret) };
}

function hashApiSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function apiSecretMatches(secret: string, secretHash: string): boolean {
  const a = Buffer.from(hashApiSecret(secret), "hex");
  const b = Buffer.from(secretHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Parses `Authorization: token <key>:<secret>` (Frappe's scheme). */
export function parseTokenHeader(header: string | null | undefined): { key: string; secret: string } | null {
  if (!header) return null;
  const m = /^token\s+([^:\s]+):(\S+)$/i.exec(header.trim());
  return m?.[1] && m[2] ? { key: m[1], secret: m[2] } : null;
}
