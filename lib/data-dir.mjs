// Where the desk's files are, in plain JavaScript so that lib/config.ts (the app) and
// scripts/start.mjs (before anything is built or loaded through tsx) share one rule.
// Types: lib/data-dir.d.mts.
import path from "node:path";

const DEFAULT_DATABASE_URL = "file:./data/desk.db";

/** Path of the SQLite file named by DATABASE_URL (`file:./data/desk.db` or a plain path). */
export function databasePath(url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL) {
  const p = url.startsWith("file:") ? url.slice("file:".length) : url;
  return p === ":memory:" ? p : path.resolve(p);
}

/**
 * Where generated secrets live: DATA_DIR, else the SQLite file's folder. On PostgreSQL (and
 * for an in-memory database) ./data: every node must share the secrets, so set them in the
 * environment (README); the ./data files are a one-machine convenience.
 */
export function dataDir(env = process.env) {
  if (env.DATA_DIR) return path.resolve(env.DATA_DIR);
  const url = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  if (/^postgres(ql)?:\/\//i.test(url)) return path.resolve("data");
  const db = databasePath(url);
  return db === ":memory:" ? path.resolve("data") : path.dirname(db);
}
