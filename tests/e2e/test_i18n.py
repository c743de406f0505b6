"""The page in Japanese: a ja-JP browser starts in Japanese, meets no English words but proper names
and units, and switching languages keeps a drawing and a running training."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from pycore import model_io
from pycore.network import Network, NetworkConfig
from tests.e2e.axe import axe_violations
from tests.e2e.conftest import READY_TIMEOUT_MS, open_app, screenshot
from tests.e2e.drawing import DIGITS, PLACES, draw
from tests.e2e.test_accessibility import AFTER_NEXT_FRAME, PHONE, RECORD_LAYOUT_SHIFTS

NARROW = {"width": 360, "height": 800}
# What a Japanese page may show in ASCII letters: names of things (software, data, functions,
# file types, formats), units, and the language menu's "English".
ALLOWED = {
    *[
        "Python",
        "NumPy",
        "Pyodide",
        "MNIST",
        "pycore",
        "Pillow",
        "CodeMirror",
        "CSV",
        "npz",
        "NN",
        "MB",
        "KB",
        "px",
        "Ctrl",
        "Enter",
        "Esc",
        "Tab",
    ],
    *["Affine", "LeakyReLU", "ReLU", "SGD", "AdaGrad", "Adam", "He", "tanh", "randn", "float", "English", "zip"],
}
WORD = re.compile(r"[A-Za-z]{2,}")


def ready(page: Page) -> None:
    page.wait_for_selector('[data-testid="status"][data-kind="ready"]', timeout=READY_TIMEOUT_MS)


def visible_english(page: Page) -> set[str]:
    """ASCII words in the page's visible text (code listings aside) that are not allowed names."""
    text = page.evaluate(
        """() => {
            // code, and names that are code (translate="no": a class's name in the Code panel's menu)
            const skip = (el) => el.closest("code, pre, .code-view, script, style, [translate=no]");
            const parts = [];
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const el = node.parentElement;
                if (!el || skip(el)) continue;
                const shown = el.tagName === "OPTION" ? el.parentElement.closest("select").checkVisibility()
                    : el.checkVisibility();
                if (shown) parts.push(node.textContent);
            }
            return parts.join(" ").replace(/[\\w./-]+\\.(?:py|npz|npy)\\b/g, "");  // file names (layers.py, W1.npy)
        }"""
    )
    return {w for w in WORD.findall(text) if w not in ALLOWED and not w.startswith("float")}


def attributes_english(page: Page) -> set[str]:
    """ASCII words in aria-labels, titles and placeholders, where screen readers and tooltips read them."""
    texts = page.evaluate(
        """() => [...document.querySelectorAll("[aria-label], [title], [placeholder]")]
            .filter((el) => !el.closest(".code-view"))
            .flatMap((el) => ["aria-label", "title", "placeholder"].map((a) => el.getAttribute(a) || ""))"""
    )
    return {w for t in texts for w in WORD.findall(t) if w not in ALLOWED and not w.startswith("float")}


