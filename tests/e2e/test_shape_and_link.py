"""The network's shape in the form, and a run shared by link (issue #12, parts 1 and 4)."""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.e2e.conftest import READY_TIMEOUT_MS, open_app, screenshot, shown_settings, wait_ready
from tests.e2e.drawing import DIGITS, PLACES, draw

MORE_FIELDS = ("hidden", "activation", "lr", "seed", "epochs")  # beyond shown_settings


def train_briefly(page: Page, steps: int) -> None:
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("status")).to_contain_text(f"Training done: {steps:,} steps", timeout=180_000)


def test_a_small_relu_network_trains_and_the_views_adapt(app):
    page, watch = app
    page.get_by_test_id("hidden").fill("64")
    page.get_by_test_id("activation").select_option("relu")
    expect(page.get_by_test_id("alpha")).to_be_hidden()  # the slope is LeakyReLU's only
    expect(page.get_by_test_id("shape")).to_have_text("784-64-3 · 50,435 parameters · 50,368 multiply-adds per image")
    page.get_by_test_id("samples").fill("600")
    train_briefly(page, 600)
    expect(page.get_by_test_id("model-info")).to_contain_text("784-64-3")
    expect(page.get_by_test_id("weights-grid")).to_have_attribute("data-model", "trained")
    expect(page.locator("#weights-label")).to_contain_text("64 of its 64 units")
    accuracy = float(page.get_by_test_id("test-accuracy").get_attribute("data-accuracy"))
    assert accuracy > 0.9
    draw(page, DIGITS[1](), PLACES["centred"])
    strips = page.get_by_test_id("activations").locator("canvas")
    expect(strips).to_have_count(1)
    assert strips.first.get_attribute("data-units") == "64"
    expect(page.get_by_test_id("run-legend")).to_contain_text("64 ReLU")
    watch.assert_clean()


def test_no_hidden_layer_shows_the_output_weights_as_the_grid(app):
    page, watch = app
    page.get_by_test_id("hidden").fill("")
    expect(page.get_by_test_id("shape")).to_contain_text("784-3 · 2,355 parameters")
    page.get_by_test_id("samples").fill("300")
    # With Momentum 0.9, a linear layer needs a smaller rate: the seed's 0.01 makes it diverge.
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("status")).to_contain_text("the new model is not kept: its outputs are", timeout=180_000)
    page.get_by_test_id("lr").fill("0.001")
    page.get_by_test_id("samples").fill("1000")  # a linear model on 300 images reads drawings by a hair
    train_briefly(page, 1000)
    expect(page.locator("#weights-label")).to_contain_text("3 of its 3 units")
    draw(page, DIGITS[0](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "0")
    expect(page.get_by_test_id("activations").locator("canvas")).to_have_count(0)
    watch.assert_clean()


def test_a_deep_ten_digit_network_trains(app):
    page, watch = app
    page.get_by_test_id("mode").select_option("0-9")
    expect(page.get_by_test_id("status")).to_contain_text("all ten digits", timeout=READY_TIMEOUT_MS)
    page.get_by_test_id("hidden").fill("256,128,64")
    page.get_by_test_id("samples").fill("2000")
    page.get_by_test_id("epochs").fill("1")
    expect(page.get_by_test_id("shape")).to_contain_text("784-256-128-64-10")
    train_briefly(page, 20)
    expect(page.get_by_test_id("model-info")).to_contain_text("784-256-128-64-10")
    draw(page, DIGITS[1](), PLACES["centred"])
    expect(page.get_by_test_id("activations").locator("canvas")).to_have_count(3)
    watch.assert_clean()


def test_bad_shapes_are_refused_in_the_form(app):
    page, _ = app
    for text in ("abc", "0", "5000", "10,10,10,10,10", "1e3", "-5"):
        page.get_by_test_id("hidden").fill(text)
        page.get_by_test_id("train").click()
        expect(page.get_by_test_id("settings-message")).to_contain_text("Hidden layers")
        expect(page.get_by_test_id("step")).to_have_text("0")
    page.get_by_test_id("preset-seed").click()
    assert page.get_by_test_id("hidden").input_value() == "500,100"
    expect(page.get_by_test_id("shape")).to_have_text(
        "784-500-100-3 · 442,903 parameters · 442,300 multiply-adds per image"
    )


def test_a_copied_link_restores_every_setting_in_a_fresh_context(browser, base_url, app):
    page, watch = app
    page.get_by_test_id("hidden").fill("128,32")
    page.get_by_test_id("activation").select_option("tanh")
    page.get_by_test_id("optimizer").select_option("adam")
    page.get_by_test_id("lr").fill("0.003")
    page.get_by_test_id("seed").fill("42")
    page.get_by_test_id("epochs").fill("3")
    page.get_by_test_id("shuffle").check()
    before = {**shown_settings(page), **{k: page.get_by_test_id(k).input_value() for k in MORE_FIELDS}}
    page.get_by_test_id("copy-link").click()
    expect(page.get_by_test_id("copy-link")).to_have_attribute("data-link", re.compile("#mode="))
    link = page.get_by_test_id("copy-link").get_attribute("data-link")
    assert link and "#mode=0-2" in link and "hidden=128%2C32" in link
    other, other_watch = open_app(browser, link)
    try:
        wait_ready(other)
        expect(other.get_by_test_id("settings-message")).to_contain_text("restored from the link")
        after = {**shown_settings(other), **{k: other.get_by_test_id(k).input_value() for k in MORE_FIELDS}}
        assert after == before
        expect(other.get_by_test_id("shape")).to_contain_text("784-128-32-3")
        other_watch.assert_clean()
    finally:
        other.context.close()
    watch.assert_clean()


def test_a_ten_digit_link_switches_the_mode(browser, base_url):
    page, watch = open_app(browser, f"{base_url}#mode=0-9&batch_size=50&hidden=100")
    try:
        wait_ready(page)
        expect(page.get_by_test_id("mode")).to_have_value("0-9", timeout=READY_TIMEOUT_MS)
        expect(page.get_by_test_id("settings-message")).to_contain_text("restored from the link")
        assert page.get_by_test_id("batch-size").input_value() == "50"
        assert page.get_by_test_id("samples").input_value() == "60000"  # the mode's default, not in the link
        watch.assert_clean()
    finally:
        page.context.close()


def test_a_hostile_fragment_is_ignored_field_by_field(browser, base_url):
    fragment = (
        "mode=0-2&lr=1e999&samples=-3&batch_size=abc&optimizer=rmsprop&hidden=1,2,3,4,5,6&seed=7"
        "&evil=%3Cscript%3E&shuffle=yes"
    )
    page, watch = open_app(browser, f"{base_url}#{fragment}")
    try:
        wait_ready(page)
        message = page.get_by_test_id("settings-message")
        expect(message).to_contain_text("ignored")
        for name in ("Learning rate (1e999)", "Samples (-3)", "Batch size (abc)", "Optimizer (rmsprop)", "Hidden"):
            expect(message).to_contain_text(name)
        assert page.get_by_test_id("seed").input_value() == "7"  # the good field was restored
        assert page.get_by_test_id("lr").input_value() == "0.01"  # the bad ones kept the seed's values
        assert page.get_by_test_id("optimizer").input_value() == "momentum"
        assert page.locator("script:not([src])").count() == 0
        screenshot(page, "hostile-link")
        watch.assert_clean()
    finally:
        page.context.close()
    junk = quote("x" * 1_000_000)
    page, watch = open_app(browser, f"{base_url}#{junk}")
    try:
        wait_ready(page)
        expect(page.get_by_test_id("settings-message")).to_contain_text("too long")
        draw(page, DIGITS[2](), PLACES["centred"])
        expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "2")
        watch.assert_clean()
    finally:
        page.context.close()


