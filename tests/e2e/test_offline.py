"""The service worker: a repeat visit fetches almost nothing, and the app works offline.

On a first visit Python does not wait for the service worker: its worker keeps a copy of every
file it fetches in the service worker's cache (web/offline-copies.js)."""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import open_app, wait_ready
from tests.e2e.drawing import DIGITS, PLACES, draw
from tests.e2e.offline import cache_prefix, cached_urls, python_files, wait_for_copies


def worker_names(page: Page) -> list[str]:
    """The names of the page's Web Workers (Python's: "keep-copies" while it keeps copies)."""
    return [worker.evaluate("self.name") for worker in page.workers]


def test_works_offline_after_the_first_visit(browser: Browser, base_url: str, site: Path) -> None:
    responses = []  # (url, answered by the service worker) of every response to a GET, the worker's too
    failed = []  # the requests that got no response

    def listen(context: BrowserContext) -> None:
        context.on("response", lambda r: r.request.method == "GET" and responses.append((r.url, r.from_service_worker)))
        context.on("requestfailed", lambda r: failed.append(r.url))

    page, watch = open_app(browser, base_url, on_context=listen, service_workers="allow")
    prefix = cache_prefix(site)
    try:
        wait_ready(page)
        assert worker_names(page) == ["keep-copies"]  # one Python, which keeps copies: nothing controlled it
        page.get_by_test_id("evaluate").click()  # the test images, kept too
        expect(page.get_by_test_id("test-accuracy")).to_contain_text("of 3,147", timeout=60_000)
        # Python did not wait for the service worker: the runtime came from the network, and each
        # file came once (a file asked for once the service worker has taken over is listed twice:
        # its answer, and the service worker's own fetch)
        network = [url for url, from_sw in responses if not from_sw]
        for name in ("pyodide.asm.wasm", "python_stdlib.zip", "numpy-", "pycore-", "pillow-", "pretrained-012"):
            assert len([url for url in network if name in url]) == 1, (name, responses)
        assert not any(from_sw for url, from_sw in responses if "pyodide.asm.wasm" in url), responses
        tests = [f"{base_url}data/mnist-012-test-{part}.idx.gz" for part in ("images", "labels")]
        wait_for_copies(page, prefix, python_files(site, base_url) + tests)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        before, failed_before = len(responses), len(failed)
        page.context.set_offline(True)
        page.reload()
        wait_ready(page)
        assert worker_names(page) == [""]  # one Python, served by the service worker: it keeps nothing
        draw(page, DIGITS[2](), PLACES["centred"])
        expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "2")
        page.get_by_test_id("evaluate").click()
        expect(page.get_by_test_id("test-accuracy")).to_contain_text("of 3,147", timeout=60_000)
        offline = [(url, from_sw) for url, from_sw in responses[before:] if not url.endswith("/sw.js")]
        assert len(offline) >= 10, offline  # the page, its modules, Python, the wheels, the model, the data...
        from_network = [url for url, from_sw in offline if not from_sw]
        assert from_network == [], f"fetched from the network while offline: {from_network}"
        assert [url for url in failed[failed_before:] if not url.endswith("/sw.js")] == []
        watch.assert_clean()
    finally:
        page.context.close()


def test_no_copies_kept_when_the_service_worker_cannot_register(browser: Browser, base_url: str, site: Path) -> None:
    def listen(context: BrowserContext) -> None:
        context.route("**/sw.js", lambda route: route.fulfill(status=404, body="gone"))

    page, watch = open_app(browser, base_url, on_context=listen, service_workers="allow")
    prefix = cache_prefix(site)
    try:
        wait_ready(page)
        draw(page, DIGITS[1](), PLACES["centred"])  # Pillow is fetched too
        expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "1")
        # the copies Python's worker kept are deleted: no service worker would serve them
        for _ in range(300):
            if not cached_urls(page, prefix):
                break
            page.wait_for_timeout(100)
        assert cached_urls(page, prefix) == []
        assert page.evaluate("caches.keys()") == []
        # a restarted Python keeps none
        page.evaluate("window.digitsApp.worker.worker.terminate()")
        page.get_by_test_id("restart").click()
        wait_ready(page)
        assert worker_names(page) == [""]
        page.get_by_test_id("evaluate").click()
        expect(page.get_by_test_id("test-accuracy")).to_contain_text("of 3,147", timeout=60_000)
        assert cached_urls(page, prefix) == []
        registration = ("sw.js", "bad HTTP response code (404)")  # the browser's own words on the failed registration
        assert [e for e in watch.errors if not any(words in e for words in registration)] == []
    finally:
        page.context.close()


def test_ready_on_a_first_visit_means_python_starts_offline_next_time(browser: Browser, base_url: str) -> None:
    """Going offline as soon as "ready" shows: Python's files were all kept (the runtime's two scripts,
    which the worker asks for again once Python has loaded, are made slow here)."""

    def listen(context: BrowserContext) -> None:
        def slow(route) -> None:
            time.sleep(0.3)
            route.continue_()

        context.route(re.compile(r".*/pyodide/pyodide\.(asm\.js|mjs)$"), slow)

    page, watch = open_app(browser, base_url, on_context=listen, service_workers="allow")
    try:
        wait_ready(page)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.context.set_offline(True)
        page.reload()
        wait_ready(page)
        assert worker_names(page) == [""]
        watch.assert_clean()
    finally:
        page.context.close()
