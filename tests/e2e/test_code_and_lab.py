"""The code that runs, in the page: the Code panel and the Lab (issue #12, part 2, and Lab code in links)."""

from __future__ import annotations

import inspect
import re

from playwright.sync_api import Page, expect

from pycore import layers, trainer
from tests.e2e.axe import axe_violations
from tests.e2e.conftest import READY_TIMEOUT_MS, card_screenshot, open_app, screenshot, wait_ready
from tests.e2e.drawing import DIGITS, PLACES, draw

EDITOR = "vendor/editor.js"

# An activation written from scratch, as a visitor would type it.
SOFTSIGN = """import numpy as np
import pycore

class Softsign:
    def forward(self, x):
        self.d = 1 + np.abs(x)
        return x / self.d

    def backward(self, dout):
        return dout / self.d**2

pycore.register_activation("softsign", Softsign, "Softsign")
"""
WRONG_BACKWARD = SOFTSIGN.replace("dout / self.d**2", "dout / self.d")


def editor_requests(watch) -> list[str]:
    return [url for url in watch.requests if url.endswith(EDITOR)]


def open_lab(page: Page) -> None:
    page.get_by_test_id("open-lab").click()
    expect(page.get_by_test_id("lab-editor")).to_have_attribute("data-ready", "true")


def set_code(page: Page, code: str) -> None:
    """Replace the editor's text at once (the keyboard test types it instead)."""
    page.evaluate("(code) => { const lab = window.digitsApp.lab; lab.editor.setText(lab.view, code); }", code)


def current_line(page: Page) -> str:
    return page.evaluate(
        "() => { const s = window.digitsApp.lab.view.state; return s.doc.lineAt(s.selection.main.head).text; }"
    )


def type_code(page: Page, code: str) -> None:
    """Type ``code`` into the focused editor key by key. The editor indents new lines itself; each
    line's indentation is then corrected with Backspace (one indent unit) or spaces, as a person would."""
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    lines = code.rstrip("\n").split("\n")
    for n, line in enumerate(lines):
        want = len(line) - len(line.lstrip(" "))
        for _ in range(20):
            have = len(current_line(page))  # the line holds only its automatic indentation so far
            if have == want:
                break
            if have > want:
                page.keyboard.press("Backspace")
            else:
                page.keyboard.type(" " * (want - have))
        page.keyboard.type(line.lstrip(" "))
        if n < len(lines) - 1:
            page.keyboard.press("Enter")
    assert page.evaluate("() => window.digitsApp.lab.editor.textOf(window.digitsApp.lab.view)") == code.rstrip("\n")


def finish(page: Page, watch, shot: str, card: str) -> None:
    """Screenshots of the page and of the code card, then no axe violation, CSP violation or foreign request."""
    screenshot(page, shot)
    card_screenshot(page, "code-title", card)
    assert axe_violations(page) == []
    watch.assert_clean()


def run_lab(page: Page) -> None:
    """Press Run and wait for this run's result (the output line's kind is marked stale first, so
    an earlier result is never taken for this one)."""
    out = page.get_by_test_id("lab-output")
    out.evaluate("(el) => { el.dataset.kind = 'stale'; }")
    page.get_by_test_id("lab-run").click()
    expect(out).to_have_attribute("data-kind", re.compile(r"^(ok|error)$"), timeout=60_000)


def test_the_code_panel_shows_pycores_own_source_and_start_up_does_not_load_the_editor(app):
    page, watch = app
    assert editor_requests(watch) == [], "the editor was loaded before a panel opened"
    page.get_by_test_id("activation").select_option("tanh")
    page.get_by_test_id("code-for-activation").click()
    view = page.get_by_test_id("code-view")
    expect(view).to_have_attribute("data-shown", "activation/tanh")
    expect(view.locator(".cm-content")).to_contain_text("class Tanh:")
    expect(view.locator(".cm-content")).to_contain_text("return dout * (1.0 - self.out**2)")
    _, first = inspect.getsourcelines(layers.Tanh)  # the same source, read by CPython here
    expect(page.get_by_test_id("code-file")).to_contain_text(f"pycore/layers.py, from line {first}")
    numbers = view.locator(".cm-lineNumbers .cm-gutterElement").all_inner_texts()
    assert str(first) in numbers and str(first + 1) in numbers, numbers
    assert len(editor_requests(watch)) == 1
    # The training step, from its menu
    page.get_by_test_id("code-section").select_option("step/step")
    expect(view).to_have_attribute("data-shown", "step/step")
    expect(view.locator(".cm-content")).to_contain_text("self.optimizer.update(self.net.params")
    _, first = inspect.getsourcelines(trainer.Trainer._step)
    expect(page.get_by_test_id("code-file")).to_contain_text(f"pycore/trainer.py, from line {first}")
    finish(page, watch, "code-panel", "card-code")


