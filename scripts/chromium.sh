#!/usr/bin/env bash
# Chromium for the dashboard's browser tests (test/e2e), from Debian: playwright-core drives it, and no
# browser is ever downloaded by Playwright itself. Installs the package when missing, then prints its path.
# Usage: bash scripts/chromium.sh            (CI runs as root; elsewhere sudo is used when available)
set -euo pipefail

find_chromium() {
  for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if path="$(find_chromium)"; then
  echo "$path"
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "chromium is missing and apt-get is not available: install Chromium and set CHROMIUM_PATH" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "chromium is missing: run this script as root (or install the 'chromium' package)" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null

if path="$(find_chromium)"; then
  echo "$path"
else
  echo "chromium was installed but not found at /usr/bin/chromium" >&2
  exit 1
fi
