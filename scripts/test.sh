#!/usr/bin/env bash
# `npm test`, in order (it stops at the first step that fails):
#   1. typecheck, lint (ESLint + Prettier), dead code (knip), migrations of both dialects (db:check);
#   2. every unit test on SQLite (vitest.config.ts);
#   3. the service-level suites again on PostgreSQL (scripts/test-pg.sh, vitest.pg.config.ts):
#      events, dispatcher (crash), webhooks, request log (resend), delivery and jobs, auth
#      (security gates), the REST routes: the test files under lib/services, lib/delivery,
#      lib/dispatcher, lib/auth and app/ that open a database (test/db.ts). The DB-free unit
#      tests are not repeated;
#   4. the e2e suite in headless Chromium (scripts/e2e.sh): the SQLite projects, then the one
#      PostgreSQL smoke project ("postgres", e2e/postgres.spec.ts) on a second server;
#   5. the host-app clients against a real desk on that build (scripts/test-clients.sh):
#      clients/node (@webhook-desk/client) and clients/frappe (Python unittest).
# Steps 3 and 4 share one throwaway PostgreSQL this script starts (scripts/pg-test-cluster.sh:
# a private cluster in /tmp/wd-pg.* on a free port, installed from Debian's packages when
# missing) and stops on every exit, failures and Ctrl-C included. TEST_PG_URL=postgres://…
# uses a server of yours instead (its role must be allowed to CREATE DATABASE).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
step() { printf '\n=== %s (at %d s) ===\n' "$1" $((SECONDS - start)); }

step "typecheck"
node_modules/.bin/tsc --noEmit
step "lint"
node_modules/.bin/eslint --max-warnings=0 . && node_modules/.bin/prettier --check --log-level warn .
step "dead code (knip)"
node_modules/.bin/knip
step "migrations of both dialects (db:check)"
node scripts/check-migrations.mjs

step "unit tests (SQLite)"
# An inherited postgres:// DATABASE_URL would turn this pass into a PostgreSQL one.
DATABASE_URL="" node_modules/.bin/vitest run

step "service-level suites (PostgreSQL)"
# shellcheck source=scripts/pg-test-cluster.sh
source scripts/pg-test-cluster.sh
pg_test_cluster # exports TEST_PG_URL for test-pg.sh and e2e.sh, which then reuse it
bash scripts/test-pg.sh

step "e2e (Playwright, Chromium: SQLite, then the PostgreSQL smoke project)"
TEST_PG=1 bash scripts/e2e.sh # never without the postgres project here, whatever the environment says

step "host-app clients (Node, Frappe) against the built desk"
bash scripts/test-clients.sh

step "all passed in $((SECONDS - start)) s"
