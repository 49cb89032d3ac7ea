// Which database the app runs on, from DATABASE_URL alone. No imports: worker bundles and
// config files load this before anything else.
export type Dialect = "sqlite" | "pg";

/** `postgres://` or `postgresql://` → PostgreSQL; anything else (a file path, `file:`, unset) → SQLite. */
export function dialectOf(url = process.env.DATABASE_URL ?? ""): Dialect {
  return /^postgres(ql)?:\/\//i.test(url) ? "pg" : "sqlite";
}

export const DIALECT: Dialect = dialectOf();
