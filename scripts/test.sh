#!/usr/bin/env bash
# `npm test`: typecheck, lint, dead code, unit tests, then the e2e suite in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n=== %s ===\n' "$1"; }
step "typecheck"; node_modules/.bin/tsc --noEmit
step "lint"; node_modules/.bin/eslint --max-warnings=0 . && node_modules/.bin/prettier --check --log-level warn .
step "dead code (knip)"; node_modules/.bin/knip
step "unit tests"; node_modules/.bin/vitest run
step "e2e (Playwright, Chromium)"; bash scripts/e2e.sh
