"""The service worker's cache, seen from a page: what is in it, and waiting for the copies that
Python's worker keeps there on a first visit (web/offline-copies.js). Used by the offline tests and
the benchmark."""

from __future__ import annotations

import http.server
import json
import re
from pathlib import Path

from playwright.sync_api import Page


def answer(handler: http.server.BaseHTTPRequestHandler, body: bytes, content_type: str) -> None:
    """Answer a test server's GET with ``body`` (200, its true length): what a fault-injecting
    server sends instead of the site's file (cut off, or another deploy's)."""
    handler.send_response(200)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def wait_for_service_worker(page: Page, timeout_s: float = 30) -> None:
    """Wait until this site's service worker is active (navigator.serviceWorker.ready), at most ``timeout_s``."""
    ready = page.evaluate(
        """(ms) => Promise.race([navigator.serviceWorker.ready.then(() => true),
                                new Promise((resolve) => setTimeout(() => resolve(false), ms))])""",
        timeout_s * 1000,
    )
    assert ready, "no service worker became active"


def cache_prefix(site: Path) -> str:
    """The prefix of the service worker's cache names (any site on the origin), as the build stamped it."""
    return re.search(r'const SITE_CACHES = "([^"]+)"', (site / "offline-copies.js").read_text()).group(1)


def python_files(site: Path, base_url: str) -> list[str]:
    """The URLs a first visit must keep for offline use: the runtime, the lock, every wheel it lists
    (Pillow's too), the manifest and the pretrained model of the 0–2 mode."""
    lock = json.loads((site / "pyodide" / "pyodide-lock.json").read_text())
    runtime = ["pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"]
    wheels = [package["file_name"] for package in lock["packages"].values()]
    manifest = json.loads((site / "data" / "manifest.json").read_text())
    data = ["manifest.json", manifest["pretrained"]["file"]]
    return [f"{base_url}pyodide/{name}" for name in runtime + wheels] + [f"{base_url}data/{name}" for name in data]


# In the page: wait (at most ``ms``) until the caches named ``prefix``… hold every one of ``urls``,
# or nothing if ``urls`` is null; returns what is still missing (or left: with ``ms`` 0, what they
# hold). The Cache API has no change event, so the page looks again every 50 ms.
_SETTLE = """async ({prefix, urls, ms}) => {
    const deadline = performance.now() + ms;
    for (;;) {
        const kept = [];
        for (const name of await caches.keys()) {
            if (!name.startsWith(prefix)) continue;
            for (const request of await (await caches.open(name)).keys()) kept.push(request.url);
        }
        const wrong = urls === null ? kept : urls.filter((url) => !kept.includes(url));
        if (!wrong.length || performance.now() > deadline) return wrong;
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}"""


def cached_urls(page: Page, prefix: str) -> list[str]:
    """The URLs in the caches whose names start with ``prefix``."""
    return page.evaluate(_SETTLE, {"prefix": prefix, "urls": None, "ms": 0})


def wait_for_copies(page: Page, prefix: str, urls: list[str], timeout_s: float = 30) -> None:
    """Wait until every one of ``urls`` is in the cache (a copy is listed once it is complete)."""
    missing = page.evaluate(_SETTLE, {"prefix": prefix, "urls": urls, "ms": timeout_s * 1000})
    assert missing == [], f"not in the service worker's cache: {missing}"


def wait_for_no_copies(page: Page, prefix: str, timeout_s: float = 30) -> None:
    """Wait until no cache whose name starts with ``prefix`` holds anything."""
    left = page.evaluate(_SETTLE, {"prefix": prefix, "urls": None, "ms": timeout_s * 1000})
    assert left == [], f"still in the service worker's cache: {left}"
