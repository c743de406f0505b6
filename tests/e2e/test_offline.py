"""The service worker: a repeat visit fetches almost nothing, and the app works offline.

On a first visit Python does not wait for the service worker: its worker keeps a copy of every
file it fetches in the service worker's cache (web/offline-copies.js)."""

import time

from playwright.sync_api import expect

from tests.e2e.conftest import open_app, wait_ready
from tests.e2e.drawing import DIGITS, PLACES, draw


def cached_urls(page) -> list[str]:
    """The URLs in the site's service-worker caches."""
    return page.evaluate(
        """async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                if (!name.startsWith("digits-from-scratch-")) continue;
                for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
            }
            return urls;
        }"""
    )


def test_works_offline_after_the_first_visit(browser, base_url):
    responses = []  # (url, answered by the service worker) of every response to a GET, the worker's too

    def listen(context):
        context.on("response", lambda r: r.request.method == "GET" and responses.append((r.url, r.from_service_worker)))

    page, watch = open_app(browser, base_url, on_context=listen, service_workers="allow")
    try:
        wait_ready(page)
        page.get_by_test_id("evaluate").click()  # also caches the test images
        expect(page.get_by_test_id("test-accuracy")).to_contain_text("of 3,147", timeout=60_000)
        assert [w.url.rsplit("/", 1)[-1] for w in page.workers] == ["worker.js"], page.workers  # one Python
        # Python did not wait for the service worker: the runtime came from the network, not from it
        # (a file asked for once the service worker has taken over is listed twice: its answer, and its
        # own fetch), and each file came once: nothing was downloaded twice
        network = [url for url, from_sw in responses if not from_sw]
        for name in ("pyodide.asm.wasm", "python_stdlib.zip", "numpy-", "pycore-", "pillow-", "pretrained-012"):
            assert len([url for url in network if name in url]) == 1, (name, responses)
        assert not any(from_sw for url, from_sw in responses if "pyodide.asm.wasm" in url), responses
        # ... and the worker kept them in the service worker's cache, with the data it fetched
        wanted = (
            "pyodide.asm.wasm",
            "python_stdlib.zip",
            "pyodide.asm.js",
            "pyodide.mjs",
            "numpy-",
            "pycore-",
            "pillow-",
            "manifest.json",
            "test-images",
        )
        deadline = time.time() + 30
        while missing := [w for w in wanted if not any(w in url for url in cached_urls(page))]:
            assert time.time() < deadline, f"not cached: {missing}"
            page.wait_for_timeout(100)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        before = len(responses)
        workers = []  # the Web Workers this load starts (worker-start.js's, adopted: one Python)
        page.on("worker", lambda w: workers.append(w.url))
        page.context.set_offline(True)
        page.reload()
        wait_ready(page)
        assert [url.rsplit("/", 1)[-1] for url in workers] == ["worker.js"], workers
        draw(page, DIGITS[2](), PLACES["centred"])
        expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "2")
        page.get_by_test_id("evaluate").click()
        expect(page.get_by_test_id("test-accuracy")).to_contain_text("of 3,147", timeout=60_000)
        offline = [(url, from_sw) for url, from_sw in responses[before:] if not url.endswith("/sw.js")]
        assert len(offline) >= 10, offline  # the page, its modules, Python, the wheels, the model, the data...
        from_network = [url for url, from_sw in offline if not from_sw]
        assert from_network == [], f"fetched from the network while offline: {from_network}"
        assert watch.foreign == []
    finally:
        page.context.close()
