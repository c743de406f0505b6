#!/usr/bin/env bash
# Make sure a Chromium exists for the end-to-end tests. Which one they use is decided in one place,
# tests/browser.py: the system's /usr/bin/chromium, else Playwright's own browser. When neither is
# there and we are root on Debian, install Debian's chromium (Ubuntu's package is only a snap stub).
# Usage: build/ensure-chromium.sh [PYTHON]   (default: .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${1:-.venv/bin/python}"

find_chromium() { "$PY" tests/browser.py 2> "$hint"; }

distro=""
if [ -r /etc/os-release ]; then distro="$(. /etc/os-release && echo "${ID:-}")"; fi

# Japanese fonts: without them the Japanese page's screenshots show boxes, and the 360 px layout
# test measures boxes instead of the glyphs people see. Installed when we are root with apt.
if command -v fc-list > /dev/null && [ -z "$(fc-list :lang=ja)" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "==> Installing Japanese fonts for the end-to-end tests (apt-get install fonts-noto-cjk)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk > /dev/null
  else
    echo "==> note: no Japanese font is installed (fc-list :lang=ja); install fonts-noto-cjk for true Japanese screenshots" >&2
  fi
fi

hint="$(mktemp)"
trap 'rm -f "$hint"' EXIT
if found="$(find_chromium)"; then
  echo "==> Chromium for the end-to-end tests: $found"
  exit 0
fi
if [ "$(id -u)" = 0 ] && [ "$distro" = debian ] && command -v apt-get > /dev/null; then
  echo "==> Installing Debian's chromium for the end-to-end tests (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
  if found="$(find_chromium)"; then
    echo "==> Chromium for the end-to-end tests: $found"
    exit 0
  fi
fi
cat "$hint" >&2
exit 1
