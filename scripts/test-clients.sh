#!/usr/bin/env bash
# The host-app clients' tests against a real desk (each test starts its own, on a fresh SQLite
# database, through clients/test-support/desk-server.mjs):
#   - clients/node (@webhook-desk/client, an npm workspace: `npm ci` installed it): typecheck
#     and build (tsc), its generated types against the server's OpenAPI document, and the
#     client across a SIGKILL and restart of the desk;
#   - clients/frappe: Python's unittest (standard library only) against the desk.
# They need the production build: `npm test` runs this after the e2e step has built it; on its
# own it builds when there is no build yet (BUILD=1 rebuilds).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${BUILD:-}" = "1" ] || [ ! -f .next/BUILD_ID ]; then
  NEXT_TELEMETRY_DISABLED=1 node_modules/.bin/next build
fi
# The worker_threads bundles the server loads (scripts/start.mjs makes them when stale).
node scripts/build-workers.mjs
npm test --workspace @webhook-desk/client
(cd clients/frappe && python3 -m unittest discover -s tests -t .)
