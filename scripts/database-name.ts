// How the scripts name the database DATABASE_URL points at, in what they print: the SQLite
// file's path, or the PostgreSQL URL without its password.
import { DIALECT } from "@/db";
import { databasePath } from "@/lib/config";

export function databaseName(url = process.env.DATABASE_URL ?? "", dialect = DIALECT): string {
  if (dialect !== "pg") return databasePath();
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "the PostgreSQL database of DATABASE_URL";
  }
}