def test_loading_a_model_sets_the_form_to_its_shape(app, tmp_path):
    page, _ = app
    page.get_by_test_id("hidden").fill("40")
    page.get_by_test_id("activation").select_option("sigmoid")
    page.get_by_test_id("samples").fill("200")
    train_briefly(page, 200)
    with page.expect_download() as download:
        page.get_by_test_id("model-download").click()
    path = tmp_path / "small.npz"
    download.value.save_as(path)
    page.get_by_test_id("preset-seed").click()
    assert page.get_by_test_id("hidden").input_value() == "500,100"
    page.get_by_test_id("model-upload").set_input_files(str(path))
    expect(page.get_by_test_id("model-message")).to_contain_text("Loaded small.npz")
    assert page.get_by_test_id("hidden").input_value() == "40"
    assert page.get_by_test_id("activation").input_value() == "sigmoid"
    # a switch of Digits mode loads that mode's model: what was said about the loaded one goes
    page.get_by_test_id("mode").select_option("0-9")
    expect(page.get_by_test_id("status")).to_contain_text("(all ten digits)", timeout=120_000)
    expect(page.get_by_test_id("model-message")).to_be_hidden()


def test_a_link_opened_during_a_run_is_applied_after_it_and_one_that_cannot_train_says_so(app):
    """A link pasted into the tab while a run goes on waits for its end, then applies (its language
    too; an empty menu value is refused, not left blank). A link whose fields are each in range but
    give too big a network says so, instead of "restored"."""
    page, watch = app
    message = page.get_by_test_id("settings-message")
    page.get_by_test_id("train").click()
    page.wait_for_function("window.digitsApp.training")
    page.evaluate("location.hash = 'lr=0.05&optimizer=&lang=ja'")
    expect(message).to_contain_text("will be applied once Python is ready and no run is going")
    assert page.get_by_test_id("lr").input_value() == "0.01"
    page.get_by_test_id("stop").click()
    expect(page.get_by_test_id("lr")).to_have_value("0.05", timeout=60_000)  # the run is over
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_test_id("optimizer")).to_have_value("momentum")
    expect(message).to_contain_text("最適化手法（）を無視")  # "ignored Optimizer ()", in Japanese
    page.evaluate("location.hash = 'hidden=2048,2048,2048,2048&lang=en'")
    expect(message).to_contain_text("The form cannot train with them as they are")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    watch.assert_clean()
