import { defineConfig } from "drizzle-kit";
import { dialectOf } from "./db/dialect";

// PostgreSQL: the mirror of drizzle.config.ts (SQLite). `npm run db:generate` runs both, so
// every schema change gets its migration in db/migrations and db/migrations-pg alike.
const url = process.env.DATABASE_URL;

export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/pg/index.ts",
  out: "./db/migrations-pg",
  strict: true,
  dbCredentials: { url: url && dialectOf(url) === "pg" ? url : "postgres://postgres@127.0.0.1:5432/postgres" },
});
