# Sourced by scripts/test.sh, test-pg.sh and e2e.sh (not run on its own): a throwaway
# PostgreSQL for the tests, shared by whichever of them starts first.
#
#   pg_test_cluster    TEST_PG_URL already set (a caller's cluster, or a server of yours): use it.
#                      Else start one (scripts/pg-cluster.sh) in a fresh /tmp/wd-pg.* on a free
#                      port, export TEST_PG_URL=postgres://postgres@127.0.0.1:<port>/postgres, and
#                      stop it and delete its directory when this shell exits: normally, on a
#                      failed step (set -e), on Ctrl-C (INT), TERM or HUP.
#
# Tests create their databases on it (test/db.ts: t_…; the e2e server: e2e_desk) and never drop
# the cluster's own: leftovers go with the directory.

pg_test_cluster() {
  if [ -n "${TEST_PG_URL:-}" ]; then
    echo "PostgreSQL for the tests: TEST_PG_URL=$TEST_PG_URL (not started here, left running)" >&2
    return 0
  fi
  # /tmp, not $TMPDIR: the server's socket path (<dir>/.s.PGSQL.<port>) must stay under 107 bytes.
  PG_TEST_DIR=$(mktemp -d /tmp/wd-pg.XXXXXX)
  # Armed before the start, so a half-started cluster is stopped too. A signal becomes an exit
  # (128+n), which runs the EXIT trap once.
  trap pg_test_cluster_stop EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 143' TERM
  local t0=$SECONDS
  TEST_PG_URL=$(bash scripts/pg-cluster.sh start "$PG_TEST_DIR")
  export TEST_PG_URL
  echo "PostgreSQL for the tests: $TEST_PG_URL in $PG_TEST_DIR (started in $((SECONDS - t0)) s; stopped when this run ends)" >&2
}

pg_test_cluster_stop() {
  local rc=$?
  trap - EXIT HUP INT TERM
  if [ -n "${PG_TEST_DIR:-}" ]; then
    bash scripts/pg-cluster.sh stop "$PG_TEST_DIR" || echo "warning: could not stop the test cluster in $PG_TEST_DIR" >&2
    PG_TEST_DIR=""
  fi
  exit "$rc"
}
