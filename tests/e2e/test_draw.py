"""Drawing with the mouse and seeing the pretrained model's answer."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_app, screenshot, wait_ready
from tests.e2e.drawing import DIGITS, PLACES, draw


def test_draws_0_1_2_in_any_size_and_place(app):
    page, watch = app
    for place, box in PLACES.items():
        for digit, strokes in DIGITS.items():
            page.get_by_test_id("clear").click()
            expect(page.get_by_test_id("prediction")).to_have_text("–")
            draw(page, strokes(), box)
            expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", str(digit))
            expect(page.get_by_test_id("scores").locator(".score")).to_have_count(3)
            expect(page.get_by_test_id("scores").locator(".score.best")).to_have_attribute("data-digit", str(digit))
            if place == "off-centre" and digit == 2:
                screenshot(page, "drawing")
    expect(page.locator("#scores-label")).to_contain_text("Scores (raw outputs")
    watch.assert_clean()


def test_preview_shows_the_28x28_input(app):
    page, _ = app
    draw(page, DIGITS[1](), PLACES["off-centre"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "1")
    preview = page.get_by_test_id("preview")
    assert preview.evaluate("c => [c.width, c.height]") == [28, 28]
    # The preview is centred: the ink's column centre is near the middle.
    centre = preview.evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, 28, 28).data; let s = 0, sx = 0;
                  for (let i = 0; i < 784; i++) { s += d[4*i]; sx += d[4*i] * (i % 28); } return sx / s; }"""
    )
    assert abs(centre - 13.5) <= 1.5


def test_undo_and_clear(app):
    page, _ = app
    draw(page, DIGITS[1](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "1")
    page.get_by_test_id("undo").click()
    expect(page.get_by_test_id("prediction")).to_have_text("–")
    draw(page, DIGITS[0](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "0")
    page.get_by_test_id("clear").click()
    expect(page.get_by_test_id("prediction")).to_have_text("–")
    expect(page.get_by_test_id("scores").locator(".score")).to_have_count(0)


def test_drawing_works_before_python_is_ready(browser, base_url):
    page, watch = open_app(browser, base_url)
    try:
        expect(page.get_by_test_id("draw-canvas")).to_be_visible()
        assert "ready" not in page.get_by_test_id("status").text_content()
        draw(page, DIGITS[0](), PLACES["centred"])
        wait_ready(page)
        expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "0")
        watch.assert_clean()
    finally:
        page.context.close()


@pytest.mark.parametrize("width", [360, 1400])
def test_layout_fits_phone_and_desktop(browser, base_url, width):
    page, _ = open_app(browser, base_url, viewport={"width": width, "height": 900})
    try:
        wait_ready(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        for testid in ("draw-canvas", "train", "clear", "status"):
            expect(page.get_by_test_id(testid)).to_be_visible()
        if width == 360:
            screenshot(page, "phone")
    finally:
        page.context.close()
