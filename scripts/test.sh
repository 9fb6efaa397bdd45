#!/usr/bin/env bash
# The test command (npm test): installs what is missing, brings the local services up, runs vitest.
# Extra arguments go to vitest (e.g. `npm test -- test/unit`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/services.sh up
eval "$(bash scripts/services.sh env)"
exec npx vitest run "$@"
