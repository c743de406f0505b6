"""Faults the page must survive: a dead worker, a diverged run, offline use, stale answers, bombs.

How the tests kill the worker (documented in web/PROTOCOL.md, "Faults"): the page's app object is
``window.digitsApp``, and ``digitsApp.worker.worker`` is the Web Worker itself; terminating it
behind the client's back is what the browser does to a worker that runs out of memory.
"""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import READY_TIMEOUT_MS, open_app, predictions_settled, screenshot, wait_ready
from tests.e2e.drawing import ALL_DIGITS, DIGITS, PLACES, draw

KILL_WORKER = "window.digitsApp.worker.worker.terminate()"
BOOT_NOTICED_WITHIN_MS = 90_000  # worker-client.js: 30 s of silence while booting (a loaded machine: more)
NOTICED_WITHIN_MS = 10_000  # the page must notice a dead worker within 10 s


def prediction_seq(page: Page) -> int:
    return int(page.get_by_test_id("prediction").get_attribute("data-seq") or 0)


def saved_model_bytes(page: Page) -> int | None:
    """The size of the model saved in IndexedDB, or None."""
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
            const req = indexedDB.open("digits-from-scratch", 1);
            req.onerror = () => reject(req.error);
            req.onsuccess = () => {
              const db = req.result;
              const get = db.transaction("models").objectStore("models").get("last-trained");
              get.onsuccess = () => { db.close(); resolve(get.result ? get.result.bytes.length : null); };
              get.onerror = () => reject(get.error);
            };
        })"""
    )


def test_a_killed_worker_is_noticed_and_restart_brings_the_page_back(app):
    page, watch = app
    draw(page, DIGITS[2](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "2")
    page.evaluate(KILL_WORKER)
    expect(page.get_by_test_id("status")).to_contain_text("Python stopped", timeout=NOTICED_WITHIN_MS)
    expect(page.get_by_test_id("restart")).to_be_visible()
    expect(page.get_by_test_id("train")).to_be_disabled()
    expect(page.get_by_test_id("evaluate")).to_be_disabled()
    screenshot(page, "worker-stopped")
    page.get_by_test_id("restart").click()
    wait_ready(page)
    expect(page.get_by_test_id("restart")).to_be_hidden()
    # The drawing was kept and is predicted again by the new worker.
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "2")
    page.get_by_test_id("clear").click()
    draw(page, DIGITS[0](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "0")
    page.get_by_test_id("evaluate").click()
    expect(page.get_by_test_id("test-accuracy")).to_contain_text("97.74 %")
    watch.assert_clean()


def test_a_worker_killed_while_python_boots_is_noticed_and_restart_brings_the_page_back(browser, base_url):
    """Killed before "ready": noticed by its unanswered pings (30 s of silence while booting), not
    left to the 90 s boot timeout, whose message would blame the connection."""
    page, watch = open_app(browser, base_url + "?boot-timeout-ms=600000")  # (not the boot timeout)
    try:
        page.wait_for_function("window.digitsApp?.worker")
        killed = page.evaluate(f"() => !window.digitsApp.ready && ({KILL_WORKER}, true)")
        assert killed, "Python was ready before the worker could be killed"
        status = page.get_by_test_id("status")
        expect(status).to_contain_text("Python stopped", timeout=BOOT_NOTICED_WITHIN_MS)
        silent = int(re.search(r"has not answered for (\d+) s", status.inner_text()).group(1))
        assert silent >= 30, silent  # (booting's allowance, not the 8 s of a ready worker)
        expect(page.get_by_test_id("restart")).to_be_visible()
        page.get_by_test_id("restart").click()
        wait_ready(page)
        draw(page, DIGITS[1](), PLACES["centred"])
        expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "1")
        watch.assert_clean()
    finally:
        page.context.close()


def test_a_worker_killed_during_training_releases_every_control(app):
    page, watch = app
    page.get_by_test_id("samples").fill("18623")
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("step")).not_to_have_text("0", timeout=60_000)
    page.get_by_test_id("stop").click()  # a Stop that will never be answered
    page.evaluate(KILL_WORKER)
    expect(page.get_by_test_id("status")).to_contain_text("Python stopped", timeout=NOTICED_WITHIN_MS)
    expect(page.get_by_test_id("stop")).to_be_disabled()
    page.get_by_test_id("restart").click()
    wait_ready(page)
    expect(page.get_by_test_id("train")).to_be_enabled()
    page.get_by_test_id("samples").fill("200")
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("status")).to_contain_text("Training done: 200 steps", timeout=120_000)
    watch.assert_clean()


def test_restart_restores_the_ten_digit_mode(app):
    page, watch = app
    page.get_by_test_id("mode").select_option("0-9")
    expect(page.get_by_test_id("model-select")).to_have_value("pretrained-0-9", timeout=READY_TIMEOUT_MS)
    expect(page.get_by_test_id("status")).to_contain_text("ready", timeout=READY_TIMEOUT_MS)
    page.evaluate(KILL_WORKER)
    expect(page.get_by_test_id("restart")).to_be_visible(timeout=NOTICED_WITHIN_MS)
    page.get_by_test_id("restart").click()
    expect(page.get_by_test_id("status")).to_contain_text("ready", timeout=READY_TIMEOUT_MS)
    expect(page.get_by_test_id("mode")).to_have_value("0-9")
    expect(page.get_by_test_id("model-select")).to_have_value("pretrained-0-9")
    draw(page, ALL_DIGITS[7](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "7")
    watch.assert_clean()


def test_a_trained_model_that_storage_cannot_keep_says_so(browser, base_url):
    """The browser's storage for the site is full (a 200 kB quota, through the DevTools protocol):
    the run's model works, and the page says it will not come back next time, instead of nothing."""
    page, watch = open_app(browser, base_url)
    try:
        cdp = page.context.new_cdp_session(page)
        origin = base_url.split("/", 3)
        cdp.send("Storage.overrideQuotaForOrigin", {"origin": "/".join(origin[:3]), "quotaSize": 200_000})
        wait_ready(page)
        page.get_by_test_id("samples").fill("300")
        page.get_by_test_id("train").click()
        expect(page.get_by_test_id("status")).to_contain_text("Training done: 300 steps", timeout=120_000)
        message = page.get_by_test_id("model-message")
        expect(message).to_contain_text(
            "could not be kept for your next visit (the browser's storage for this site is full)"
        )
        expect(page.get_by_test_id("model-forget")).to_be_hidden()
        draw(page, DIGITS[1](), PLACES["centred"])
        expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "1")
        # (the browser's words, for the console)
        assert len(watch.errors) == 1 and watch.errors[0].startswith("QuotaExceededError"), watch.errors
        watch.errors = []
        watch.assert_clean()
    finally:
        page.context.close()


