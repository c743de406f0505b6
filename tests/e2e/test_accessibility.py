"""axe-core finds no accessibility violation in any of the page's main states; nothing moves on a phone.

States: ready, a digit drawn with the mouse, evaluated (Evaluate clicked), trained (a short run), the
"Python stopped" state with its Restart button, and the 0–9 mode (drawn and evaluated). Violations
are gathered for every state first, so one failure shows them all. `make audit` runs Lighthouse.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.axe import axe_source, axe_violations
from tests.e2e.conftest import wait_ready
from tests.e2e.drawing import ALL_DIGITS, PLACES, draw
from tests.e2e.places import CONTROL_PLACES, control_places, moved
from tests.e2e.test_faults import KILL_WORKER, NOTICED_WITHIN_MS
from tests.e2e.test_ten_digits import switch_to_ten_digits

# Lighthouse's mobile screen (Moto G Power).
PHONE = {"viewport": {"width": 412, "height": 823}, "device_scale_factor": 1.75, "is_mobile": True, "has_touch": True}
RECORD_LAYOUT_SHIFTS = """
const describe = (e) => ({
  value: e.value, at: Math.round(e.startTime), moved: e.sources.map((s) => s.node?.id || s.node?.nodeName),
});
const seen = [];
const observer = new PerformanceObserver((list) => seen.push(...list.getEntries().map(describe)));
observer.observe({ type: "layout-shift", buffered: true });
window.readLayoutShifts = () => [...seen, ...observer.takeRecords().map(describe)];
// Where the page's content starts while Python is still loading (the load event comes seconds before it is ready).
addEventListener("load", () => {
  window.mainTopWhileLoading = document.querySelector("main").getBoundingClientRect().top;
  window.statusWhileLoading = document.getElementById("status").textContent;
});
"""
AFTER_NEXT_FRAME = "() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))"


def assert_no_violation(found: dict[str, list[str]]) -> None:
    report = "\n".join(f"[{state}] {line}" for state, lines in found.items() for line in lines)
    assert not report, f"axe-core violations:\n{report}"


def draw_and_wait(page: Page, digit: int) -> None:
    draw(page, ALL_DIGITS[digit](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", str(digit))


def wait_results(page: Page, text: str) -> None:
    expect(page.get_by_test_id("test-accuracy")).to_contain_text(text, timeout=120_000)
    expect(page.get_by_test_id("gallery").locator("li")).to_have_count(20)


def test_axe_runs_past_the_csp_that_blocks_inline_scripts(app):
    """The CSP is in force (an inline script is blocked and seen as a violation); axe, evaluated over CDP, is not."""
    page, watch = app
    try:
        page.add_script_tag(content="window.inlineRan = true")
    except Exception as error:  # Playwright reports the blocked script as an error
        assert "Content Security Policy" in str(error)
    assert page.evaluate("() => window.inlineRan") is None
    assert len(watch.csp_violations) == 1
    watch.csp_violations.clear()
    page.evaluate(axe_source())
    assert page.evaluate("async () => (await window.axe.run(document)).passes.length") > 0
    watch.assert_clean()


def test_no_violation_from_ready_to_trained_and_stopped(app):
    page, watch = app
    expect(page.locator('meta[name="description"]')).to_have_attribute("content", re.compile(r"\w.{40,}"))  # for SEO
    found = {"ready": axe_violations(page)}
    draw_and_wait(page, 2)
    found["drawn"] = axe_violations(page)
    page.get_by_test_id("evaluate").click()
    wait_results(page, "97.74 %")
    found["evaluated"] = axe_violations(page)
    page.get_by_test_id("samples").fill("200")
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("status")).to_contain_text("Training done: 200 steps", timeout=120_000)
    expect(page.get_by_test_id("model-select")).to_have_value("trained")
    wait_results(page, "of 3,147")
    found["trained"] = axe_violations(page)
    page.evaluate(KILL_WORKER)
    expect(page.get_by_test_id("status")).to_contain_text("Python stopped", timeout=NOTICED_WITHIN_MS)
    expect(page.get_by_test_id("restart")).to_be_visible()
    found["Python stopped"] = axe_violations(page)
    assert_no_violation(found)
    watch.assert_clean()


def test_no_violation_in_the_0_9_mode(app):
    page, watch = app
    switch_to_ten_digits(page)
    found = {"0–9 ready": axe_violations(page)}
    draw_and_wait(page, 7)
    found["0–9 drawn"] = axe_violations(page)
    page.get_by_test_id("evaluate").click()
    wait_results(page, "of 10,000")
    expect(page.get_by_test_id("confusion").locator("tr")).to_have_count(11)
    found["0–9 evaluated"] = axe_violations(page)
    assert_no_violation(found)
    watch.assert_clean()


def test_nothing_moves_on_a_phone_while_python_loads(browser: Browser, base_url: str):
    """Lighthouse's cumulative layout shift: the status line and loading bar must not push the page around."""
    context = browser.new_context(**PHONE, service_workers="block")
    try:
        context.add_init_script(RECORD_LAYOUT_SHIFTS)  # injected over CDP, like axe: not subject to the CSP
        page = context.new_page()
        page.goto(base_url)
        wait_ready(page)
        page.evaluate(AFTER_NEXT_FRAME)  # the frame that shows "ready" is laid out
        # Shifts are only seen when a frame is drawn between two messages; the geometry is always compared.
        assert page.evaluate("() => window.readLayoutShifts()") == []
        assert "ready" not in page.evaluate("() => window.statusWhileLoading")
        main_top = page.evaluate("() => document.querySelector('main').getBoundingClientRect().top")
        assert main_top == page.evaluate("() => window.mainTopWhileLoading")
    finally:
        context.close()


