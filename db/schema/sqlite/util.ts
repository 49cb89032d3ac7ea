import { integer } from "drizzle-orm/sqlite-core";

/** Epoch milliseconds; integers keep keyset pagination and range filters index-friendly. */
export const ms = (name: string) => integer(name, { mode: "number" });

export const bool = (name: string) => integer(name, { mode: "boolean" });

/** Lifecycle columns shared by every document table (Frappe's creation/modified). */
export const lifecycle = {
  created: ms("created")
    .notNull()
    .$defaultFn(() => Date.now()),
  modified: ms("modified")
    .notNull()
    .$defaultFn(() => Date.now()),
};
