import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      "@/": root,
      // server-only throws outside React Server Components; unit tests run plain Node.
      "server-only": fileURLToPath(new URL("./test/server-only-stub.ts", import.meta.url)),
    },
  },
  // Every unit test, on SQLite (the default DATABASE_URL). `npm test` then runs the service-level
  // suites once more on PostgreSQL: vitest.pg.config.ts (scripts/test-pg.sh).
  test: {
    include: [
      "lib/**/*.test.ts",
      "db/**/*.test.ts",
      "app/**/*.test.ts",
      "components/**/*.test.ts",
      "scripts/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    environment: "node",
    // Delivery lines (info) of thousands of test sends would bury the report; LOG_LEVEL=info shows them.
    env: { LOG_LEVEL: process.env.LOG_LEVEL || "error" },
    pool: "forks",
    testTimeout: 20_000,
  },
});