# Where every visible control is (page coordinates), when the status first says "ready" (its kind).
RECORD_CONTROLS_AT_READY = f"""
window.controlPlaces = {CONTROL_PLACES};
addEventListener("DOMContentLoaded", () => {{
  const status = document.getElementById("status");
  new MutationObserver(() => {{
    if (status.dataset.kind !== "ready" || window.placesAtReady) return;
    window.placesAtReady = window.controlPlaces();
    window.drawnAtReady = !window.digitsApp.prediction.pad.isEmpty;
  }}).observe(status, {{ attributes: true }});
}});
"""


@pytest.mark.parametrize("case", ["desktop", "phone", "phone, drawn while Python loads", "desktop, opened from a link"])
def test_no_control_moves_once_python_is_ready(browser: Browser, base_url: str, case: str):
    """A click just after "ready" lands where the visitor aimed: the form is whole (its network's size shown)
    when the status says so, and what comes after (the weights, Pillow, the answer to a drawing made while
    Python loaded) moves nothing; nor does clearing the drawing (the scores keep their rows)."""
    device = PHONE if case.startswith("phone") else {"viewport": {"width": 1200, "height": 1000}}
    context = browser.new_context(**device, service_workers="block")
    try:
        context.add_init_script(RECORD_CONTROLS_AT_READY)
        page = context.new_page()
        linked = "link" in case  # (a 0–9 link: the mode switch, its fields and their message come before "ready")
        page.goto(base_url + ("#mode=0-9&batch_size=50&hidden=100" if linked else ""))
        drawn = "drawn" in case
        if drawn:
            page.wait_for_function("() => window.digitsApp")  # (the pad works before Python is ready)
            draw(page, ALL_DIGITS[1](), PLACES["centred"])
        wait_ready(page)
        at_ready = page.evaluate("() => window.placesAtReady")
        assert "train" in at_ready and any(name.startswith("preset-") for name in at_ready)
        assert page.evaluate("() => window.drawnAtReady") == drawn  # (drawn before "ready", as the case says)
        expect(page.get_by_test_id("shape")).to_contain_text("parameters")
        if linked:
            expect(page.get_by_test_id("status")).to_contain_text("all ten digits")
            expect(page.get_by_test_id("settings-message")).to_contain_text("restored from the link")
            expect(page.get_by_test_id("shape")).to_contain_text("784-100-10")
        if drawn:
            expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "1")
        page.wait_for_function("() => window.digitsApp.worker.pending.size === 0")  # (weights, Pillow)
        page.evaluate(AFTER_NEXT_FRAME)
        assert moved(at_ready, control_places(page)) == {}
        if drawn:
            page.get_by_test_id("clear").click()
            expect(page.get_by_test_id("prediction")).to_have_text("–")
            page.evaluate(AFTER_NEXT_FRAME)
            assert moved(at_ready, control_places(page)) == {}
    finally:
        context.close()


def test_the_audit_tools_are_never_part_of_the_site(site: Path):
    """axe-core and Lighthouse are test-only: no file of the built site carries them."""
    for path in site.rglob("*"):
        if path.suffix in {".html", ".js", ".mjs", ".css", ".json"}:
            text = path.read_text(errors="replace")
            assert "Deque Systems" not in text and "axe.run" not in text, path
            assert "lighthouse" not in text.lower(), path
