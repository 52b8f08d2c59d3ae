#!/usr/bin/env bash
# The staff console tests drive Debian's Chromium through playwright-core (no browser download).
# Installs it when missing and we may (root with apt-get); otherwise says how.
set -euo pipefail
bin="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$bin" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "Chromium not found at $bin: install it (Debian: sudo apt-get install chromium) or set CHROMIUM_PATH." >&2
exit 1
