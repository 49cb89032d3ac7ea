import { defineConfig } from "vitest/config";

// src/*.test.ts: no server. test/*.test.ts: against a real desk (the repository's production
// build, clients/test-support/desk-server.mjs), one file at a time.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    environment: "node",
    pool: "forks",
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
