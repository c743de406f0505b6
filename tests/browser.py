"""Finding and launching Chromium for the end-to-end tests, the benchmark and the audit, the same way for all.

The one place that decides which browser runs: the system's Chromium (Debian's ``chromium`` package,
or the one GitHub's Ubuntu runners ship at the same path) when it is there, else Playwright's own
browser (``python -m playwright install chromium``). ``build/ensure-chromium.sh`` asks this module
too: ``python tests/browser.py`` prints the path it would use, or says what to install and exits 1.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

# Flags that work on our machines (no sandbox as root, no GPU, no background calls to the network).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
# Overrides the system path; the tests use it to fake a machine without /usr/bin/chromium.
SYSTEM_CHROMIUM_ENV = "DIGITS_SYSTEM_CHROMIUM"
MISSING_HINT = (
    "No Chromium found for the end-to-end tests: neither {system} nor Playwright's own browser ({own}).\n"
    "Install Debian's 'chromium' package (sudo apt-get install chromium), or run "
    "'.venv/bin/python -m playwright install --with-deps chromium' where downloads are allowed."
)


def system_chromium() -> Path:
    """Where the system's Chromium is looked for (``$DIGITS_SYSTEM_CHROMIUM``, else /usr/bin/chromium)."""
    return Path(os.environ.get(SYSTEM_CHROMIUM_ENV) or SYSTEM_CHROMIUM)


def is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_chromium(playwright: Playwright | None = None) -> Path | None:
    """The system's Chromium if it is there, else Playwright's own (it honours PLAYWRIGHT_BROWSERS_PATH), else None.

    Without ``playwright``, Playwright is started only when its browser has to be looked up.
    """
    system = system_chromium()
    if is_executable(system):
        return system
    if playwright is None:
        with sync_playwright() as started:
            return find_chromium(started)
    own = Path(playwright.chromium.executable_path)
    return own if is_executable(own) else None


def missing_message(playwright: Playwright | None = None) -> str:
    """What to install, naming both places that were looked at."""
    if playwright is None:
        with sync_playwright() as started:
            return missing_message(started)
    return MISSING_HINT.format(system=system_chromium(), own=playwright.chromium.executable_path)


def chromium_path(playwright: Playwright) -> str:
    """The browser ``find_chromium`` picks; a clear error when there is none."""
    path = find_chromium(playwright)
    if path is None:
        raise RuntimeError(missing_message(playwright))
    return str(path)


def launch_chromium(playwright: Playwright) -> Browser:
    """Launch the browser ``find_chromium`` picks, with our flags."""
    return playwright.chromium.launch(executable_path=chromium_path(playwright), args=CHROMIUM_FLAGS)


def launch_with_profile(playwright: Playwright, profile: Path) -> BrowserContext:
    """The same, with an on-disk profile in ``profile``: a visitor's browser. (Playwright's
    ``new_context()`` is a private window, where V8 keeps no compiled code between visits.)"""
    return playwright.chromium.launch_persistent_context(
        profile, executable_path=chromium_path(playwright), args=CHROMIUM_FLAGS
    )


def main() -> int:
    """Print the Chromium the tests would use; exit 1 with what to install when there is none."""
    path = find_chromium()
    if path is None:
        print(missing_message(), file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
