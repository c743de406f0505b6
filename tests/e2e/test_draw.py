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
    rows = page.get_by_test_id("scores").locator(".score")  # the digits stay, without scores (nothing moves)
    expect(rows).to_have_count(3)
    expect(rows.locator(".value")).to_have_text(["–", "–", "–"])
    expect(page.get_by_test_id("scores").locator(".score.best")).to_have_count(0)


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


def test_a_second_finger_does_not_take_over_the_stroke(browser, base_url):
    """Two fingers down together (real touch events, through the DevTools protocol): the first one
    draws its stroke; the second is ignored, not joined to it in a zigzag that reads as a digit."""
    page, watch = open_app(browser, base_url, has_touch=True)
    try:
        wait_ready(page)
        box = page.get_by_test_id("draw-canvas").bounding_box()
        x1, x2, top = box["x"] + box["width"] * 0.3, box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.2
        cdp = page.context.new_cdp_session(page)

        def touch(kind: str, points: list[tuple[int, float, float]]) -> None:
            fingers = [{"x": x, "y": y, "id": i} for i, x, y in points]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": fingers})

        touch("touchStart", [(0, x1, top)])
        touch("touchStart", [(0, x1, top), (1, x2, top)])
        for step in range(1, 11):
            y = top + step * box["height"] * 0.06
            touch("touchMove", [(0, x1, y), (1, x2, y)])
        touch("touchEnd", [])
        strokes = page.evaluate("window.digitsApp.prediction.pad.strokes")
        assert len(strokes) == 1 and len(strokes[0]) > 5, strokes
        xs = [x for x, _ in strokes[0]]
        assert max(xs) - min(xs) < 0.05 * 280, xs  # the first finger's vertical line only
        expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "1")
        watch.assert_clean()
    finally:
        page.context.close()
