#!/usr/bin/env bash
# The server Playwright starts: a production build on a fresh, seeded database in
# .e2e-data/ (tests reach the same database through `npm run cli` with E2E_DATABASE_URL).
set -euo pipefail
port="${1:-3100}"
dir="$(pwd)/.e2e-data"
rm -rf "$dir"
mkdir -p "$dir"
export DATABASE_URL="file:$dir/desk.db"
export ADMIN_PASSWORD="${E2E_ADMIN_PASSWORD:-admin-e2e-pass}"
export PORT="$port"
export NEXTAUTH_URL="http://localhost:$port"
export WEBHOOK_ALLOW_PRIVATE_NETWORK=1
export WEBHOOK_RETRY_SCHEDULE="${WEBHOOK_RETRY_SCHEDULE:-1,1,2}"
export WEBHOOK_RETRY_JITTER=0
exec node scripts/start.mjs
