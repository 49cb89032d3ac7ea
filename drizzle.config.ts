import { defineConfig } from "drizzle-kit";
import { dialectOf } from "./db/dialect";

// SQLite. PostgreSQL has its own: drizzle.pg.config.ts (`npm run db:generate` runs both).
const url = process.env.DATABASE_URL;

export default defineConfig({
  dialect: "sqlite",
  schema: "./db/schema/sqlite/index.ts",
  out: "./db/migrations",
  strict: true,
  dbCredentials: { url: url && dialectOf(url) === "sqlite" ? url : "file:./data/desk.db" },
});