def test_a_storage_that_never_answers_does_not_hold_the_page_back(browser, base_url):
    """IndexedDB's open never answers (a browser's storage stuck): the page still gets ready, with
    the pretrained model, and says why the saved model could not be restored."""
    page, watch = open_app(browser, base_url)
    try:
        page.add_init_script("IDBFactory.prototype.open = function () { return {}; };")
        page.reload()
        wait_ready(page)
        expect(page.get_by_test_id("model-select")).to_have_value("pretrained")
        expect(page.get_by_test_id("model-message")).to_contain_text(
            "could not be restored (the browser's storage did not answer)"
        )
        expect(page.get_by_test_id("model-forget")).to_be_hidden()
        watch.assert_clean()
    finally:
        page.context.close()


def test_a_damaged_saved_model_says_so_and_can_be_forgotten(browser, base_url):
    """The saved record holds bytes that are no model: the page says so at every start until the
    visitor forgets it (Forget is offered), and then starts quietly with the pretrained model."""
    page, watch = open_app(browser, base_url)
    try:
        wait_ready(page)
        page.evaluate(
            """() => new Promise((resolve, reject) => {
                const req = indexedDB.open("digits-from-scratch", 1);
                req.onupgradeneeded = () => req.result.createObjectStore("models");
                req.onerror = () => reject(req.error);
                req.onsuccess = () => {
                  const tx = req.result.transaction("models", "readwrite");
                  const junk = { bytes: new Uint8Array([80, 75, 3, 4, 1, 2]), info: {}, saved: Date.now() };
                  tx.objectStore("models").put(junk, "last-trained");
                  tx.oncomplete = () => { req.result.close(); resolve(); };
                  tx.onerror = () => reject(tx.error);
                };
            })"""
        )
        page.reload()
        wait_ready(page)
        message = page.get_by_test_id("model-message")
        expect(message).to_contain_text("could not be restored")
        expect(page.get_by_test_id("model-select")).to_have_value("pretrained")
        page.get_by_test_id("model-forget").click()
        expect(message).to_contain_text("forgotten")
        assert saved_model_bytes(page) is None
        page.reload()
        wait_ready(page)
        expect(message).to_be_hidden()
        expect(page.get_by_test_id("model-forget")).to_be_hidden()
        watch.assert_clean()
    finally:
        page.context.close()


