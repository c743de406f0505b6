"""Files that arrive damaged: cut off halfway (a deploy under way, a proxy), yet answered 200.

The page names them instead of showing the runtime's own error or waiting for the boot timeout,
keeps no damaged copy for offline use (the build's sha256 of every file: web/file-integrity.js and
web/sw.js), and starts once the server has the right file again."""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import READY_TIMEOUT_MS, open_app, site_server, wait_ready
from tests.e2e.offline import (
    answer,
    cache_prefix,
    cached_urls,
    python_files,
    wait_for_copies,
    wait_for_no_copies,
    wait_for_service_worker,
)

CUT_OFF = "did not arrive as this site was built"
I18N = Path(__file__).resolve().parents[2] / "web" / "i18n"


class Answers:
    """What a test server answered, counted as it answers: a test waits on a count, not a sleep."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.changed = threading.Condition()

    def add(self, what: str) -> None:
        with self.changed:
            self.counts[what] += 1
            self.changed.notify_all()

    def __getitem__(self, what: str) -> int:
        return self.counts[what]

    def wait_for(self, page: Page, what: str, at_least: int, timeout_s: float = 60) -> None:
        """Wait until ``what`` was answered ``at_least`` times: woken by each answer, and every
        50 ms without one to let Playwright handle the page's requests (the fixture routes them)."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self.changed:
                if self.changed.wait_for(lambda: self.counts[what] >= at_least, 0.05):
                    return
            assert time.monotonic() < deadline, f"{what}: answered {self.counts[what]} times, not {at_least}"
            page.evaluate("0")


