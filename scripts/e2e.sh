#!/usr/bin/env bash
# E2E: a fresh production build, then Playwright in headless Chromium.
set -euo pipefail
bash scripts/ensure-chromium.sh
if [ "${SKIP_BUILD:-}" != "1" ]; then
  NEXT_TELEMETRY_DISABLED=1 node_modules/.bin/next build
fi
exec node_modules/.bin/playwright test "$@"