def test_a_diverged_run_keeps_the_previous_model_current_and_saved(app):
    page, watch = app
    page.get_by_test_id("samples").fill("300")
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("status")).to_contain_text("Training done: 300 steps", timeout=120_000)
    expect(page.get_by_test_id("model-select")).to_have_value("trained")
    good_info = page.get_by_test_id("model-info").text_content()
    saved = saved_model_bytes(page)
    assert saved
    draw(page, DIGITS[1](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "1")
    predictions_settled(page)
    scores = page.get_by_test_id("scores").text_content()

    page.get_by_test_id("lr").fill("10")
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("status")).to_contain_text("diverged", timeout=120_000)
    expect(page.get_by_test_id("status")).to_contain_text("model from before the run is kept")
    expect(page.get_by_test_id("train")).to_be_enabled()
    expect(page.get_by_test_id("model-select")).to_have_value("trained")
    assert page.get_by_test_id("model-info").text_content() == good_info
    assert saved_model_bytes(page) == saved
    # The drawing is predicted again after the run, by the same good model.
    seq = prediction_seq(page)
    page.get_by_test_id("undo").click()
    draw(page, DIGITS[1](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).not_to_have_attribute("data-seq", str(seq))
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "1")
    # The same drawing and the same model give the same scores (once the live predictions settle).
    expect(page.get_by_test_id("scores")).to_have_text(scores)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]
    watch.assert_clean()


def test_an_absurd_seed_is_refused_in_the_form(app):
    page, _ = app
    page.get_by_test_id("seed").fill("1e20")
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("settings-message")).to_contain_text("Random seed")
    expect(page.get_by_test_id("step")).to_have_text("0")
    page.get_by_test_id("seed").fill("1.5")
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("settings-message")).to_contain_text("Random seed")


def test_offline_before_the_data_was_fetched_says_what_is_needed(app):
    page, watch = app
    page.context.set_offline(True)
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("status")).to_contain_text("You are offline: training needs")
    expect(page.get_by_test_id("status")).to_contain_text("MB")
    expect(page.get_by_test_id("train")).to_be_enabled()
    page.get_by_test_id("evaluate").click()
    expect(page.get_by_test_id("status")).to_contain_text("You are offline: checking the model needs")
    page.get_by_test_id("mode").select_option("0-9")
    expect(page.get_by_test_id("status")).to_contain_text("You are offline: the 0–9 mode needs")
    expect(page.get_by_test_id("mode")).to_have_value("0-2")
    # Back online, everything works.
    page.context.set_offline(False)
    page.get_by_test_id("evaluate").click()
    expect(page.get_by_test_id("test-accuracy")).to_contain_text("97.74 %")
    watch.errors = [e for e in watch.errors if "ERR_INTERNET_DISCONNECTED" not in e]
    watch.assert_clean()


