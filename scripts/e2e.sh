#!/usr/bin/env bash
# E2E: a fresh production build, then Playwright in headless Chromium. Playwright starts two
# servers on that build (scripts/e2e-server.sh): SQLite on E2E_PORT (3100) for the "setup" and
# "chromium" projects, and PostgreSQL on E2E_PG_PORT (3101) for the "postgres" smoke project,
# on TEST_PG_URL's server: the caller's (scripts/test.sh), else a throwaway cluster started
# here and stopped when Playwright is done (scripts/pg-test-cluster.sh).
#
#   SKIP_BUILD=1   reuse the current build
#   TEST_PG=0      no PostgreSQL: the SQLite projects only (e.g. with a spec file named)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-chromium.sh
if [ "${SKIP_BUILD:-}" != "1" ]; then
  NEXT_TELEMETRY_DISABLED=1 node_modules/.bin/next build
fi
if [ "${TEST_PG:-1}" = "0" ]; then
  unset TEST_PG_URL # playwright.config.ts adds the postgres project only with it
else
  # shellcheck source=scripts/pg-test-cluster.sh
  source scripts/pg-test-cluster.sh
  pg_test_cluster
fi
# Not exec: the cluster's EXIT trap must outlive Playwright.
node_modules/.bin/playwright test "$@"