def no_horizontal_overflow(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"the page is {width} px wide at {NARROW['width']} px"
    wide = page.evaluate(
        """(limit) => [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > limit + 0.5 && el.getClientRects().length)
            .filter((el) => {  // inside a box that scrolls (a wide table) is not past the page's edge
                for (let up = el.parentElement; up; up = up.parentElement) {
                    if (["auto", "scroll"].includes(getComputedStyle(up).overflowX)) return false;
                }
                return true;
            })
            .map((el) => el.id || el.dataset.testid || el.tagName).slice(0, 5)""",
        NARROW["width"],
    )
    assert wide == [], f"elements past the right edge: {wide}"
    # and nothing sticks out of its card (a scrolling box, like the code view, may hold wide content)
    out = page.evaluate(
        """() => [...document.querySelectorAll(".card *")].filter((el) => {
            if (!el.getClientRects().length) return false;
            for (let up = el.parentElement; up && !up.classList.contains("card"); up = up.parentElement) {
                if (getComputedStyle(up).overflowX !== "visible") return false;
            }
            return el.getBoundingClientRect().right > el.closest(".card").getBoundingClientRect().right + 0.5;
        }).map((el) => el.id || el.dataset.testid || el.tagName).slice(0, 5)"""
    )
    assert out == [], f"elements wider than their card: {out}"


def test_a_japanese_browser_starts_in_japanese(browser, base_url):
    page, watch = open_app(browser, base_url, locale="ja-JP", viewport=NARROW)
    ready(page)
    assert page.evaluate("() => document.documentElement.lang") == "ja"
    expect(page.get_by_test_id("language")).to_have_value("ja")
    expect(page.get_by_test_id("status")).to_contain_text("準備ができました")
    expect(page.locator("#train-title")).to_have_text("自分で学習させる")
    expect(page.get_by_test_id("train-hint")).to_contain_text("元の実験")
    expect(page.get_by_test_id("shape")).to_contain_text("パラメータ442,903個")
    expect(page.get_by_test_id("optimizer").locator("option:checked")).to_have_text("モーメンタム")
    assert visible_english(page) == set()
    assert attributes_english(page) == set()
    no_horizontal_overflow(page)
    assert axe_violations(page) == []  # lang, labels and contrast hold in Japanese too
    screenshot(page, "ja-start")
    watch.assert_clean()
    page.context.close()


def test_nothing_moves_when_the_page_starts_in_japanese(browser, base_url):
    """index.html's own words are English: a Japanese page is hidden until they are Japanese, so
    nothing is laid out twice (Lighthouse's layout shift)."""
    context = browser.new_context(**PHONE, locale="ja-JP", service_workers="block")
    try:
        context.add_init_script(RECORD_LAYOUT_SHIFTS)
        page = context.new_page()
        page.goto(base_url)
        ready(page)
        page.evaluate(AFTER_NEXT_FRAME)
        assert page.evaluate("() => window.readLayoutShifts()") == []
        assert page.evaluate("() => document.documentElement.dataset.i18nPending") is None
    finally:
        context.close()


def test_training_a_bad_model_file_and_the_0_9_mode_speak_japanese(browser, base_url):
    page, watch = open_app(browser, base_url, locale="ja-JP", viewport=NARROW)
    ready(page)
    page.get_by_test_id("samples").fill("300")
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("status")).to_contain_text("学習完了：300ステップ", timeout=120_000)
    expect(page.get_by_test_id("test-accuracy")).to_contain_text("枚中", timeout=60_000)
    expect(page.get_by_test_id("run-legend")).to_contain_text("直前の学習")
    expect(page.get_by_test_id("run-legend")).to_contain_text("モーメンタム 学習率 0.01")
    expect(page.locator("#mistakes-label")).to_contain_text("テストデータ")
    # A file that is not a model: Python's message, said in Japanese
    page.get_by_test_id("model-upload").set_input_files(
        files=[{"name": "x.npz", "mimeType": "application/octet-stream", "buffer": b"this is not a zip"}]
    )
    message = page.get_by_test_id("model-message")
    expect(message).to_contain_text("x.npz：モデルファイルではありません")
    expect(message).to_contain_text("現在のモデルはそのままです")
    assert visible_english(page) == set()
    # A model file with one byte changed: zipfile's English reason is said in Japanese too
    damaged = bytearray(model_io.to_bytes(Network(NetworkConfig(), seed=0)))
    damaged[len(damaged) // 2] ^= 0xFF
    page.get_by_test_id("model-upload").set_input_files(
        files=[{"name": "y.npz", "mimeType": "application/octet-stream", "buffer": bytes(damaged)}]
    )
    expect(message).to_contain_text("y.npz：壊れているか")
    expect(message).to_contain_text("チェックサムが一致しません")
    assert visible_english(page) == set()
    # A setting out of range: the page's own message
    page.get_by_test_id("lr").fill("100")
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("settings-message")).to_contain_text("学習率：")
    page.get_by_test_id("lr").fill("0.01")
    # All ten digits
    page.get_by_test_id("mode").select_option("0-9")
    expect(page.get_by_test_id("status")).to_contain_text("0〜9の全数字", timeout=180_000)
    expect(page.get_by_test_id("train-hint")).to_contain_text("0〜9の全数字")
    expect(page.get_by_test_id("model-info")).to_contain_text("確率")
    # the 0–9 confusion matrix (11 columns) scrolls in its own box at 360 px, its numbers whole
    page.get_by_test_id("evaluate").click()
    expect(page.get_by_test_id("test-accuracy")).to_contain_text("10,000", timeout=120_000)
    expect(page.get_by_test_id("confusion").locator("tr")).to_have_count(11)
    tall = page.evaluate(
        "() => [...document.querySelectorAll('#confusion td')].filter((td) => td.getClientRects().length > 1"
        " || td.getBoundingClientRect().height > 2.2 * parseFloat(getComputedStyle(td).fontSize)).length"
    )
    assert tall == 0, f"{tall} cells of the confusion matrix break their number over lines"
    assert visible_english(page) == set()
    assert attributes_english(page) == set()
    no_horizontal_overflow(page)
    screenshot(page, "ja-trained")
    watch.assert_clean()
    page.context.close()


