import "server-only";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dataDir } from "./data-dir.mjs";

// The folders' rule (also scripts/start.mjs's): lib/data-dir.mjs.
export { databasePath } from "./data-dir.mjs";

/**
 * Returns the value of `envName`, or the contents of `<data dir>/<file>`, creating it
 * with 32 random bytes the first time. Created with `wx` so concurrent starters agree.
 */
function generatedSecret(envName: string, file: string): string {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  const dir = dataDir();
  const p = path.join(dir, file);
  try {
    return fs.readFileSync(p, "utf8").trim();
  } catch {
    fs.mkdirSync(dir, { recursive: true });
    try {
      fs.writeFileSync(p, randomBytes(32).toString("base64url") + "\n", { flag: "wx", mode: 0o600 });
    } catch {
      // another process created it first
    }
    return fs.readFileSync(p, "utf8").trim();
  }
}

export const authSecret = () => generatedSecret("NEXTAUTH_SECRET", "nextauth.secret");
export const encryptionKey = () => generatedSecret("WEBHOOK_DESK_ENCRYPTION_KEY", "encryption.key");