def test_a_late_prediction_after_clear_is_dropped(app):
    page, watch = app
    # Record every digit the page shows from now on, with the drawing's state at that moment.
    page.evaluate(
        """() => {
            window.shownAfterClear = [];
            new MutationObserver(() => {
                const el = document.querySelector('[data-testid=prediction]');
                if (window.digitsApp.prediction.pad.isEmpty && el.dataset.digit !== undefined)
                    window.shownAfterClear.push(el.dataset.digit);
            }).observe(document.querySelector('[data-testid=prediction]'),
                       { attributes: true, childList: true, subtree: true, characterData: true });
        }"""
    )
    page.get_by_test_id("samples").fill("18623")
    page.get_by_test_id("epochs").fill("3")
    page.get_by_test_id("train").click()  # the worker is busy, so a prediction takes a while
    expect(page.get_by_test_id("step")).not_to_have_text("0", timeout=60_000)
    for _ in range(3):
        draw(page, DIGITS[2](), PLACES["centred"])
        page.get_by_test_id("clear").click()
        # Wait until the worker has answered every prediction asked for.
        page.wait_for_function("() => !window.digitsApp.prediction.predicting")
        expect(page.get_by_test_id("prediction")).to_have_text("–")
        expect(page.get_by_test_id("scores").locator(".value")).to_have_text(["–", "–", "–"])
    assert page.evaluate("window.shownAfterClear") == []  # no stale answer was ever shown on an empty pad
    page.get_by_test_id("stop").click()
    expect(page.get_by_test_id("status")).to_contain_text("Stopped after", timeout=30_000)
    watch.assert_clean()


