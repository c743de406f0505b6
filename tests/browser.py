"""Launching Chromium for the end-to-end tests and the benchmark, the same way for both."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Playwright

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
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium where it exists (Playwright cannot download browsers here), else Playwright's own."""
    if DEBIAN_CHROMIUM.exists():
        return playwright.chromium.launch(executable_path=str(DEBIAN_CHROMIUM), args=CHROMIUM_FLAGS)
    return playwright.chromium.launch(args=CHROMIUM_FLAGS)
