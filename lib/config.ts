import "server-only";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const DEFAULT_DATABASE_URL = "file:./data/desk.db";

/** Path of the SQLite file named by DATABASE_URL (`file:./data/desk.db` or a plain path). */
export function databasePath(url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL): string {
  const p = url.startsWith("file:") ? url.slice("file:".length) : url;
  return p === ":memory:" ? p : path.resolve(p);
}

/** Where generated secrets live: DATA_DIR, else the database's folder. */
function dataDir(): string {
  if (process.env.DATA_DIR) return path.resolve(process.env.DATA_DIR);
  // On PostgreSQL every node must share the secrets: set them in the environment (README);
  // the ./data files are a one-machine convenience.
  if (/^postgres(ql)?:\/\//i.test(process.env.DATABASE_URL ?? "")) return path.resolve("data");
  const db = databasePath();
  return db === ":memory:" ? path.resolve("data") : path.dirname(db);
}

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