def zip_bomb(inflated_bytes: int) -> bytes:
    """A small .npz-looking zip with an extra member that inflates to ``inflated_bytes`` zeros."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("meta.npy", b"\x93NUMPY")  # not even a valid header
        with zf.open("padding.npy", "w", force_zip64=True) as member:
            block = bytes(16 * 1024 * 1024)
            for _ in range(inflated_bytes // len(block)):
                member.write(block)
    return buf.getvalue()


def test_a_bomb_or_a_useless_model_is_refused_and_the_page_stays_responsive(app, tmp_path):
    page, watch = app
    bomb = tmp_path / "bomb.npz"
    bomb.write_bytes(zip_bomb(512 * 1024 * 1024))
    page.get_by_test_id("model-upload").set_input_files(str(bomb))
    expect(page.get_by_test_id("model-message")).to_contain_text("bomb.npz: ", timeout=30_000)
    expect(page.get_by_test_id("model-message")).to_contain_text("unchanged")
    expect(page.get_by_test_id("model-select")).to_have_value("pretrained")

    # A model whose weights are finite but enormous (what a diverged run leaves) is refused too.
    with page.expect_download() as download:
        page.get_by_test_id("model-download").click()
    with np.load(download.value.path()) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["W1"] = np.full_like(arrays["W1"], 1e37)  # finite, but the outputs overflow
    huge = tmp_path / "huge.npz"
    np.savez(huge, **arrays)
    page.get_by_test_id("model-upload").set_input_files(str(huge))
    expect(page.get_by_test_id("model-message")).to_contain_text("huge.npz: ")
    expect(page.get_by_test_id("model-select")).to_have_value("pretrained")

    # A meta entry nested 200,000 levels deep once killed Python for good ("fatally failed").
    deep = tmp_path / "deep.npz"
    np.savez(deep, meta=np.array("[" * 200_000 + "]" * 200_000), **{k: v for k, v in arrays.items() if k != "meta"})
    page.get_by_test_id("model-upload").set_input_files(str(deep))
    expect(page.get_by_test_id("model-message")).to_contain_text("deep.npz: ")

    draw(page, DIGITS[1](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "1")
    page.get_by_test_id("samples").fill("100")
    page.get_by_test_id("train").click()  # Python is alive and well
    expect(page.get_by_test_id("status")).to_contain_text("Training done: 100 steps", timeout=120_000)
    watch.assert_clean()


def test_a_drawing_says_what_to_do_when_pillow_did_not_load_and_works_once_it_does(browser, base_url):
    """Pillow loads after "ready" (web/worker.js): if it fails (offline), everything else works,
    a drawing says what to do, and the next drawing tries again."""
    page, watch = open_app(browser, base_url + "#", service_workers="block")
    blocked = []

    def no_pillow(route):
        blocked.append(route.request.url)
        route.fulfill(status=404)

    page.context.route("**/pillow-*.whl", no_pillow)
    try:
        page.reload()
        wait_ready(page)
        page.get_by_test_id("evaluate").click()  # no image is read with Pillow here
        expect(page.get_by_test_id("test-accuracy")).to_contain_text("of 3,147", timeout=60_000)
        tried = len(blocked)  # (once after "ready": load-pillow)
        strokes = DIGITS[2]()
        draw(page, strokes, PLACES["centred"])
        expect(page.get_by_test_id("status")).to_contain_text("Pillow", timeout=30_000)
        expect(page.get_by_test_id("status")).to_contain_text("draw again")
        predictions_settled(page)
        assert tried >= 1 and len(blocked) - tried <= len(strokes)  # once per stroke's end, not per live reading
        page.context.unroute("**/pillow-*.whl")
        page.get_by_test_id("clear").click()
        draw(page, DIGITS[0](), PLACES["centred"])  # Pillow is loaded again for this drawing
        expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "0", timeout=30_000)
        expect(page.get_by_test_id("status")).to_contain_text("ready")
        watch.errors = [e for e in watch.errors if "pillow" not in e.lower() and "404" not in e]
        watch.assert_clean()
    finally:
        page.context.close()


@pytest.mark.parametrize("missing", ["results.js", "i18n/catalogs.js"])
def test_a_missing_file_of_the_page_says_so_instead_of_loading_for_ever(browser, base_url, missing):
    """A module of the page that does not load (a file missing from a deploy) stops all of them; so
    do the catalogs (file-check.js then says it with the words the build stamped into it)."""
    page, watch = open_app(browser, base_url + "#", service_workers="block")
    page.context.route(f"**/{missing}", lambda route: route.fulfill(status=404, body="gone"))
    try:
        page.reload()
        expect(page.get_by_test_id("status")).to_contain_text("some of this page's files did not load")
        expect(page.get_by_test_id("boot-message")).to_contain_text("could not load all of its files")
        expect(page.get_by_test_id("status")).to_have_attribute("data-kind", "error")
        expect(page.get_by_test_id("boot-message")).to_be_visible()
        # the browser's own; without catalogs, also i18n-boot.js's and i18n.js's refusal to go on
        without = ["pageerror: Cannot read properties of undefined", "pageerror: DIGITS_I18N.start"]
        unexpected = [
            e for e in watch.errors if "404" not in e and not (missing != "results.js" and e.startswith(tuple(without)))
        ]
        assert watch.foreign == [] and unexpected == [], watch.errors
    finally:
        page.context.close()


def test_a_drawing_that_waits_for_pillow_says_so(browser, base_url):
    """On a slow connection Pillow may still be loading when the visitor draws after "ready": the status
    says what the answer waits for, then the answer comes and the status is "ready" again."""
    page, watch = open_app(browser, base_url + "#", service_workers="block")
    held = []
    page.context.route("**/pillow-*.whl", lambda route: held.append(route))  # (answered below, when the test says so)
    try:
        page.reload()
        wait_ready(page)
        page.wait_for_function("() => window.digitsApp.worker.pending.size === 1")  # (load-pillow, waiting)
        draw(page, DIGITS[1](), PLACES["centred"])
        expect(page.get_by_test_id("status")).to_contain_text("Loading the image library that reads drawings")
        expect(page.get_by_test_id("prediction")).to_have_text("–")
        page.get_by_test_id("language").select_option("ja")  # (the status is the same message, in Japanese)
        expect(page.get_by_test_id("status")).to_contain_text("画像ライブラリを読み込み中")
        assert held, "the Pillow wheel was never asked for"
        held.pop().continue_()
        expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "1", timeout=30_000)
        expect(page.get_by_test_id("status")).to_have_attribute("data-kind", "ready")
        watch.assert_clean()
    finally:
        page.context.close()
