import "server-only";
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { encryptionKey } from "@/lib/config";

// Secrets at rest (webhook secrets, API keys to send): AES-256-GCM under a key kept in the
// data folder (or WEBHOOK_DESK_ENCRYPTION_KEY). Format: "v1:" + base64(iv | tag | ciphertext).

let cachedKey: Buffer | undefined;
function key(): Buffer {
  cachedKey ??= createHash("sha256").update(encryptionKey()).digest();
  return cachedKey;
}

// GCM needs a unique IV per key, not a random one: 8 random bytes per thread and a 32-bit
// counter (a fresh random prefix when it wraps) — unique, and no CSPRNG call per message.
let ivPrefix = randomBytes(8);
let ivCounter = 0;
function nextIv(): Buffer {
  if (ivCounter === 0xffffffff) {
    ivPrefix = randomBytes(8);
    ivCounter = 0;
  }
  const iv = Buffer.allocUnsafe(12);
  ivPrefix.copy(iv, 0);
  iv.writeUInt32BE(ivCounter++, 8);
  return iv;
}

export function encryptSecret(plain: string): string {
  const iv = nextIv();
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  const ct = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return "v1:" + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString("base64");
}

export function decryptSecret(stored: string | null | undefined): string | undefined {
  if (!stored) return undefined;
  if (!stored.startsWith("v1:")) throw new Error("Unknown secret format");
  const raw = Buffer.from(stored.slice(3), "base64");
  const decipher = createDecipheriv("aes-256-gcm", key(), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}
