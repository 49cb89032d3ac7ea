import type { KnipConfig } from "knip";

// Dead-code check: `npm run knip` (scripts/test.sh runs it after lint). Most entry points come
// from knip's plugins, which read the tools' own configs:
//  - Next.js: next.config.mjs and the app router's files (app/**/page|layout|route|not-found|
//    forbidden….tsx, app/icon…), proxy.ts, instrumentation.ts;
//  - Vitest: the `include` globs of vitest.config.ts (and its server-only alias), and
//    vitest.pg.config.ts (`npm test`'s PostgreSQL pass) with its globalSetup;
//  - Playwright: playwright.config.ts and the specs in its testDir (e2e/);
//  - Drizzle: drizzle.config.ts, drizzle.pg.config.ts and the schemas they name;
//  - package.json scripts (scripts/start.mjs, scripts/worker.ts, scripts/cli.ts, …).
// Listed here is what they cannot see.
const config: KnipConfig = {
  workspaces: {
    ".": {
      entry: [
        // Run by path from scripts/start.mjs (`npm start`, and e2e-server.sh through it).
        "scripts/bootstrap.ts",
        "scripts/server.mjs",
        // worker_threads entry points, bundled by scripts/build-workers.mjs (its WORKER_ENTRIES).
        "lib/renderer/pool-worker.ts",
        "lib/dispatcher/thread.ts",
        // Prints the OpenAPI document for clients/node's generated types (clients/node/scripts/schema-source.mjs).
        "scripts/openapi.ts",
        // The desk the clients' tests start: imported by clients/node's tests, run by clients/frappe's.
        "clients/test-support/desk-server.mjs",
      ],
      project: ["**/*.{ts,tsx,mjs}", "!clients/node/**"],
      // An alias (next.config.mjs turbopack.resolveAlias) of a file of swagger-ui-react, which is listed.
      ignoreDependencies: ["swagger-ui-es-bundle"],
      next: { config: ["next.config.mjs"] },
      vitest: { config: ["vitest.config.ts", "vitest.pg.config.ts"] },
      // The "setup" project's testMatch (auth.setup.ts) as well as the default *.spec.ts.
      playwright: { config: ["playwright.config.ts"], entry: ["e2e/**/*.spec.ts", "e2e/**/*.setup.ts"] },
      drizzle: { config: ["drizzle.config.ts", "drizzle.pg.config.ts"] },
    },
    // The published client (npm workspace): src/index.ts is its public API (package.json's
    // main is its build, dist/index.js); src/schema.ts is generated from the OpenAPI document
    // and exports all of it, used or not.
    "clients/node": {
      entry: ["src/index.ts"],
      project: ["**/*.{ts,mjs}"],
      ignore: ["src/schema.ts"],
      vitest: { config: ["vitest.config.ts"] },
    },
  },
};

export default config;
