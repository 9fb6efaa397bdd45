#!/usr/bin/env bash
# The test command (npm test): installs what is missing, brings the local services up, runs the main
# suite (unit, integration, e2e), then the fault suite (which stops and restarts services, so it runs alone).
#   npm test                     everything
#   npm test -- test/unit        only what matches (main suite only)
# With TEST_REPORT_DIR set, each suite also writes a vitest JSON report there (CI reads them).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ -d node_modules ] || npm ci --no-audit --no-fund || exit 1
bash scripts/services.sh up || exit 1
command -v chromium >/dev/null 2>&1 || bash scripts/chromium.sh || echo "test: chromium missing; browser tests will fail" >&2
eval "$(bash scripts/services.sh env)"

report() { # suite name → extra vitest args
  if [ -n "${TEST_REPORT_DIR:-}" ]; then
    mkdir -p "$TEST_REPORT_DIR"
    echo "--reporter=default --reporter=json --outputFile.json=$TEST_REPORT_DIR/$1.json"
  fi
}

status=0
# shellcheck disable=SC2046
npx vitest run $(report main) "$@" || status=1
if [ $# -eq 0 ]; then
  # shellcheck disable=SC2046
  VITEST_SUITE=faults npx vitest run $(report faults) || status=1
fi
exit $status
