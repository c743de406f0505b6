"""The 0–9 mode: all of MNIST fetched on demand, the pretrained 0–9 model, training on ten digits."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, shown_settings
from tests.e2e.drawing import ALL_DIGITS, PLACES, draw
from tests.e2e.test_inside import NONBLANK


def switch_to_ten_digits(page):
    page.get_by_test_id("mode").select_option("0-9")
    expect(page.get_by_test_id("status")).to_contain_text("all ten digits", timeout=120_000)
    expect(page.get_by_test_id("model-info")).to_contain_text("784-500-100-10, probabilities")
    expect(page.get_by_test_id("preset-best-012")).to_have_count(0)  # that preset is for 0, 1, 2
    expect(page.get_by_test_id("preset-ten-digit-page")).to_be_enabled()
    assert shown_settings(page) == {
        "samples": "60000", "batch-size": "100", "optimizer": "adam", "lr-schedule": "linear",
        "loss": "softmax_ce", "label-smoothing": "0.1", "init": "he", "dtype": "float32", "shuffle": True,
    }  # fmt: skip


def test_draw_every_digit_with_the_pretrained_0_9_model(app):
    page, watch = app
    switch_to_ten_digits(page)
    for digit, strokes in ALL_DIGITS.items():
        page.get_by_test_id("clear").click()
        draw(page, strokes(), PLACES["centred"])
        expect(page.get_by_test_id("scores").locator(".score")).to_have_count(10)
        expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", str(digit))
    expect(page.locator("#scores-label")).to_have_text("Probabilities")
    screenshot(page, "ten-digits")
    watch.assert_clean()


def test_train_briefly_on_ten_digits(app):
    page, watch = app
    switch_to_ten_digits(page)
    expect(page.get_by_test_id("weights-grid")).to_have_attribute("data-model", "pretrained-0-9")
    grid_before = page.get_by_test_id("weights-grid").evaluate(NONBLANK)
    page.get_by_test_id("samples").fill("3000")
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("status")).to_contain_text("Training done: 60 steps", timeout=180_000)
    expect(page.get_by_test_id("test-accuracy")).to_contain_text("of 10,000", timeout=120_000)
    accuracy = float(page.get_by_test_id("test-accuracy").get_attribute("data-accuracy"))
    assert accuracy > 0.6  # 2 × 30 steps of Adam from fresh He weights: far above chance (0.1)
    assert float(page.get_by_test_id("lr-now").text_content()) == pytest.approx(0.004 / 60, rel=0.01)  # fell linearly
    assert page.get_by_test_id("weights-grid").evaluate(NONBLANK) != grid_before
    expect(page.get_by_test_id("confusion").locator("tr")).to_have_count(11)
    expect(page.get_by_test_id("run-legend")).to_contain_text("3000×2 · batch 100 · Adam lr 0.004→0")
    expect(page.get_by_test_id("run-legend")).to_contain_text("smoothing 0.1 · He · float32")
    expect(page.get_by_test_id("model-select")).to_have_value("trained")
    page.get_by_test_id("mode").select_option("0-2")
    expect(page.get_by_test_id("model-info")).to_contain_text("784-500-100-3")
    watch.assert_clean()


def test_a_mode_switch_reads_the_drawing_again_with_the_modes_model(app):
    """The drawing card follows the model a switch brings: a drawing is read again (the 0–2 model never
    keeps a 3 on screen), and with nothing drawn the rows are the new model's digits, without scores."""
    page, watch = app
    rows, label, prediction = (
        page.get_by_test_id("scores").locator(".score"),
        page.locator("#scores-label"),
        page.get_by_test_id("prediction"),
    )
    draw(page, ALL_DIGITS[2](), PLACES["centred"])
    expect(prediction).to_have_attribute("data-digit", "2")
    expect(rows).to_have_count(3)
    answers = int(prediction.get_attribute("data-seq"))
    switch_to_ten_digits(page)
    expect(rows).to_have_count(10)  # the 2, read again by the 0–9 model
    expect(label).to_have_text("Probabilities")
    expect(prediction).to_have_attribute("data-digit", "2")
    assert int(prediction.get_attribute("data-seq")) > answers  # (a new answer, not the 0–2 model's)
    page.get_by_test_id("clear").click()
    expect(rows.locator(".value")).to_have_text(["–"] * 10)
    draw(page, ALL_DIGITS[3](), PLACES["centred"])
    expect(prediction).to_have_attribute("data-digit", "3")
    page.get_by_test_id("mode").select_option("0-2")
    expect(page.get_by_test_id("status")).to_contain_text("(0, 1 and 2)", timeout=60_000)
    expect(rows).to_have_count(3)
    expect(prediction).to_have_attribute("data-digit", re.compile("^[012]$"))  # the 0–2 model's reading of the 3
    expect(label).to_have_text("Scores (raw outputs, not probabilities)")
    page.get_by_test_id("clear").click()
    page.get_by_test_id("mode").select_option("0-9")  # nothing drawn: ten rows, without scores
    expect(page.get_by_test_id("status")).to_contain_text("all ten digits", timeout=60_000)
    expect(rows.locator(".value")).to_have_text(["–"] * 10)
    expect(label).to_have_text("Probabilities")
    watch.assert_clean()
