#!/usr/bin/env bash
# The service-level suites on PostgreSQL, the second unit pass of `npm test`:
#
#   bash scripts/test-pg.sh [vitest filters…]     e.g. bash scripts/test-pg.sh lib/services/event
#
# Which suites: vitest.pg.config.ts (the test files under lib/services, lib/delivery,
# lib/dispatcher, lib/auth and app/ that open a database through test/db.ts, plus test/'s own;
# the DB-free unit tests run only in the SQLite pass). Against TEST_PG_URL when it is set
# (test.sh's cluster, or a PostgreSQL 15+ of yours whose role may CREATE DATABASE), else a
# throwaway cluster started here and stopped on every exit (scripts/pg-test-cluster.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/pg-test-cluster.sh
source scripts/pg-test-cluster.sh
pg_test_cluster
DATABASE_URL="$TEST_PG_URL" node_modules/.bin/vitest run --config vitest.pg.config.ts "$@"
