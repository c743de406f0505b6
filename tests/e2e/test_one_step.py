"""One step, watched (issue #12, part 3), in real Chromium with real Pyodide: the numbers the page
shows equal a direct NumPy computation, done here in CPython from the site's pretrained model file
and its MNIST image; the user's model never changes; bad input gets a clear message."""

from __future__ import annotations

import gzip
import json

import numpy as np
from playwright.sync_api import Page, expect

from pycore import model_io
from pycore.network import Network, NetworkConfig
from tests.conftest import ROOT
from tests.e2e.axe import axe_violations
from tests.e2e.conftest import SCREENSHOTS, predictions_settled, wait_ready
from tests.e2e.drawing import DIGITS, PLACES, draw

SITE = ROOT / "_site"
KILL_WORKER = "window.digitsApp.worker.worker.terminate()"
DEATH_NOTICED_MS = 10_000  # the page notices a dead worker within 10 s (tests/e2e/test_faults.py)
MODEL_SHA256 = """async () => {
  const { bytes } = await window.digitsApp.worker.request("model-bytes");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}"""


def pretrained() -> tuple[dict[str, np.ndarray], dict]:
    """The 0–2 mode's pretrained model as the site ships it: its arrays and its configuration."""
    manifest = json.loads((SITE / "data" / "manifest.json").read_text())
    with np.load(SITE / "data" / manifest["pretrained"]["file"]) as f:
        params = {k: f[k] for k in f.files if k != "meta"}
        config = json.loads(str(f["meta"]))["config"]
    return params, config


def training_image(index: int) -> tuple[np.ndarray, int]:
    """Training image ``index`` of the 0–2 mode (the site's data file holds only 0s, 1s and 2s, in
    MNIST's order), read from the gzipped IDX file with plain NumPy: (784,) uint8 and its label."""
    manifest = json.loads((SITE / "data" / "manifest.json").read_text())["data"]
    images = gzip.decompress((SITE / "data" / manifest["train_images"]["file"]).read_bytes())
    labels = gzip.decompress((SITE / "data" / manifest["train_labels"]["file"]).read_bytes())
    return np.frombuffer(images, np.uint8, 784, offset=16 + 784 * index), labels[8 + index]


ACTIVATIONS = {  # name: (forward, derivative from the input z and the output a)
    "leaky_relu": (lambda z, alpha: np.where(z > 0, z, alpha * z), lambda z, a, alpha: np.where(z > 0, 1.0, alpha)),
    "tanh": (lambda z, alpha: np.tanh(z), lambda z, a, alpha: 1 - a**2),
}


def direct_step(params: dict, x: np.ndarray, t: np.ndarray, lr: float, config: dict) -> dict:
    """A step of the network in plain NumPy: the activation between Affine layers, the loss
    (½Σ(y−t)², or softmax and cross-entropy), backward by hand, and Momentum's first update
    (v = −lr·dW) written into float32 weights, as the model holds them."""
    n = len(params) // 2
    W = [params[f"W{i}"].astype(np.float64) for i in range(1, n + 1)]
    b = [params[f"b{i}"].astype(np.float64) for i in range(1, n + 1)]
    f, df = ACTIVATIONS[config["activation"]]
    alpha, softmax = config["alpha"], config["loss"] == "softmax_ce"

    def forward(W, b):
        xs, zs, posts, a = [], [], [], x
        for k in range(n):
            xs.append(a)
            zs.append(a @ W[k] + b[k])
            a = f(zs[-1], alpha) if k < n - 1 else zs[-1]
            posts.append(a)
        y = zs[-1]
        if softmax:
            p = np.exp(y - y.max()) / np.exp(y - y.max()).sum()
            return xs, zs, posts, -np.sum(t * np.log(p)), p - t
        return xs, zs, posts, 0.5 * np.sum((y - t) ** 2), y - t

    xs, zs, posts, loss, d = forward(W, b)
    out = {"loss": loss, "y": zs[-1], "dy": d}
    grads = []
    for k in reversed(range(n)):
        above = d
        if k < n - 1:
            d = d * df(zs[k], posts[k], alpha)
        hidden = k < n - 1
        grads.append({"input": xs[k], "pre": zs[k], "post": posts[k] if hidden else None,
                      "grad_post": above if hidden else None, "grad_pre": d,
                      "dW": np.outer(xs[k], d), "db": d})  # fmt: skip
        d = d @ W[k].T
    grads.reverse()
    new_W, new_b = [], []
    for k, g in enumerate(grads):
        for name, p, store in (("W", W[k], new_W), ("b", b[k], new_b)):
            p32 = p.astype(np.float32)
            moved = p32 + (-lr * g[f"d{name}"]).astype(np.float32)  # W += v, in the model's float32
            g[f"update_{name}"] = moved.astype(np.float64) - p32
            store.append(moved.astype(np.float64))
    out["layers"] = grads
    out["loss_after"] = forward(new_W, new_b)[3]
    return out


