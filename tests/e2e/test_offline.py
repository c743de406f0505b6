"""The service worker: a repeat visit fetches almost nothing, and the app works offline.

On a first visit Python does not wait for the service worker: its worker keeps a copy of every
file it fetches in the service worker's cache (web/offline-copies.js)."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from pathlib import Path
from unittest.mock import ANY

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import open_app, site_server, wait_ready
from tests.e2e.drawing import DIGITS, PLACES, draw
from tests.e2e.offline import (
    answer,
    cache_prefix,
    cached_urls,
    python_files,
    wait_for_copies,
    wait_for_no_copies,
    wait_for_service_worker,
)
from tests.e2e.places import control_places, moved


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
        wait_for_service_worker(page)
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
        wait_for_no_copies(page, prefix)
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


def test_ready_on_a_first_visit_means_python_starts_offline_next_time(browser: Browser, site: Path) -> None:
    """ "ready" waits for the worker's copies: here the server holds the copy of the runtime's script
    (asked for a second time, to be kept; the first was to load it) until the page says it is keeping
    Python's files; only then may "ready" come, with every file kept."""
    asked = Counter()
    release = threading.Event()

    class HeldCopy(site_server.SiteHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            asked[self.path] += 1
            if self.path.endswith("/pyodide.asm.js") and asked[self.path] == 2:
                release.wait(timeout=60)  # (until the test has seen the page wait for it)
            super().do_GET()

    server, base_url = site_server.serve_in_thread(site, handler=HeldCopy)
    page, watch = open_app(browser, base_url, service_workers="allow")
    try:
        expect(page.get_by_test_id("status")).to_contain_text("Keeping Python's files", timeout=90_000)
        release.set()
        wait_ready(page)
        kept = set(cached_urls(page, cache_prefix(site)))
        wanted = [url for url in python_files(site, base_url) if "pillow-" not in url]  # (Pillow loads after)
        assert sorted(set(wanted) - kept) == [], "not kept at ready"
        assert asked["/pyodide/pyodide.asm.js"] == 2  # the copy was asked for (and held)
        wait_for_service_worker(page)
        page.context.set_offline(True)
        page.reload()
        wait_ready(page)
        assert worker_names(page) == [""]
        watch.assert_clean()
    finally:
        release.set()
        page.context.close()
        server.shutdown()


# The controls that, given the focus, end up under the new deploy's offer (which floats over the page).
FOCUSED_UNDER_THE_OFFER = """() => {
  const offerTop = document.getElementById("update-offer").getBoundingClientRect().top;
  const hidden = [];
  for (const el of document.querySelectorAll("main [data-testid]")) {
    if (!el.matches("button, input, select") || el.disabled || !el.getClientRects().length) continue;
    el.focus();
    if (document.activeElement === el && el.getBoundingClientRect().bottom > offerTop) hidden.push(el.dataset.testid);
  }
  return hidden;
}"""


def test_a_new_deploy_waits_is_offered_and_reload_brings_it(browser: Browser, site: Path) -> None:
    """A new deploy's service worker does not take over an open page (its cache would go mid-visit):
    the page offers it, and Reload brings it, with the old deploy's cache deleted and Python's files
    taken from it, so that Python starts offline right away."""
    sw = (site / "sw.js").read_text()
    version = re.search(r'const VERSION = "([0-9a-f]{16})"', sw).group(1)
    new_version = "0123456789abcdef"
    deploy = {"sw": sw}  # the sw.js the server sends (a new deploy changes its version)

    class Deploys(site_server.SiteHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if not self.path.endswith("/sw.js"):
                return super().do_GET()
            answer(self, deploy["sw"].encode(), "text/javascript")

    server, base_url = site_server.serve_in_thread(site, handler=Deploys)
    page, watch = open_app(browser, base_url, service_workers="allow")
    prefix = cache_prefix(site)
    try:
        wait_ready(page)
        page.evaluate(  # the first deploy's service worker takes over the page by itself
            """() => navigator.serviceWorker.controller !== null || new Promise((resolve) =>
                navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true), { once: true }))"""
        )
        assert page.get_by_test_id("update").is_hidden()
        places = control_places(page)
        deploy["sw"] = sw.replace(version, new_version)
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        expect(page.get_by_test_id("update")).to_be_visible(timeout=30_000)
        expect(page.get_by_test_id("update-bar")).to_contain_text("A new version of this page is ready.")
        # the offer floats over the page: no control under the visitor's pointer moved
        assert moved(places, control_places(page)) == {name: (None, ANY) for name in ("update", "update-later")}
        # on a narrow phone, where it wraps, the page's end still scrolls clear of it
        size = page.viewport_size
        page.set_viewport_size({"width": 320, "height": 640})
        page.evaluate("() => window.scrollTo(0, document.scrollingElement.scrollHeight)")
        footer = page.locator("footer").bounding_box()
        assert footer["y"] + footer["height"] <= page.locator("#update-offer").bounding_box()["y"]
        # and a control that gets the focus is scrolled clear of it, not left under it
        assert page.evaluate(FOCUSED_UNDER_THE_OFFER) == []
        page.set_viewport_size(size)
        # Later, from the keyboard: hides it until the next page load, and gives the focus back
        page.get_by_test_id("language").focus()
        page.keyboard.press("Tab")
        expect(page.get_by_test_id("update")).to_be_focused()
        page.keyboard.press("Tab")
        expect(page.get_by_test_id("update-later")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("update")).to_be_hidden()
        expect(page.get_by_test_id("language")).to_be_focused()
        assert control_places(page) == places
        page.reload()  # (the new deploy still waits: a reload does not let it take over)
        wait_ready(page)
        expect(page.get_by_test_id("update")).to_be_visible(timeout=30_000)
        old, new = f"{prefix}/{version}", f"{prefix}/{new_version}"
        assert sorted(page.evaluate("caches.keys()")) == sorted([old, new])  # the open page keeps its cache
        # the new deploy took Python's files from the last one's cache (unchanged here): it starts offline
        assert sorted(set(python_files(site, base_url)) - set(cached_urls(page, new))) == []
        with page.expect_navigation():
            page.get_by_test_id("update").click()
        wait_ready(page)
        assert page.evaluate("caches.keys()") == [new]
        assert page.get_by_test_id("update").is_hidden()
        page.context.set_offline(True)
        page.reload()
        wait_ready(page)
        watch.assert_clean()
    finally:
        page.context.close()
        server.shutdown()


def test_a_page_open_during_a_deploy_says_to_reload_not_that_the_new_files_are_damaged(
    browser: Browser, site: Path
) -> None:
    """A page of the last deploy asks for a file it had not fetched yet (the 0–9 model) after a new
    deploy changed it: the file is not this page's deploy's, yet not damaged. The page says the site
    was updated and to reload."""
    sw = (site / "sw.js").read_text()
    version = re.search(r'const VERSION = "([0-9a-f]{16})"', sw).group(1)
    model = "data/" + json.loads((site / "data" / "manifest.json").read_text())["pretrained_all"]["file"]
    deploy = {"new": False}

    class Deploys(site_server.SiteHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.split("?")[0]
            if not deploy["new"] or path not in ("/sw.js", "/" + model):
                return super().do_GET()
            body = (site / path[1:]).read_bytes()
            body = body.replace(version.encode(), b"0123456789abcdef") if path == "/sw.js" else body + b"\0"
            answer(self, body, self.guess_type(path))

    server, base_url = site_server.serve_in_thread(site, handler=Deploys)
    page, watch = open_app(browser, base_url, service_workers="allow")
    status = page.get_by_test_id("status")
    try:
        wait_ready(page)
        wait_for_service_worker(page)
        deploy["new"] = True
        page.get_by_test_id("mode").select_option("0-9")
        expect(status).to_contain_text("this site was updated while the page was open", timeout=60_000)
        expect(status).not_to_contain_text("did not arrive as this site was built")
        expect(page.get_by_test_id("mode")).to_have_value("0-2")
        watch.assert_clean()
    finally:
        page.context.close()
        server.shutdown()


def test_offline_with_a_file_of_python_missing_says_to_connect_once(
    browser: Browser, base_url: str, site: Path
) -> None:
    page, watch = open_app(browser, base_url, service_workers="allow")
    prefix = cache_prefix(site)
    try:
        wait_ready(page)
        wait_for_copies(page, prefix, python_files(site, base_url))
        wait_for_service_worker(page)
        removed = page.evaluate(
            """async (prefix) => {
                let removed = 0;
                for (const name of await caches.keys()) {
                    if (!name.startsWith(prefix)) continue;
                    const cache = await caches.open(name);
                    for (const request of await cache.keys()) {
                        if (request.url.includes("/numpy-")) removed += (await cache.delete(request)) ? 1 : 0;
                    }
                }
                return removed;
            }""",
            prefix,
        )
        assert removed == 1
        page.context.set_offline(True)
        page.reload()
        expect(page.get_by_test_id("status")).to_contain_text("(connect once)", timeout=90_000)
        assert watch.foreign == []
    finally:
        page.context.close()
