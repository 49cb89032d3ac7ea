// The PostgreSQL pass of `npm test` (scripts/test-pg.sh starts the server and runs this):
//
//   DATABASE_URL=postgres://…/postgres vitest run --config vitest.pg.config.ts [filters]
//
// It runs the service-level suites — the test files under SERVICE_DIRS that open a database
// through test/db.ts (freshDb) — plus test/'s own checks of that helper. The other tests
// (renderer, conditions, SSRF rules, route guards, schema mirror…) never touch a database:
// they run once, in the SQLite pass (vitest.config.ts). A new suite that uses freshDb in
// these folders joins this pass by itself.
//
// freshDb creates a database per test (CREATE DATABASE t_…) on the server DATABASE_URL
// names, so the forks run in parallel; the t_… a crashed test leaves behind go with the
// throwaway cluster.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import base from "./vitest.config";

const root = fileURLToPath(new URL(".", import.meta.url));

/** Where the service-level suites live: services, delivery (jobs, resend), dispatcher (crash), auth, ops (readiness), routes, the data layer (tx, copy-to). */
const SERVICE_DIRS = ["lib/services", "lib/delivery", "lib/dispatcher", "lib/auth", "lib/ops", "app", "db"];

/** Opens a database through test/db.ts, or needs a PostgreSQL server of its own (copy-to). */
const usesTestDb = (file: string) => /from\s+["']@\/test\/db["']|TEST_PG_URL/.test(fs.readFileSync(path.join(root, file), "utf8"));

const testFiles = (dir: string) =>
  fs
    .readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => path.posix.join(dir, f.split(path.sep).join("/")));

const suites = SERVICE_DIRS.flatMap(testFiles).filter(usesTestDb);

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // Literal paths (vitest matches include globs; a path is a glob matching only itself). Brackets
    // in Next's route folders ([doctype]) would be character classes: escape them.
    include: [...suites.map((f) => f.replace(/[[\]]/g, "\\$&")), "test/**/*.test.ts"],
    // Refuses to start without a reachable PostgreSQL in DATABASE_URL (one message, not one per test).
    globalSetup: ["test/pg-global-setup.ts"],
    // Each fork holds a test's pool (5 connections), pg-boss's and those of the workers a suite
    // spawns: 4 forks stay far below the cluster's max_connections (300, scripts/pg-cluster.sh)
    // on any machine, and a 2-core CI box runs 2 anyway.
    maxWorkers: Math.max(1, Math.min(4, os.availableParallelism())),
  },
});
