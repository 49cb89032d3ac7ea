#!/usr/bin/env bash
# A server Playwright starts (playwright.config.ts webServer): the production build on a fresh,
# seeded database, with a short retry schedule and private addresses allowed (loopback receivers).
#
#   e2e-server.sh [port]       SQLite in .e2e-data/desk.db (tests reach the same database
#                              through `npm run cli` with E2E_DATABASE_URL, e2e/helpers.ts)
#   e2e-server.sh <port> pg    PostgreSQL: database e2e_desk on TEST_PG_URL's server, dropped
#                              and created afresh; its generated secrets in .e2e-data-pg/
#
# Either way start.mjs migrates, seeds (the Administrator gets E2E_ADMIN_PASSWORD) and serves.
set -euo pipefail
port="${1:-3100}"
dialect="${2:-sqlite}"
case "$dialect" in
  sqlite)
    dir="$(pwd)/.e2e-data"
    rm -rf "$dir"
    mkdir -p "$dir"
    export DATABASE_URL="file:$dir/desk.db"
    ;;
  pg)
    [ -n "${TEST_PG_URL:-}" ] || {
      echo "e2e-server.sh: the pg server needs TEST_PG_URL (scripts/e2e.sh sets it)" >&2
      exit 1
    }
    dir="$(pwd)/.e2e-data-pg"
    rm -rf "$dir"
    mkdir -p "$dir"
    # On PostgreSQL the secrets are not next to a database file: DATA_DIR says where to keep them.
    export DATA_DIR="$dir"
    DATABASE_URL=$(node -e '
      const pg = require("pg");
      const url = new URL(process.env.TEST_PG_URL);
      const admin = new pg.Client({ connectionString: url.toString() });
      (async () => {
        await admin.connect();
        await admin.query("DROP DATABASE IF EXISTS e2e_desk WITH (FORCE)");
        await admin.query("CREATE DATABASE e2e_desk");
        await admin.end();
        url.pathname = "/e2e_desk";
        console.log(url.toString());
      })().catch((e) => {
        console.error("e2e-server.sh: could not create e2e_desk on TEST_PG_URL: " + e.message);
        process.exit(1);
      });')
    export DATABASE_URL
    ;;
  *)
    echo "usage: $0 [port] [sqlite|pg]" >&2
    exit 2
    ;;
esac
export ADMIN_PASSWORD="${E2E_ADMIN_PASSWORD:-admin-e2e-pass}"
export PORT="$port"
export NEXTAUTH_URL="http://localhost:$port"
export WEBHOOK_ALLOW_PRIVATE_NETWORK=1
export WEBHOOK_RETRY_SCHEDULE="${WEBHOOK_RETRY_SCHEDULE:-1,1,2}"
export WEBHOOK_RETRY_JITTER=0
exec node scripts/start.mjs
