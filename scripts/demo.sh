#!/usr/bin/env bash
# npm run demo: installs what is missing, then runs scripts/demo.ts (see there).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
exec npx tsx scripts/demo.ts