def damaging_server(site: Path, path: str, max_age: int | None = None) -> tuple[object, str, dict, Answers]:
    """The site, with the first half of ``path`` sent as the whole file while ``state["on"]``, and
    ``path`` kept ``max_age`` seconds by the browser's HTTP cache if given (else: asked again each
    time); the answers count the damaged ones ("damaged") and the right ones ("whole") of ``path``."""
    state, answers = {"on": True}, Answers()

    class Damaging(site_server.SiteHandler):
        def end_headers(self) -> None:
            if max_age is not None and self.path.split("?")[0] == "/" + path:
                self.send_header("Cache-Control", f"max-age={max_age}")
                http.server.SimpleHTTPRequestHandler.end_headers(self)  # (not the site server's no-cache)
            else:
                super().end_headers()

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if not (state["on"] and self.path.split("?")[0] == "/" + path):
                super().do_GET()
                if self.path.split("?")[0] == "/" + path:
                    answers.add("whole")
                return
            body = (site / path).read_bytes()
            answer(self, body[: len(body) // 2], self.guess_type(str(site / path)))
            answers.add("damaged")

    server, url = site_server.serve_in_thread(site, handler=Damaging)
    return server, url, state, answers


@pytest.mark.parametrize(
    "name",
    [
        "pyodide.asm.wasm",  # Pyodide would wait for ever (it only logs the failed compile)
        "python_stdlib.zip",  # "Program terminated with exit(1)"
        "pycore",  # the wheel: "these packages did not load: pycore"
    ],
)
def test_a_file_of_python_cut_off_is_named_not_kept_and_fetched_again(browser: Browser, site: Path, name: str) -> None:
    path = next(p for p in python_files(site, "") if p.split("/")[-1].startswith(name))
    server, base_url, state, answers = damaging_server(site, path)
    page, watch = open_app(browser, base_url, service_workers="allow")
    try:
        status = page.get_by_test_id("status")
        expect(status).to_contain_text(CUT_OFF, timeout=60_000)  # not the boot timeout's message (90 s)
        expect(status).to_contain_text(path)
        expect(status).to_have_attribute("data-kind", "error")
        expect(page.get_by_test_id("restart")).to_be_visible()
        assert answers["damaged"] >= 1
        assert base_url + path not in cached_urls(page, cache_prefix(site))  # no damaged copy kept
        state["on"] = False  # the server has the right file again: a reload starts
        page.reload()
        wait_ready(page)
        wait_for_copies(page, cache_prefix(site), python_files(site, base_url))
        # (the runtime's own complaints about the damaged file, in the console, before the page's message)
        watch.errors = [e for e in watch.errors if "PYTHON" not in e.upper() and "numpy" not in e and "pycore" not in e]
        assert watch.foreign == []
    finally:
        page.context.close()
        server.shutdown()


def test_a_data_file_cut_off_is_not_kept_for_offline_use(browser: Browser, site: Path) -> None:
    """Neither by Python's worker on a first visit nor by the service worker later: each Evaluate
    asks the server again (a kept copy would answer instead)."""
    path = "data/mnist-012-test-images.idx.gz"
    server, base_url, state, answers = damaging_server(site, path)
    page, watch = open_app(browser, base_url, service_workers="allow")
    prefix = cache_prefix(site)
    evaluate = page.get_by_test_id("evaluate")

    def evaluate_asks_the_server(times: int) -> None:
        """Evaluate, which asks the server (twice: once more past the HTTP cache), and names the file."""
        expect(evaluate).to_be_enabled(timeout=60_000)
        evaluate.click()
        answers.wait_for(page, "damaged", 2 * times)
        expect(page.get_by_test_id("status")).to_contain_text(CUT_OFF, timeout=60_000)
        expect(page.get_by_test_id("status")).to_contain_text(path)

    try:
        wait_ready(page)
        assert [w.evaluate("self.name") for w in page.workers] == ["keep-copies"]
        evaluate_asks_the_server(1)
        wait_for_service_worker(page)
        page.reload()  # now under the service worker, which fetches the file itself
        wait_ready(page)
        assert [w.evaluate("self.name") for w in page.workers] == [""]
        evaluate_asks_the_server(2)  # not kept by Python's worker on the first visit
        evaluate_asks_the_server(3)  # nor by the service worker
        assert base_url + path not in cached_urls(page, prefix)
        state["on"] = False
        expect(evaluate).to_be_enabled(timeout=60_000)
        evaluate.click()
        expect(page.get_by_test_id("test-accuracy")).to_contain_text("97.74 %", timeout=60_000)
        wait_for_copies(page, prefix, [base_url + path])  # the right file is kept
        watch.errors = []  # (the failed reads above)
        assert watch.foreign == []
    finally:
        page.context.close()
        server.shutdown()


def test_reload_gets_a_file_of_python_again_that_the_http_cache_kept_cut_off(browser: Browser, site: Path) -> None:
    """Served cut off with a long max-age, the file stays in the browser's HTTP cache: when Python
    cannot start, the worker fetches it again past that cache, so that a reload once the server is
    right starts (the e2e fixture's routing turns the HTTP cache off: not used here)."""
    path = "pyodide/python_stdlib.zip"
    server, base_url, state, answers = damaging_server(site, path, max_age=600)
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    status = page.get_by_test_id("status")
    try:
        page.goto(base_url)
        expect(status).to_contain_text(CUT_OFF, timeout=60_000)
        state["on"] = False  # the server is right again; the HTTP cache still holds the damaged file
        page.reload()
        expect(status).to_contain_text(re.compile("ready|" + CUT_OFF), timeout=60_000)
        if CUT_OFF in status.inner_text():  # (fetched again during the first failure, still damaged then)
            page.reload()
        wait_ready(page)
        assert answers["whole"] >= 1
    finally:
        context.close()
        server.shutdown()


def test_a_page_file_cut_off_is_never_kept_by_the_service_worker(browser: Browser, site: Path) -> None:
    """sw.js caches the page's files at install only if they are the build's: otherwise the install
    fails (and is tried again at the next visit), so that no damaged copy is served from then on."""
    path = "style.css"  # (the page still starts with half of it)
    server, base_url, state, _ = damaging_server(site, path)
    page, watch = open_app(browser, base_url, service_workers="allow")
    prefix = cache_prefix(site)
    try:
        wait_ready(page)
        # the install failed: Python's worker forgets its copies (it does so only then), and none is active
        wait_for_no_copies(page, prefix)
        registration = page.evaluate(
            """async () => { const r = await navigator.serviceWorker.getRegistration();
                return r ? { active: Boolean(r.active), installing: Boolean(r.installing) } : null; }"""
        )
        assert registration is None or not registration["active"], registration
        assert base_url + path not in cached_urls(page, prefix)
        state["on"] = False
        page.reload()
        wait_ready(page)
        wait_for_service_worker(page)
        wait_for_copies(page, prefix, [base_url + path, base_url])
        watch.errors = []
        assert watch.foreign == []
    finally:
        page.context.close()
        server.shutdown()


@pytest.mark.parametrize("path", ["worker.js", "pyodide/pyodide.mjs", "worker-start.js"])
def test_a_script_of_python_s_worker_cut_off_says_so(browser: Browser, site: Path, path: str) -> None:
    """A module the worker imports that cannot run: the worker dies before it says anything (or,
    for worker-start.js, the page's first script, which starts it: none starts)."""
    server, base_url, _, _ = damaging_server(site, path)
    page, watch = open_app(browser, base_url)
    try:
        expect(page.get_by_test_id("status")).to_contain_text("its scripts did not load", timeout=30_000)
        expect(page.get_by_test_id("restart")).to_be_visible()
        assert watch.foreign == []
    finally:
        page.context.close()
        server.shutdown()


def test_a_page_script_cut_off_says_so_instead_of_loading_for_ever(browser: Browser, site: Path) -> None:
    server, base_url, _, _ = damaging_server(site, "results.js")
    page, watch = open_app(browser, base_url)
    try:
        expect(page.get_by_test_id("boot-message")).to_contain_text("did not arrive whole")
        expect(page.get_by_test_id("status")).to_have_attribute("data-kind", "error")
        assert re.search("SyntaxError|Unexpected|Invalid", " ".join(watch.errors)), watch.errors
    finally:
        page.context.close()
        server.shutdown()


@pytest.mark.parametrize(
    ("path", "locale"),
    [("i18n/catalogs.js", "en-US"), ("i18n/catalogs.js", "ja-JP"), ("i18n-boot.js", "ja-JP")],
)
def test_the_page_says_so_in_the_visitor_s_language_when_its_words_did_not_arrive_whole(
    browser: Browser, site: Path, path: str, locale: str
) -> None:
    """The catalogs (or the script that picks their language) cut off: the page has no catalog to
    say it in, so it says it with the words the build stamped into file-check.js, not "Loading the
    page…" for ever; once the server is right, a reload starts."""
    words = json.loads((I18N / f"{locale[:2]}.json").read_text(encoding="utf-8"))
    server, base_url, state, _ = damaging_server(site, path)
    page, watch = open_app(browser, base_url, locale=locale)
    try:
        expect(page.get_by_test_id("boot-message")).to_have_text(words["file.missing"])
        expect(page.get_by_test_id("status")).to_have_text(words["file.missingStatus"])
        expect(page.get_by_test_id("status")).to_have_attribute("data-kind", "error")
        assert page.evaluate("document.documentElement.lang") == locale[:2]
        assert re.search("SyntaxError|Unexpected|Invalid", " ".join(watch.errors)), watch.errors
        state["on"] = False
        page.reload()
        expect(page.get_by_test_id("status")).to_have_attribute("data-kind", "ready", timeout=READY_TIMEOUT_MS)
        expect(page.get_by_test_id("boot-message")).to_be_hidden()
        assert watch.foreign == []
    finally:
        page.context.close()
        server.shutdown()


@pytest.mark.parametrize("wrong", ["application/octet-stream", "application/wasm; charset=utf-8"])
def test_a_wasm_served_with_the_wrong_type_is_not_kept_and_a_fixed_server_is_asked_again(
    browser: Browser, site: Path, wrong: str
) -> None:
    """Its bytes are right, but it cannot compile as served (Chromium takes no parameter either): a
    copy kept with that type would fail for ever, after the server is set right."""
    state = {"wrong": True}

    class WrongType(site_server.SiteHandler):
        def guess_type(self, path: str) -> str:
            if state["wrong"] and str(path).endswith(".wasm"):
                return wrong
            return super().guess_type(path)

    server, base_url = site_server.serve_in_thread(site, handler=WrongType)
    page, watch = open_app(browser, base_url, service_workers="allow")
    wasm = base_url + "pyodide/pyodide.asm.wasm"
    try:
        expect(page.get_by_test_id("status")).to_contain_text(f'served as "{wrong}"', timeout=60_000)
        wait_for_service_worker(page)
        assert wasm not in cached_urls(page, cache_prefix(site))
        state["wrong"] = False
        page.reload()
        wait_ready(page)
        wait_for_copies(page, cache_prefix(site), [wasm])
        watch.errors = []  # (the failed compile, logged by Pyodide)
        assert watch.foreign == []
    finally:
        page.context.close()
        server.shutdown()


def test_a_host_that_sends_the_data_gzip_encoded_still_trains_and_keeps_copies(browser: Browser, site: Path) -> None:
    """Some servers send a .gz with "Content-Encoding: gzip": the browser hands it over inflated,
    which the build's sha256 of its content accepts (and pycore reads)."""

    class GzipEncoded(site_server.SiteHandler):
        def end_headers(self) -> None:
            if self.path.split("?")[0].endswith(".gz"):
                self.send_header("Content-Encoding", "gzip")
            super().end_headers()

    server, base_url = site_server.serve_in_thread(site, handler=GzipEncoded)
    page, watch = open_app(browser, base_url, service_workers="allow")
    tests = [f"{base_url}data/mnist-012-test-{part}.idx.gz" for part in ("images", "labels")]
    try:
        wait_ready(page)
        page.get_by_test_id("evaluate").click()
        expect(page.get_by_test_id("test-accuracy")).to_contain_text("97.74 %", timeout=60_000)
        wait_for_copies(page, cache_prefix(site), tests)
        watch.assert_clean()
    finally:
        page.context.close()
        server.shutdown()


def test_a_failed_0_9_switch_keeps_its_message_while_the_other_files_were_downloading(
    browser: Browser, site: Path
) -> None:
    """The first file that fails stops the others: their progress would hide its message."""
    labels, images = "data/mnist-all-train-labels.idx.gz", "data/mnist-all-train-images.idx.gz"
    answers = Answers()

    class LabelsMissing(site_server.SiteHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.split("?")[0]
            if path == "/" + labels:
                self.send_error(404)
                return
            try:
                super().do_GET()
            finally:
                if path == "/" + images:
                    answers.add("images")  # (sent, or given up by the page)

    server, base_url = site_server.serve_in_thread(site, handler=LabelsMissing)
    page, watch = open_app(browser, base_url)
    status = page.get_by_test_id("status")
    try:
        wait_ready(page)
        page.get_by_test_id("mode").select_option("0-9")
        expect(status).to_contain_text(labels, timeout=60_000)
        answers.wait_for(page, "images", 1)  # the images' download is over
        expect(status).to_contain_text(labels)
        expect(status).to_have_attribute("data-kind", "error")
        expect(page.get_by_test_id("load-progress")).to_be_hidden()
        expect(page.get_by_test_id("mode")).to_have_value("0-2")
        watch.errors = []  # (the 404)
        assert watch.foreign == []
    finally:
        page.context.close()
        server.shutdown()
