import { bigint, boolean } from "drizzle-orm/pg-core";

/**
 * Epoch milliseconds, as in ../sqlite/util.ts: bigint (Date.now() outgrows int4), read back
 * as a JS number (safe up to 2^53), so keyset pagination and range filters stay index-friendly.
 */
export const ms = (name: string) => bigint(name, { mode: "number" });

export const bool = (name: string) => boolean(name);

/** Lifecycle columns shared by every document table (Frappe's creation/modified). */
export const lifecycle = {
  created: ms("created")
    .notNull()
    .$defaultFn(() => Date.now()),
  modified: ms("modified")
    .notNull()
    .$defaultFn(() => Date.now()),
};
