import { defineConfig, devices } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT || 3100);
export const baseURL = `http://localhost:${PORT}`;
// The PostgreSQL server, for the "postgres" smoke project: only when TEST_PG_URL names a server
// to create its database on (scripts/e2e.sh starts a throwaway one; TEST_PG=0 leaves it out).
const PG_URL = process.env.TEST_PG_URL;
const PG_PORT = Number(process.env.E2E_PG_PORT || PORT + 1);
const pgBaseURL = `http://localhost:${PG_PORT}`;
const chromium = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export default defineConfig({
  testDir: "./e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"]],
  use: {
    baseURL,
    trace: "on-first-retry",
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
      ],
    },
  },
  projects: [
    { name: "setup", testMatch: /auth\.setup\.ts/ },
    {
      name: "chromium",
      testIgnore: /postgres\.spec\.ts/,
      use: { ...devices["Desktop Chrome"], storageState: "e2e/.auth/admin.json" },
      dependencies: ["setup"],
    },
    // Last, so it runs after the SQLite projects. It signs in itself (its own session on that
    // server's database): no setup project, no shared storage state.
    ...(PG_URL
      ? [
          {
            name: "postgres",
            testMatch: /postgres\.spec\.ts/,
            use: { ...devices["Desktop Chrome"], baseURL: pgBaseURL, storageState: { cookies: [], origins: [] } },
          },
        ]
      : []),
  ],
  // A fresh database per run and server: migrated and seeded by start.mjs before it serves.
  // Started one after the other (the SQLite one first), so a stale build is rebuilt only once.
  webServer: [
    {
      command: `bash scripts/e2e-server.sh ${PORT}`,
      url: `${baseURL}/login`,
      timeout: 600_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
    },
    ...(PG_URL
      ? [
          {
            command: `bash scripts/e2e-server.sh ${PG_PORT} pg`,
            url: `${pgBaseURL}/login`,
            timeout: 600_000,
            reuseExistingServer: false,
            stdout: "pipe" as const,
            stderr: "pipe" as const,
          },
        ]
      : []),
  ],
});