def test_switching_language_keeps_the_drawing_and_a_running_training(browser, base_url):
    page, watch = open_app(browser, base_url, locale="ja-JP", viewport=NARROW)
    ready(page)
    draw(page, DIGITS[2](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "2")
    strokes = page.evaluate("() => window.digitsApp.prediction.pad.strokes.length")
    page.get_by_test_id("train").click()  # the seed run: 5000 steps, long enough to switch during it
    expect(page.get_by_test_id("status")).to_contain_text("学習中", timeout=60_000)
    language = page.get_by_test_id("language")
    language.select_option("en")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    expect(page.get_by_test_id("status")).to_contain_text("Training: step")
    expect(page.locator("#train-title")).to_have_text("Train it yourself")
    expect(page.get_by_test_id("optimizer").locator("option:checked")).to_have_text("Momentum")
    expect(page.get_by_test_id("stop")).to_be_enabled()  # still training
    no_horizontal_overflow(page)
    screenshot(page, "en-training")
    step = int(page.get_by_test_id("step").text_content())
    page.wait_for_function(
        "(step) => Number(document.querySelector('[data-testid=step]').textContent) > step", arg=step
    )
    language.select_option("ja")
    assert page.evaluate("() => document.documentElement.lang") == "ja"
    expect(page.get_by_test_id("status")).to_contain_text("学習中")
    screenshot(page, "ja-training")
    page.get_by_test_id("stop").click()
    expect(page.get_by_test_id("status")).to_contain_text("停止しました", timeout=60_000)
    expect(page.get_by_test_id("status")).to_have_attribute("data-kind", "ready", timeout=60_000)
    # the drawing is still there, and the page still answers it
    assert page.evaluate("() => window.digitsApp.prediction.pad.strokes.length") == strokes
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", re.compile(r"\d"))
    # after the run, switching re-says the final status and the results in the other language
    language.select_option("en")
    expect(page.get_by_test_id("status")).to_contain_text("Stopped after")
    expect(page.get_by_test_id("test-accuracy")).to_contain_text("test images")
    # the choice is remembered, and goes into a shared link
    page.reload()
    ready(page)
    assert page.evaluate("() => document.documentElement.lang") == "en"
    page.get_by_test_id("copy-link").click()
    expect(page.get_by_test_id("copy-link")).to_have_attribute("data-link", re.compile(r"[#&]lang=en(&|$)"))
    watch.assert_clean()
    page.context.close()


def test_one_step_speaks_japanese(browser, base_url):
    page, watch = open_app(browser, base_url, locale="ja-JP", viewport=NARROW)
    ready(page)
    page.get_by_test_id("step-index").fill("5")
    expect(page.get_by_test_id("step-sample")).to_contain_text("訓練データ")
    page.get_by_test_id("step-run").click()
    expect(page.get_by_test_id("step-result")).to_have_attribute("data-seq", "1", timeout=60_000)
    expect(page.get_by_test_id("step-summary")).to_contain_text("モーメンタム")
    expect(page.get_by_test_id("one-step")).to_contain_text("誤差逆伝播法")
    # the math keeps its own letters: gradients (dy, dx, dW, db, dL) and max |…|
    assert visible_english(page) - {"dy", "dx", "dW", "db", "dL", "max"} == set()
    no_horizontal_overflow(page)
    page.get_by_test_id("language").select_option("en")  # the result is said again, in English
    expect(page.get_by_test_id("step-summary")).to_contain_text("Momentum step (lr 0.01, momentum 0.9")
    watch.assert_clean()
    page.context.close()


def test_a_link_chooses_the_language(browser, base_url):
    page, watch = open_app(browser, base_url + "#mode=0-2&lr=0.02&lang=ja", viewport=NARROW)
    ready(page)
    assert page.evaluate("() => document.documentElement.lang") == "ja"
    expect(page.get_by_test_id("settings-message")).to_contain_text("リンクから設定を復元しました")
    expect(page.get_by_test_id("lr")).to_have_value("0.02")
    screenshot(page, "ja-from-link")
    watch.assert_clean()
    page.context.close()


def lab_output(page: Page, code: str) -> str:
    """Run ``code`` in the Lab and return what its output line says."""
    page.evaluate("(code) => { const lab = window.digitsApp.lab; lab.editor.setText(lab.view, code); }", code)
    out = page.get_by_test_id("lab-output")
    out.evaluate("(el) => { el.dataset.kind = 'stale'; }")  # so that only this run's result counts
    page.get_by_test_id("lab-run").click()
    expect(out).to_have_attribute("data-kind", re.compile(r"^(ok|error)$"), timeout=60_000)
    return out.text_content()


def editor_label(page: Page, testid: str) -> str:
    return page.evaluate(
        "(id) => document.querySelector(`[data-testid=${id}]`).shadowRoot.querySelector('.cm-content')"
        ".getAttribute('aria-label')",
        testid,
    )


def test_the_code_panel_the_lab_and_offline_states_speak_japanese(browser, base_url):
    page, watch = open_app(browser, base_url, locale="ja-JP", viewport=NARROW)
    ready(page)
    # Offline, the Lab cannot fetch its editor: said in Japanese, and it opens once back online
    page.context.set_offline(True)
    page.get_by_test_id("open-lab").click()
    expect(page.get_by_test_id("lab-output")).to_contain_text("ラボを開けませんでした")
    expect(page.get_by_test_id("lab-output")).to_contain_text("オフラインです")
    # ...and the 0–9 mode cannot fetch all of MNIST: said in Japanese, the 0–2 mode goes on
    page.get_by_test_id("mode").select_option("0-9")
    expect(page.get_by_test_id("status")).to_contain_text("オフラインです", timeout=60_000)
    expect(page.get_by_test_id("mode")).to_have_value("0-2")
    assert visible_english(page) == set()
    screenshot(page, "ja-offline")
    page.context.set_offline(False)
    # the browser's own log of the refused fetches is expected, and only that
    watch.errors = [e for e in watch.errors if "net::ERR_INTERNET_DISCONNECTED" not in e]
    page.get_by_test_id("open-lab").click()  # closes the panel
    page.get_by_test_id("open-lab").click()
    expect(page.get_by_test_id("lab-editor")).to_have_attribute("data-ready", "true", timeout=30_000)
    assert "ラボ" in editor_label(page, "lab-editor")
    # The Code panel: its menu and its viewer's accessible name are Japanese; the code is Python's own
    page.get_by_test_id("open-code").click()
    expect(page.get_by_test_id("code-view")).to_have_attribute("data-shown", re.compile("/"), timeout=30_000)
    assert "ソースコード" in editor_label(page, "code-view")
    assert visible_english(page) == set()
    assert attributes_english(page) == set()
    no_horizontal_overflow(page)
    # The Lab's own messages around Python's lines are Japanese: a missing method (a list, joined
    # the Japanese way), a traceback's heading, built-ins put back, output cut
    said = lab_output(page, "import pycore\nclass Half:\n    pass\npycore.register_activation('half', Half)\n")
    assert "Halfにはメソッドforward、backwardがありません" in said, said
    said = lab_output(page, "import numpy as np\nprint('まえ')\nnp.zeros(3)[7]\n")
    assert said.startswith("まえ\nトレースバック（ラボのコードの部分）：\n") and 'File "<lab>", line 3' in said, said
    said = lab_output(page, "import pycore.layers as L\nL.ACTIVATIONS.clear()\n")
    assert "元に戻しました" in said and "put back" not in said, said
    said = lab_output(page, "for i in range(20_000):\n    print(i)\n")
    assert "省略しました" in said and "not shown" not in said, said
    screenshot(page, "ja-lab")
    # A switch of language says the editors' accessible names again
    page.get_by_test_id("language").select_option("en")
    assert editor_label(page, "lab-editor").startswith("Lab")
    assert "source code" in editor_label(page, "code-view")
    assert "not shown" in page.get_by_test_id("lab-output").text_content()
    screenshot(page, "en-lab")
    watch.assert_clean()
    page.context.close()


def test_one_of_a_thing_is_said_in_the_singular(app):
    """English plurals come from the catalog's {n, plural, one {…} other {…}} (Intl.PluralRules):
    "1 step", "1 unit", then "2 steps" in the same message."""
    page, watch = app
    page.get_by_test_id("hidden").fill("1")
    page.get_by_test_id("samples").fill("1")
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("status")).to_contain_text(re.compile(r"Training done: 1 step in "), timeout=60_000)
    page.get_by_test_id("clear").click()
    draw(page, DIGITS[1](), PLACES["centred"])  # (the activations are shown for a drawing)
    expect(page.get_by_test_id("activations")).to_contain_text(re.compile(r"hidden layer 1: 1 unit\b"))
    page.get_by_test_id("samples").fill("2")
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("status")).to_contain_text("Training done: 2 steps in ", timeout=60_000)
    watch.assert_clean()
