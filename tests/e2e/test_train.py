"""Training in the page: the seed experiment, Stop, and model files."""

import time

from playwright.sync_api import expect

from tests.e2e.conftest import open_app, predictions_settled, screenshot, wait_ready
from tests.e2e.drawing import DIGITS, PLACES, draw


def read_float(page, testid):
    text = page.get_by_test_id(testid).text_content()
    return float(text) if text not in ("–", "") else None


def test_seed_experiment_in_the_browser(app):
    page, watch = app
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("stop")).to_be_enabled()
    expect(page.get_by_test_id("train")).to_be_disabled()
    seen_losses, seen_steps, averages = set(), set(), []
    shot_taken = False
    deadline = time.time() + 240
    while time.time() < deadline:
        step = int(page.get_by_test_id("step").text_content())
        loss = page.get_by_test_id("loss-value").text_content()
        seen_steps.add(step)
        seen_losses.add(loss)
        avg = read_float(page, "loss-avg")
        if avg is not None:
            averages.append((step, avg))
        if not shot_taken and 1000 < step < 5000:
            screenshot(page, "training")
            shot_taken = True
        if "done" in page.get_by_test_id("status").text_content():
            break
        page.wait_for_function(  # the next readout, or the end of the run
            """(step) => document.querySelector('[data-testid="step"]').textContent !== step ||
                /done/.test(document.querySelector('[data-testid="status"]').textContent)""",
            arg=str(step),
            timeout=60_000,
        )
    expect(page.get_by_test_id("step")).to_have_text("5000")
    expect(page.get_by_test_id("status")).to_contain_text("Training done: 5,000 steps")
    assert len(seen_losses) >= 10, "the loss readout should update many times during the run"
    assert len([s for s in seen_steps if 0 < s < 5000]) >= 5
    # The readout is refreshed every 200 ms, so it may skip step 100: the chart holds every step's average.
    first_avg = page.evaluate("() => window.digitsApp.trainingPanel.chart.averages[99]")
    assert averages and 0.2 < first_avg < 0.6, first_avg  # the seed's moving average after 100 steps
    assert read_float(page, "loss-avg") < 0.25 * first_avg
    expect(page.get_by_test_id("test-accuracy")).to_contain_text("of 3,147", timeout=60_000)
    accuracy = float(page.get_by_test_id("test-accuracy").get_attribute("data-accuracy"))
    assert accuracy >= 0.97
    expect(page.get_by_test_id("gallery").locator("li")).to_have_count(20)
    expect(page.get_by_test_id("model-select")).to_have_value("trained")
    screenshot(page, "results")
    # The new model draws too.
    draw(page, DIGITS[2](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "2")
    watch.assert_clean()


def test_stop_during_training_is_quick_and_keeps_a_working_model(app):
    page, watch = app
    page.get_by_test_id("samples").fill("18623")
    page.get_by_test_id("epochs").fill("3")
    page.get_by_test_id("train").click()
    page.wait_for_function("() => Number(document.querySelector('[data-testid=step]').textContent) >= 500")
    started = time.time()
    page.get_by_test_id("stop").click()
    expect(page.get_by_test_id("status")).to_contain_text("Stopped after", timeout=5000)
    elapsed = time.time() - started
    assert elapsed < 1.0, f"stopping took {elapsed:.2f} s"
    step = int(page.get_by_test_id("step").text_content())
    assert 0 < step < 18623 * 3
    expect(page.get_by_test_id("train")).to_be_enabled()
    draw(page, DIGITS[1](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "1")
    watch.assert_clean()


def test_settings_reset_and_bad_input(app):
    page, _ = app
    page.get_by_test_id("lr").fill("")
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("settings-message")).to_contain_text("Learning rate")
    expect(page.get_by_test_id("step")).to_have_text("0")
    page.get_by_test_id("batch-size").fill("7")
    page.get_by_test_id("optimizer").select_option("adam")
    page.get_by_test_id("preset-seed").click()
    assert page.get_by_test_id("lr").input_value() == "0.01"
    assert page.get_by_test_id("batch-size").input_value() == "1"
    assert page.get_by_test_id("optimizer").input_value() == "momentum"
    expect(page.get_by_test_id("settings-message")).to_be_hidden()


def test_model_download_upload_round_trip_and_bad_upload(app, tmp_path):
    page, watch = app
    draw(page, DIGITS[0](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "0")
    predictions_settled(page)
    before = [s.text_content() for s in page.get_by_test_id("scores").locator(".value").all()]
    with page.expect_download() as download:
        page.get_by_test_id("model-download").click()
    path = tmp_path / "model.npz"
    download.value.save_as(path)
    assert path.read_bytes()[:2] == b"PK"

    seq = page.get_by_test_id("prediction").get_attribute("data-seq")
    page.get_by_test_id("model-upload").set_input_files(str(path))
    expect(page.get_by_test_id("model-message")).to_contain_text("Loaded model.npz")
    expect(page.get_by_test_id("model-select")).to_have_value("trained")
    expect(page.get_by_test_id("prediction")).not_to_have_attribute("data-seq", seq)  # predicted again
    expect(page.get_by_test_id("scores").locator(".value")).to_have_text(before)  # once predictions settle

    corrupt = tmp_path / "corrupt.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
    corrupt.write_bytes(bytes(data[: len(data) - 1000]))
    page.get_by_test_id("model-upload").set_input_files(str(corrupt))
    expect(page.get_by_test_id("model-message")).to_contain_text("corrupt.npz: ")
    expect(page.get_by_test_id("model-message")).to_contain_text("unchanged")
    not_a_model = tmp_path / "notes.npz"
    not_a_model.write_text("hello")
    page.get_by_test_id("model-upload").set_input_files(str(not_a_model))
    expect(page.get_by_test_id("model-message")).to_contain_text("not a model file")
    page.get_by_test_id("undo").click()
    seq = page.get_by_test_id("prediction").get_attribute("data-seq")
    draw(page, DIGITS[0](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).not_to_have_attribute("data-seq", seq)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "0")
    expect(page.get_by_test_id("scores").locator(".value")).to_have_text(before)
    watch.assert_clean()


def test_trained_model_survives_a_reload_until_forgotten(browser, base_url, tmp_path):
    page, watch = open_app(browser, base_url)
    try:
        wait_ready(page)
        page.get_by_test_id("samples").fill("300")
        page.get_by_test_id("train").click()
        expect(page.get_by_test_id("status")).to_contain_text("Training done: 300 steps", timeout=120_000)
        expect(page.get_by_test_id("model-forget")).to_be_visible()
        page.reload()
        wait_ready(page)
        expect(page.get_by_test_id("model-select")).to_have_value("trained")
        expect(page.get_by_test_id("model-message")).to_contain_text("last trained model")
        page.get_by_test_id("model-select").select_option("pretrained")
        expect(page.get_by_test_id("model-info")).to_contain_text("97.")
        page.get_by_test_id("model-forget").click()  # (maybe before the worker has answered the switch)
        expect(page.get_by_test_id("model-message")).to_contain_text("forgotten")  # stored: only now reload
        page.reload()
        wait_ready(page)
        expect(page.get_by_test_id("model-select")).to_have_value("pretrained")
        watch.assert_clean()
    finally:
        page.context.close()