def value(page: Page, testid: str) -> float:
    return float(page.get_by_test_id(testid).get_attribute("data-value"))


def strip(page: Page, testid: str) -> np.ndarray:
    return np.array(page.evaluate("id => Array.from(window.digitsApp.stepView.strips[id])", testid))


def close(shown, expected, rtol: float = 2e-4) -> bool:
    shown, expected = np.asarray(shown, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return shown.shape == expected.shape and np.abs(shown - expected).max() <= rtol * max(np.abs(expected).max(), 1e-12)


def norm(a: np.ndarray) -> float:
    return float(np.sqrt(np.sum(a**2)))


def step_result(page: Page, seq: int) -> None:
    expect(page.get_by_test_id("step-result")).to_have_attribute("data-seq", str(seq), timeout=60_000)


def assert_shown_equals(page: Page, ref: dict, lr: float = 0.01) -> None:
    """Every number and strip of the step view against ``ref`` (from :func:`direct_step`)."""
    assert close(value(page, "step-loss-before"), ref["loss"])
    assert close(value(page, "step-loss-after"), ref["loss_after"])
    assert value(page, "step-loss-after") < value(page, "step-loss-before")
    assert close(strip(page, "step-loss-outputs"), ref["y"])
    assert close(strip(page, "step-loss-gradient"), ref["dy"])
    for i, layer in enumerate(ref["layers"], start=1):
        last = layer["grad_post"] is None
        assert close(strip(page, f"step-L{i}-input"), layer["input"]), f"layer {i} input"
        assert close(strip(page, f"step-L{i}-pre"), layer["pre"]), f"layer {i} pre-activation"
        if not last:
            assert close(strip(page, f"step-L{i}-post"), layer["post"]), f"layer {i} activation"
            assert close(strip(page, f"step-L{i}-grad_post"), layer["grad_post"]), f"layer {i} dy at the activation"
            assert close(value(page, f"step-L{i}-grad_post-norm"), norm(layer["grad_post"]))
        assert close(strip(page, f"step-L{i}-grad_pre"), layer["grad_pre"]), f"layer {i} dy at x·W + b"
        for key, testid in (("dW", "dW"), ("db", "db"), ("update_W", "update_W"), ("update_b", "update_b")):
            a = layer[key]
            assert close(value(page, f"step-L{i}-{testid}-norm"), norm(a), 1e-3), f"layer {i} ‖{key}‖"
            assert close(value(page, f"step-L{i}-{testid}-max"), np.abs(a).max(), 1e-3), f"layer {i} max|{key}|"
        # the update is Momentum's first: lr times the gradient
        assert close(value(page, f"step-L{i}-update_W-norm"), lr * norm(layer["dW"]), 1e-3)


def test_one_step_on_a_training_image_equals_numpy(app):
    page, watch = app
    params, config = pretrained()
    assert (config["sizes"], config["activation"], config["loss"]) == ([784, 500, 100, 3], "leaky_relu", "mse")
    model_before = page.evaluate(MODEL_SHA256)
    index = 7
    pixels, label = training_image(index)
    page.get_by_test_id("step-index").fill(str(index))
    expect(page.get_by_test_id("step-sample")).to_have_text(f"Training image {index} of 18,623: a {label}")
    page.get_by_test_id("step-run").click()
    step_result(page, 1)

    t = np.eye(3)[label]
    ref = direct_step(params, pixels / 255.0, t, 0.01, config)
    assert_shown_equals(page, ref)
    assert close(strip(page, "step-loss-target"), t, 0)
    before = value(page, "step-loss-before")
    expect(page.get_by_test_id("step-loss-before")).to_have_text(f"{before:.4g}")  # what people read
    card = page.get_by_test_id("one-step")
    for formula in ("y = x·W + b", "dW = xᵀ·dy", "dx = dy·Wᵀ", "y = max(x, αx)", "L = ½Σ(y − t)²", "dy = y − t",
                    "v = m·v − lr·dW;  W += v"):  # fmt: skip
        expect(card).to_contain_text(formula)
    expect(page.get_by_test_id("step-summary")).to_contain_text("Momentum step (lr 0.01, momentum 0.9")
    assert page.evaluate(MODEL_SHA256) == model_before  # the model people draw with is unchanged

    assert axe_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    card.screenshot(path=str(SCREENSHOTS / "one-step.png"))

    # Bad indices: a clear message, the step shown stays, the model is unchanged.
    for bad in ("18623", "-1", "2.5", ""):
        page.get_by_test_id("step-index").fill(bad)
        page.get_by_test_id("step-run").click()
        expect(page.get_by_test_id("step-message")).to_contain_text("enter a whole number from 0 to 18622")
        expect(page.get_by_test_id("step-run")).to_be_enabled()
    expect(page.get_by_test_id("step-result")).to_have_attribute("data-seq", "1")
    assert value(page, "step-loss-before") == before
    assert page.evaluate(MODEL_SHA256) == model_before
    # Fields one step does not use may be out of range meanwhile (a model loaded with 14 layers, say)
    page.get_by_test_id("samples").fill("0")
    page.get_by_test_id("hidden").fill("1,2,3,4,5,6,7")
    page.get_by_test_id("step-index").fill(str(index))
    page.get_by_test_id("step-run").click()
    step_result(page, 2)
    assert value(page, "step-loss-before") == before
    expect(page.get_by_test_id("step-message")).to_be_hidden()
    watch.assert_clean()


def test_one_step_on_a_drawing_with_a_chosen_label(app):
    page, watch = app
    params, config = pretrained()
    page.get_by_test_id("step-source-drawing").check()
    page.get_by_test_id("step-run").click()
    expect(page.get_by_test_id("step-message")).to_contain_text("nothing drawn")

    draw(page, DIGITS[2](), PLACES["centred"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "2")
    predictions_settled(page)
    model_before = page.evaluate(MODEL_SHA256)
    page.get_by_test_id("step-label").select_option("1")  # a wrong label: a large step
    page.get_by_test_id("step-run").click()
    step_result(page, 1)
    expect(page.get_by_test_id("step-message")).to_be_hidden()
    expect(page.get_by_test_id("step-sample")).to_have_text("Your drawing: a 1")
    assert page.get_by_test_id("step-result").get_attribute("data-source") == "drawing"

    # The input is the drawing as the worker prepared it (the same 28×28 image the Draw card shows).
    x = strip(page, "step-L1-input")
    preview = page.evaluate(
        "() => Array.from(document.getElementById('preview').getContext('2d').getImageData(0, 0, 28, 28).data)"
    )
    assert np.array_equal(np.round(x * 255).astype(int), np.array(preview[::4]))
    ref = direct_step(params, x.astype(np.float64), np.eye(3)[1], 0.01, config)
    assert_shown_equals(page, ref)
    assert page.evaluate(MODEL_SHA256) == model_before
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-digit", "2")  # still the user's model
    watch.assert_clean()


def test_a_worker_dying_mid_step_loses_nothing(app):
    page, watch = app
    page.get_by_test_id("step-index").fill("0")
    page.get_by_test_id("step-run").click()
    step_result(page, 1)
    shown = value(page, "step-loss-before")
    page.get_by_test_id("step-index").fill("1")
    page.evaluate(f"() => {{ document.querySelector('[data-testid=step-run]').click(); {KILL_WORKER}; }}")
    expect(page.get_by_test_id("step-message")).to_contain_text("Python stopped", timeout=DEATH_NOTICED_MS)
    expect(page.get_by_test_id("step-message")).to_contain_text("The last step shown is kept")
    expect(page.get_by_test_id("step-result")).to_have_attribute("data-seq", "1")
    assert value(page, "step-loss-before") == shown
    expect(page.get_by_test_id("step-run")).to_be_disabled()  # like Train, until Python is back

    page.get_by_test_id("restart").click()
    wait_ready(page)
    page.get_by_test_id("step-run").click()
    step_result(page, 2)
    expect(page.get_by_test_id("step-sample")).to_contain_text("Training image 1 of 18,623")
    assert value(page, "step-loss-before") != shown
    watch.assert_clean()


def test_the_view_adapts_to_a_loaded_tanh_softmax_network(app, tmp_path):
    """A 784-40-20-10 tanh network with softmax (a model file made here), in the 0–2 mode, and the
    form's learning rate changed to 0.05: the view has three layers and a probabilities column,
    and its numbers equal NumPy's."""
    page, watch = app
    config = NetworkConfig(sizes=(784, 40, 20, 10), activation="tanh", loss="softmax_ce", init="he",
                           classes=tuple(range(10)), dtype="float32")  # fmt: skip
    path = tmp_path / "tanh.npz"
    path.write_bytes(model_io.to_bytes(Network(config, seed=5)))
    page.get_by_test_id("model-upload").set_input_files(str(path))
    expect(page.get_by_test_id("model-message")).to_contain_text("Loaded tanh.npz")
    page.get_by_test_id("lr").fill("0.05")
    page.get_by_test_id("step-index").fill("3")
    page.get_by_test_id("step-run").click()
    step_result(page, 1)
    expect(page.get_by_test_id("step-result").locator("section")).to_have_count(4)  # three layers and the loss
    expect(page.get_by_test_id("step-loss-table").locator("tbody tr, tr[data-digit]")).to_have_count(10)
    expect(page.get_by_test_id("one-step")).to_contain_text("p = softmax(y);  L = −Σ t·log p")
    expect(page.get_by_test_id("one-step")).to_contain_text("dx = dy · (1 − y²)")
    with np.load(path) as f:
        params = {k: f[k] for k in f.files if k != "meta"}
    pixels, label = training_image(3)
    ref = direct_step(params, pixels / 255.0, np.eye(10)[label], 0.05, config.to_dict())
    assert_shown_equals(page, ref, lr=0.05)
    assert close(strip(page, "step-loss-probabilities"), ref["dy"] + np.eye(10)[label])
    assert axe_violations(page) == []
    watch.assert_clean()
