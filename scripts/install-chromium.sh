#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (test/browser) when /usr/bin/chromium is missing.
# Idempotent and quiet: does nothing when Chromium is already there. Needs apt-get (Debian or a
# Debian-based image); on Ubuntu the "chromium" package is a snap stub that does not run in containers.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: $CHROMIUM is missing and apt-get is not available; install Chromium by hand." >&2
  exit 1
fi

# Root in CI containers; sudo on hosted runners.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# Recommended packages stay on: they bring the fonts (fonts-liberation) the report is drawn with.
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

if [ ! -x "$CHROMIUM" ]; then
  echo "install-chromium: apt-get finished but $CHROMIUM is still missing." >&2
  exit 1
fi
echo "install-chromium: $("$CHROMIUM" --version 2>/dev/null)"
