"""The service worker: a repeat visit fetches almost nothing, and the app works offline."""

from playwright.sync_api import expect

from tests.e2e.conftest import open_app, wait_ready
from tests.e2e.drawing import DIGITS, PLACES, draw


def test_works_offline_after_the_first_visit(browser, base_url):
    page, watch = open_app(browser, base_url, service_workers="allow")
    responses = []  # (url, answered by the service worker) of every response, the worker's too
    page.context.on("response", lambda r: responses.append((r.url, r.from_service_worker)))
    try:
        wait_ready(page)
        page.get_by_test_id("evaluate").click()  # also caches the test images
        expect(page.get_by_test_id("test-accuracy")).to_contain_text("of 3,147", timeout=60_000)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        controlled = page.evaluate("navigator.serviceWorker.controller !== null")
        if not controlled:  # the first load was not yet controlled; the next one is
            page.reload()
            wait_ready(page)
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
