"""The site boots Pyodide with pycore, predicts, and stays on its own origin, at / and under a sub-path."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_app, screenshot, wait_ready


@pytest.mark.parametrize("where", ["root", "subpath"])
def test_boots_and_predicts_mnist_test_images(browser, base_url, subpath_url, where):
    url = base_url if where == "root" else subpath_url
    page, watch = open_app(browser, url)
    try:
        wait_ready(page)
        expect(page.get_by_test_id("model-info")).to_contain_text("784-500-100-3")
        page.get_by_test_id("evaluate").click()
        expect(page.get_by_test_id("test-accuracy")).to_contain_text("of 3,147", timeout=60_000)
        accuracy = float(page.get_by_test_id("test-accuracy").get_attribute("data-accuracy"))
        assert accuracy >= 0.97
        items = page.get_by_test_id("gallery").locator("li")
        expect(items).to_have_count(20)
        right = page.get_by_test_id("gallery").locator("li.right").count()
        assert right >= 19
        if where == "root":
            screenshot(page, "ready")
        assert any("/pyodide/pycore-" in r for r in watch.requests)
        assert all(r.startswith(url) for r in watch.requests if r.startswith("http")), watch.requests
        watch.assert_clean()
    finally:
        page.context.close()


def test_opened_as_a_file_explains_how_to_serve(browser, site):
    page = browser.new_page()
    try:
        page.goto((site / "index.html").as_uri())
        expect(page.get_by_test_id("boot-message")).to_contain_text("make serve")
        expect(page.get_by_test_id("status")).to_contain_text("file://")
    finally:
        page.close()


def test_missing_runtime_shows_an_error_not_a_hang(browser, base_url):
    page, _ = open_app(browser, base_url + "?broken")
    try:
        page.context.route("**/pyodide.asm.wasm", lambda route: route.fulfill(status=404, body="gone"))
        page.reload()
        expect(page.get_by_test_id("status")).to_contain_text("Error", timeout=30_000)
        expect(page.get_by_test_id("status")).to_contain_text("pyodide.asm.wasm")
        expect(page.get_by_test_id("status")).to_contain_text("Reload")
    finally:
        page.context.close()


def test_loading_that_takes_too_long_says_so(browser, base_url):
    page, _ = open_app(browser, base_url + "?other")
    try:
        page.context.route("**/python_stdlib.zip", lambda route: None)  # never answered: a stalled download
        page.goto(base_url + "?boot-timeout-ms=4000")
        expect(page.get_by_test_id("status")).to_contain_text("taking too long", timeout=30_000)
    finally:
        page.context.close()
