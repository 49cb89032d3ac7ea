// Which PostgreSQL database a handle (a pool's, or a transaction's) is on, as one string:
// host:port/database. Per-process caches of what is in a database (webhooks, pg-boss
// installed) are keyed by it, since every transaction gets a handle of its own.
import { pgClientOf, pgPool, type DB } from "@/db";

/** host:port/database of a PostgreSQL handle; undefined for SQLite. */
export function serverKey(db: DB): string | undefined {
  const client = pgClientOf(db);
  if (client) return `${client.host}:${client.port}/${client.database ?? ""}`;
  const pool = pgPool(db);
  if (!pool) return undefined;
  const url = new URL(pool.options.connectionString ?? "postgres://localhost");
  return `${url.hostname}:${url.port || 5432}/${decodeURIComponent(url.pathname.slice(1))}`;
}
