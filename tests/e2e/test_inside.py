"""Beyond the seed: looking inside the network, comparing runs, exporting the log, the best preset."""

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, shown_settings
from tests.e2e.drawing import DIGITS, PLACES, draw

NONBLANK = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                     let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i] + d[i+1] + d[i+2]; return s; }"""


def test_weights_activations_runs_and_csv(app, tmp_path):
    page, watch = app
    grid = page.get_by_test_id("weights-grid")
    expect(grid).to_have_attribute("data-model", "pretrained")  # painted
    pretrained_sum = grid.evaluate(NONBLANK)
    assert pretrained_sum > 0  # the pretrained model's weights are drawn at start-up

    draw(page, DIGITS[1](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "1")
    strips = page.get_by_test_id("activations").locator("canvas")
    expect(strips).to_have_count(2)
    assert [s.get_attribute("data-units") for s in strips.all()] == ["500", "100"]

    # Two short runs with different settings: the weight grid changes live, both runs are listed.
    for lr in ("0.01", "0.02"):
        page.get_by_test_id("samples").fill("400")
        page.get_by_test_id("lr").fill(lr)
        page.get_by_test_id("train").click()
        expect(page.get_by_test_id("status")).to_contain_text("Training done: 400 steps", timeout=120_000)
    assert grid.evaluate(NONBLANK) != pretrained_sum
    legend = page.get_by_test_id("run-legend").locator("li")
    expect(legend).to_have_count(2)
    expect(legend.first).to_contain_text("lr 0.02")
    expect(legend.nth(1)).to_contain_text("lr 0.01")

    # The mistakes gallery lists only wrong predictions.
    mistakes = page.get_by_test_id("mistakes").locator("li")
    expect(mistakes.first).to_be_visible()
    for item in mistakes.all()[:10]:
        assert item.get_attribute("data-label") != item.get_attribute("data-predicted")

    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    path = tmp_path / "log.csv"
    download.value.save_as(path)
    lines = path.read_text().splitlines()
    assert lines[0] == "step,loss,moving_average" and len(lines) == 401
    step, loss, avg = lines[-1].split(",")
    assert step == "400" and float(loss) >= 0 and float(avg) > 0
    screenshot(page, "inside")
    watch.assert_clean()


def test_best_preset_fills_the_settings(app):
    page, _ = app
    page.get_by_test_id("preset-best-012").click()
    assert shown_settings(page) == {
        "samples": "18623", "batch-size": "32", "optimizer": "adam", "lr-schedule": "linear",
        "loss": "softmax_ce", "label-smoothing": "0.1", "init": "he", "dtype": "float32", "shuffle": True,
    }  # fmt: skip
    page.get_by_test_id("preset-seed").click()
    assert shown_settings(page) == {
        "samples": "5000", "batch-size": "1", "optimizer": "momentum", "lr-schedule": "constant",
        "loss": "mse", "label-smoothing": "0", "init": "normal", "dtype": "float64", "shuffle": False,
    }  # fmt: skip


def test_best_preset_reaches_99_5_percent(app):
    """The Best preset trains on all 18,623 images of 0, 1, 2 and gets at least 99.5 % of the test images."""
    page, watch = app
    page.get_by_test_id("preset-best-012").click()
    page.get_by_test_id("train").click()
    expect(page.get_by_test_id("status")).to_contain_text("Training done: 1,164 steps", timeout=300_000)
    expect(page.get_by_test_id("test-accuracy")).to_contain_text("of 3,147", timeout=60_000)
    accuracy = float(page.get_by_test_id("test-accuracy").get_attribute("data-accuracy"))
    assert accuracy >= 0.995
    expect(page.get_by_test_id("run-legend")).to_contain_text("18623×2 · batch 32 · Adam lr 0.002→0")
    watch.assert_clean()
