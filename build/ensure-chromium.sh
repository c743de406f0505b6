#!/usr/bin/env bash
# Make sure a Chromium exists for the end-to-end tests: Debian's (installed with apt when we are
# root), or Playwright's own browser on machines that have one.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if compgen -G "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}/chromium*" > /dev/null; then
  echo "==> Using Playwright's own Chromium"
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  echo "==> Installing Debian's chromium for the end-to-end tests (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
  exit 0
fi
echo "No Chromium found. Install Debian's 'chromium' package (sudo apt-get install chromium)," >&2
echo "or run '.venv/bin/playwright install chromium' where downloads are allowed." >&2
exit 1