def test_a_lab_activation_typed_with_the_keyboard_registers_and_trains(app):
    page, watch = app
    open_lab(page)
    page.get_by_test_id("lab-editor").locator(".cm-content").click()
    type_code(page, SOFTSIGN)
    page.keyboard.press("Control+Enter")  # Run
    expect(page.get_by_test_id("lab-output")).to_have_attribute("data-registered", 'activation "softsign"')
    page.keyboard.press("Escape")  # then Tab leaves the editor (Tab alone indents)
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("lab-run")).to_be_focused()
    page.get_by_test_id("lab-check-target").select_option("activation/softsign")
    page.get_by_test_id("lab-check").click()
    expect(page.get_by_test_id("lab-output")).to_contain_text("agrees with the numerical derivative")
    assert float(page.get_by_test_id("lab-output").get_attribute("data-max-error")) < 1e-5
    page.get_by_test_id("activation").select_option("softsign")
    expect(page.get_by_test_id("shape")).to_contain_text("784-500-100-3")
    page.get_by_test_id("samples").fill("1000")
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("status")).to_contain_text("Training done: 1,000 steps", timeout=180_000)
    accuracy = float(page.get_by_test_id("test-accuracy").get_attribute("data-accuracy"))
    assert accuracy >= 0.95, accuracy
    expect(page.get_by_test_id("run-legend")).to_contain_text("100 softsign")
    draw(page, DIGITS[1](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "1")
    page.get_by_test_id("lab-check").click()
    expect(page.get_by_test_id("lab-output")).to_contain_text("agrees with the numerical derivative")
    finish(page, watch, "lab", "card-lab")


def test_the_gradient_check_flags_a_wrong_backward_pass(app):
    page, watch = app
    open_lab(page)
    set_code(page, WRONG_BACKWARD)
    run_lab(page)
    page.get_by_test_id("lab-check-target").select_option("activation/softsign")
    page.get_by_test_id("lab-check").click()
    out = page.get_by_test_id("lab-output")
    expect(out).to_contain_text("backward(dout) is not the derivative")
    expect(out).to_have_attribute("data-kind", "error")
    assert float(out.get_attribute("data-max-error")) > 0.01
    watch.assert_clean()


def test_python_errors_show_the_editors_line_numbers_and_a_runaway_loop_can_be_stopped(app):
    page, watch = app
    open_lab(page)
    out = page.get_by_test_id("lab-output")
    set_code(page, "import numpy as np\n\nx = np.zeros(3)\ny = x[7]\n")
    run_lab(page)
    expect(out).to_contain_text('File "<lab>", line 4')
    expect(out).to_contain_text("IndexError")
    set_code(page, "def f(:\n    pass\n")
    run_lab(page)
    expect(out).to_contain_text('File "<lab>", line 1')
    expect(out).to_contain_text("SyntaxError")
    # Registering tries forward once: a failure there is reported, and nothing is registered
    failing = "self.d = 1 + np.abs(x)\n        assert x.shape[1] != WIDTH, 'boom'"
    set_code(page, "WIDTH = 6\n" + SOFTSIGN.replace("self.d = 1 + np.abs(x)", failing))
    run_lab(page)
    expect(out).to_contain_text('File "<lab>", line 8, in forward')
    expect(out).to_contain_text("AssertionError: boom")
    expect(page.get_by_test_id("activation").locator("option[value=softsign]")).to_have_count(0)
    # Code that fails only inside training (at the 100-unit layer): its own lines, and the page goes on
    set_code(page, "WIDTH = 100\n" + SOFTSIGN.replace("self.d = 1 + np.abs(x)", failing))
    run_lab(page)
    page.get_by_test_id("activation").select_option("softsign")
    page.get_by_test_id("train").click()
    status = page.get_by_test_id("status")
    expect(status).to_contain_text('File "<lab>", line 8, in forward', timeout=60_000)
    expect(status).to_contain_text("AssertionError: boom")
    expect(page.get_by_test_id("train")).to_be_enabled()
    # A good run, then a failing one: the good run's component stays registered and offered
    set_code(page, SOFTSIGN)
    run_lab(page)
    page.get_by_test_id("activation").select_option("softsign")
    set_code(page, "import sys\nprint('bye')\nsys.exit(1)\n")
    run_lab(page)
    expect(out).to_contain_text("bye")
    expect(out).to_contain_text("SystemExit")
    expect(page.get_by_test_id("activation")).to_have_value("softsign")
    # A runaway loop: Stop restarts Python and the last good code is registered again
    set_code(page, "while True:\n    pass\n")
    page.get_by_test_id("lab-run").click()
    page.get_by_test_id("lab-stop").click()
    expect(out).to_contain_text("Stopped: Python was restarted")
    expect(page.get_by_test_id("lab-editor").locator(".cm-content")).to_be_focused()
    wait_ready(page)
    expect(page.get_by_test_id("activation")).to_have_value("softsign")
    # A gradient check that never ends: Stop, and the Lab goes on working
    looping = "while dout.shape == (4, 6):  # the check's batch, not registration's\n            pass\n        "
    set_code(page, SOFTSIGN.replace("return dout / self.d**2", looping + "return dout / self.d**2"))
    run_lab(page)
    page.get_by_test_id("lab-check-target").select_option("activation/softsign")
    page.get_by_test_id("lab-check").click()
    page.get_by_test_id("lab-stop").click()
    expect(out).to_contain_text("Stopped: Python was restarted")
    wait_ready(page)
    set_code(page, "x = 1 +\n")
    run_lab(page)
    expect(out).to_contain_text("SyntaxError")
    draw(page, DIGITS[2](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "2")
    page.get_by_test_id("lab-reset").click()
    assert "class Swish" in page.evaluate("() => window.digitsApp.lab.text()")
    watch.assert_clean()


def test_lab_code_that_breaks_python_does_not_outlive_a_restart(app):
    """Code that leaves pycore broken (numpy.zeros replaced), registering or not, is refused when it
    runs and Python restarts without it. Code that stops Python (js.close) and registers a component
    is run again by one restart, then no more."""
    page, watch = app
    open_lab(page)
    out, status = page.get_by_test_id("lab-output"), page.get_by_test_id("status")
    for code in ("import numpy as np\nnp.zeros = None\n", SOFTSIGN + "\nnp.zeros = None\n"):
        set_code(page, code)
        run_lab(page)
        expect(out).to_contain_text("pycore no longer worked after it (TypeError")
        wait_ready(page)  # (restarted)
        expect(page.get_by_test_id("activation").locator("option[value=softsign]")).to_have_count(0)
        page.get_by_test_id("clear").click()
        draw(page, DIGITS[1](), PLACES["centred"])
        expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "1")  # (numpy is whole again)
    # registers softsign, then closes the worker: Python stops (8 s without an answer)
    set_code(page, SOFTSIGN + "\nimport js\njs.close()\n")
    run_lab(page)
    expect(out).to_have_attribute("data-registered", 'activation "softsign"')
    expect(status).to_contain_text("Python stopped", timeout=30_000)
    page.get_by_test_id("restart").click()  # runs it again: Python stops again, before "ready"
    expect(status).to_contain_text("Python stopped", timeout=READY_TIMEOUT_MS)
    page.get_by_test_id("restart").click()  # not again
    wait_ready(page)
    expect(out).to_contain_text("Your Lab code was not run again")
    expect(page.get_by_test_id("activation").locator("option[value=softsign]")).to_have_count(0)
    page.get_by_test_id("clear").click()
    draw(page, DIGITS[0](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "0")
    watch.assert_clean()


def test_lab_code_in_a_link_is_shown_and_runs_only_when_run_is_pressed(browser, base_url):
    page, watch = open_app(browser, base_url)
    wait_ready(page)
    open_lab(page)
    set_code(page, SOFTSIGN)
    run_lab(page)
    page.get_by_test_id("activation").select_option("softsign")
    page.get_by_test_id("lr").fill("0.02")
    page.get_by_test_id("copy-link").click()
    expect(page.get_by_test_id("settings-message")).to_contain_text("and your Lab code")
    link = page.get_by_test_id("copy-link").get_attribute("data-link")
    assert re.search(r"[#&]code=[A-Za-z0-9_-]+", link), link
    page.context.close()

    page, watch = open_app(browser, link)  # a fresh context: nothing saved
    wait_ready(page)
    expect(page.get_by_test_id("lab-notice")).to_contain_text("came from the link")
    expect(page.get_by_test_id("lab-editor").locator(".cm-content")).to_contain_text("class Softsign:")
    expect(page.get_by_test_id("lab-output")).to_have_text("")  # nothing ran
    expect(page.get_by_test_id("activation").locator("option[value=softsign]")).to_have_count(0)
    expect(page.get_by_test_id("lr")).to_have_value("0.02")
    expect(page.get_by_test_id("settings-message")).to_contain_text("activation softsign will be set once you run")
    run_lab(page)
    expect(page.get_by_test_id("activation")).to_have_value("softsign")
    assert axe_violations(page) == []
    watch.assert_clean()
    page.context.close()


def test_a_link_to_a_run_with_the_example_carries_its_code(browser, base_url):
    page, watch = open_app(browser, base_url)
    wait_ready(page)
    open_lab(page)
    run_lab(page)  # the worked example, unchanged: Swish
    page.get_by_test_id("activation").select_option("swish")
    page.get_by_test_id("copy-link").click()
    expect(page.get_by_test_id("copy-link")).to_have_attribute("data-link", re.compile(r"&code=[\w-]+"))
    link = page.get_by_test_id("copy-link").get_attribute("data-link")
    page.context.close()
    page, watch = open_app(browser, link)
    wait_ready(page)
    expect(page.get_by_test_id("lab-editor").locator(".cm-content")).to_contain_text("class Swish:")
    run_lab(page)
    expect(page.get_by_test_id("activation")).to_have_value("swish")
    watch.assert_clean()
    page.context.close()


def test_a_hostile_code_fragment_is_ignored(browser, base_url):
    for fragment, why in [
        ("code=%%%", "not in the link's format"),
        ("code=AAAA", "damaged"),
        ("code=" + "A" * 7000, "too long"),
    ]:
        page, watch = open_app(browser, f"{base_url}#mode=0-2&lr=0.02&{fragment}")
        wait_ready(page)
        expect(page.get_by_test_id("settings-message")).to_contain_text(why)
        expect(page.get_by_test_id("lr")).to_have_value("0.02")
        expect(page.get_by_test_id("lab-panel")).to_be_hidden()
        watch.assert_clean()
        page.context.close()


def test_a_link_opened_in_a_running_tab_applies_and_reset_keeps_the_visitors_own_code(app):
    page, watch = app
    open_lab(page)
    own = "# my own work\nx = 1\n"
    set_code(page, own)
    page.wait_for_function("() => !window.digitsApp.lab.savePending")
    assert page.evaluate("() => localStorage.getItem('digits-from-scratch-lab-code')") == own
    # A link pasted into this tab changes only the fragment: nothing reloads, the settings apply.
    page.evaluate("() => { location.hash = 'mode=0-2&samples=777&lr=0.05'; }")
    expect(page.get_by_test_id("samples")).to_have_value("777")
    expect(page.get_by_test_id("lr")).to_have_value("0.05")
    expect(page.get_by_test_id("settings-message")).to_contain_text("restored from the link")
    # A link with code, then Reset: the visitor's own saved code stays saved.
    packed = page.evaluate("async (code) => (await import('./link.js')).packCode(code)", SOFTSIGN)
    page.evaluate(f"() => {{ location.hash = 'mode=0-2&code={packed}'; }}")
    expect(page.get_by_test_id("lab-notice")).to_contain_text("came from the link")
    expect(page.get_by_test_id("lab-editor").locator(".cm-content")).to_contain_text("class Softsign:")
    page.get_by_test_id("lab-reset").click()
    expect(page.get_by_test_id("lab-editor").locator(".cm-content")).to_contain_text("class Swish:")
    page.wait_for_function("() => !window.digitsApp.lab.savePending")  # no save due (Reset saved nothing)
    assert page.evaluate("() => localStorage.getItem('digits-from-scratch-lab-code')") == own
    watch.assert_clean()
