"""One step, watched: every value the step view shows equals a direct NumPy computation.

The reference below is plain matrix math written for these tests (no pycore layer, loss or
optimizer in it): forward, loss, backward by hand, and each optimizer's first update.
"""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pycore import mnist, model_io
from pycore.app import Session
from pycore.errors import ConfigError
from pycore.network import Network, NetworkConfig
from pycore.onestep import FORMULAS, to_page, watch_step
from pycore.optimizers import make_optimizer

ACTS = {  # activation: (forward, derivative from the input x and the output y)
    "leaky_relu": (lambda x: np.where(x > 0, x, 0.1 * x), lambda x, y: np.where(x > 0, 1.0, 0.1)),
    "relu": (lambda x: np.maximum(x, 0), lambda x, y: (x > 0).astype(float)),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), lambda x, y: y * (1 - y)),
    "tanh": (np.tanh, lambda x, y: 1 - y**2),
}


def first_update(name: str, g: np.ndarray, lr: float, momentum: float = 0.9) -> np.ndarray:
    """The change a fresh optimizer makes at its first step, for the gradient ``g``."""
    if name == "sgd":
        return -lr * g
    if name == "momentum":
        return momentum * 0.0 - lr * g  # v starts at 0; W += v
    if name == "adagrad":
        return -lr * g / (np.sqrt(g * g) + 1e-7)
    if name == "adam":
        b1, b2, eps = 0.9, 0.999, 1e-8
        m, v = (1 - b1) * g, (1 - b2) * g * g
        return -lr * np.sqrt(1 - b2) / (1 - b1) * m / (np.sqrt(v) + eps)
    raise AssertionError(name)


def reference(params: dict, activation: str, loss: str, x: np.ndarray, t: np.ndarray, opt: str, lr: float) -> dict:
    """Forward, loss, backward and the first update of ``opt``, in float64 plain matrix math."""
    f, df = ACTS[activation]
    Ws = [params[f"W{i}"].astype(np.float64) for i in range(1, len(params) // 2 + 1)]
    bs = [params[f"b{i}"].astype(np.float64) for i in range(1, len(params) // 2 + 1)]

    def forward(Ws, bs):
        inputs, pres, posts = [], [], []
        a = x
        for k, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            inputs.append(a)
            z = a @ W + b
            pres.append(z)
            if k < len(Ws) - 1:
                a = f(z)
                posts.append(a)
        y = pres[-1]
        if loss == "mse":
            L, p, dy = 0.5 * np.sum((y - t) ** 2), None, y - t
        else:
            e = np.exp(y - y.max())
            p = e / e.sum()
            L, dy = -np.sum(t * np.log(p)), p - t
        return inputs, pres, posts, y, p, L, dy

    inputs, pres, posts, y, p, L, dy = forward(Ws, bs)
    layers = [None] * len(Ws)
    d = dy  # the gradient arriving at the last Affine
    for k in reversed(range(len(Ws))):
        grad_post = None
        if k < len(Ws) - 1:
            grad_post = d  # arrived at the activation's output
            d = d * df(pres[k], posts[k])
        dW, db = np.outer(inputs[k], d), d
        layers[k] = {"input": inputs[k], "pre": pres[k], "post": posts[k] if k < len(Ws) - 1 else None,
                     "grad_post": grad_post, "grad_pre": d, "dW": dW, "db": db,
                     "update_W": first_update(opt, dW, lr), "update_b": first_update(opt, db, lr)}  # fmt: skip
        d = d @ Ws[k].T
    new_Ws = [W + layer["update_W"] for W, layer in zip(Ws, layers, strict=True)]
    new_bs = [b + layer["update_b"] for b, layer in zip(bs, layers, strict=True)]
    *_, y_after, _, L_after, _ = forward(new_Ws, new_bs)
    return {"layers": layers, "y": y, "p": p, "L": L, "dy": dy, "y_after": y_after, "L_after": L_after}


def sample_image(rng: np.random.Generator) -> np.ndarray:
    """A (784,) image in 0..1 that is mostly zero, like MNIST's."""
    x = np.zeros(784)
    x[rng.choice(784, 150, replace=False)] = rng.random(150)
    return x


def assert_close(shown, expected, rtol, name):
    shown, expected = np.asarray(shown, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    scale = max(float(np.abs(expected).max()), 1e-30)
    assert shown.shape == expected.shape, name
    assert np.abs(shown - expected).max() <= rtol * scale, f"{name}: {shown} != {expected}"


def norm(a):
    return float(np.sqrt(np.sum(np.asarray(a, dtype=np.float64) ** 2)))


CASES = [  # (hidden, activation, loss, classes, optimizer, lr, dtype)
    ((500, 100), "leaky_relu", "mse", (0, 1, 2), "momentum", 0.01, "float64"),  # the seed
    ((), "tanh", "softmax_ce", (0, 1, 2), "sgd", 0.1, "float64"),
    ((64, 32), "tanh", "softmax_ce", tuple(range(10)), "adam", 0.002, "float64"),
    ((40, 20), "sigmoid", "mse", tuple(range(10)), "adagrad", 0.05, "float64"),
    ((64, 16), "relu", "softmax_ce", (0, 1, 2), "momentum", 0.05, "float32"),
]


@pytest.mark.parametrize(("hidden", "activation", "loss", "classes", "opt", "lr", "dtype"), CASES)
def test_every_value_equals_plain_matrix_math(rng, hidden, activation, loss, classes, opt, lr, dtype):
    config = NetworkConfig(sizes=(784, *hidden, len(classes)), activation=activation, loss=loss, init="he",
                           classes=classes, dtype=dtype)  # fmt: skip
    net = Network(config, seed=3)
    kept = {k: p.copy() for k, p in net.params.items()}
    arrays = {k: id(p) for k, p in net.params.items()}
    x = sample_image(rng)
    t = np.eye(len(classes))[1]
    view = watch_step(net, make_optimizer(opt, lr), x[None, :], t[None, :])
    ref = reference(kept, activation, loss, x, t, opt, lr)
    rtol = 1e-9 if dtype == "float64" else 2e-4

    # The user's model is unchanged: the same arrays, the same values.
    assert {k: id(p) for k, p in net.params.items()} == arrays
    for k, p in net.params.items():
        np.testing.assert_array_equal(p, kept[k])

    shown = view["loss"]
    assert shown["before"] == pytest.approx(ref["L"], rel=rtol)
    assert shown["after"] == pytest.approx(ref["L_after"], rel=rtol)
    assert shown["after"] < shown["before"]  # a small step downhill
    assert_close(shown["outputs"], ref["y"], rtol, "y")
    assert_close(shown["target"], t, 0, "t")
    assert_close(shown["gradient"], ref["dy"], rtol, "dL/dy")
    assert_close(shown["outputs_after"], ref["y_after"], rtol, "y after")
    if loss == "softmax_ce":
        assert_close(shown["probabilities"], ref["p"], rtol, "p")
    else:
        assert shown["probabilities"] is None
    assert len(view["layers"]) == len(hidden) + 1
    for k, (layer, expected) in enumerate(zip(view["layers"], ref["layers"], strict=True)):
        where = f"layer {k + 1}"
        assert (layer["inputs"], layer["units"]) == expected["dW"].shape
        for key in ("input", "pre", "grad_pre"):
            assert_close(layer[key], expected[key], rtol, f"{where} {key}")
        for key in ("post", "grad_post"):
            if expected[key] is None:
                assert layer[key] is None and layer["activation"] is None, f"{where} {key}"
            else:
                assert_close(layer[key], expected[key], rtol, f"{where} {key}")
        for key in ("dW", "db", "update_W", "update_b"):
            assert layer[f"{key}_norm"] == pytest.approx(norm(expected[key]), rel=rtol), f"{where} ‖{key}‖"
            # float32 weights hold W + ΔW rounded, so a tiny update is seen to float32's resolution of W
            atol = 0 if dtype == "float64" else 1e-7 * float(np.abs(kept[f"W{k + 1}"]).max())
            expected_max = float(np.abs(expected[key]).max())
            assert layer[f"{key}_max"] == pytest.approx(expected_max, rel=rtol, abs=atol), f"{where} max|{key}|"
        assert layer["formulas"]["forward"] == "y = x·W + b" and layer["formulas"]["weight_grad"] == "dW = xᵀ·dy"
    assert view["optimizer"]["settings"]["lr"] == lr
    assert view["optimizer"]["formulas"] == FORMULAS[type(make_optimizer(opt, lr))]


def test_the_seed_formulas():
    net = Network(NetworkConfig(), seed=0)
    x, t = np.zeros((1, 784)), np.eye(3)[:1]
    x[0, 300:340] = 1.0
    view = watch_step(net, make_optimizer("momentum", 0.01), x, t)
    assert view["loss"]["formulas"] == {"forward": "L = ½Σ(y − t)²", "backward": "dy = y − t"}
    assert view["optimizer"]["formulas"] == {"update": "v = m·v − lr·dW;  W += v"}
    assert view["optimizer"]["settings"] == {"lr": 0.01, "momentum": 0.9}
    assert view["layers"][0]["formulas"]["activation"] == "y = max(x, αx)"
    assert view["layers"][0]["formulas"]["input_grad"] == "dx = dy·Wᵀ"


def test_a_class_without_a_formula_shows_its_docstring():
    from pycore.onestep import formulas

    class Swish:
        """y = x·sigmoid(x), written in the Lab."""

    assert formulas(Swish()) == {"forward": "y = x·sigmoid(x), written in the Lab."}


def test_to_page_sends_float32_bytes_and_full_precision_sizes(rng):
    net = Network(NetworkConfig(sizes=(784, 20, 3)), seed=0)
    view = watch_step(net, make_optimizer("sgd", 0.01), sample_image(rng)[None, :], np.eye(3)[2:3])
    page = to_page(view)
    pre = page["layers"][0]["pre"]
    values = np.frombuffer(pre["values"], dtype=np.float32)
    np.testing.assert_array_equal(values, view["layers"][0]["pre"].astype(np.float32))
    assert pre["size"] == 20 and pre["norm"] == norm(view["layers"][0]["pre"])
    assert pre["max"] == view["layers"][0]["pre"].max() and pre["absmax"] == np.abs(view["layers"][0]["pre"]).max()
    assert page["layers"][1]["post"] is None and page["loss"]["before"] == view["loss"]["before"]


# ---- through the worker's API ------------------------------------------------------------------


@pytest.fixture
def session(mnist_dir):
    s = Session()
    s.load_model(model_io.to_bytes(Network(NetworkConfig(sizes=(784, 30, 10, 3)), seed=0)), "pretrained")
    split = mnist.load_split(mnist_dir, "train").select((0, 1, 2), limit=300)
    s.set_data("train", gzip.compress(mnist.to_idx(split.images)), mnist.to_idx(split.labels))
    return s


SEED = {"recipe": "seed"}


def drawing(line: bool = True) -> tuple[bytes, int, int]:
    img = Image.new("RGBA", (100, 100), (0, 0, 0, 255))
    if line:
        ImageDraw.Draw(img).line([(50, 10), (50, 90)], fill=(255, 255, 255, 255), width=8)
    return img.tobytes(), 100, 100


def test_one_step_on_a_training_image(session, mnist_dir):
    before = session.model_bytes()
    result = session.one_step({**SEED, "lr": 0.05}, index=7)
    split = mnist.load_split(mnist_dir, "train").select((0, 1, 2), limit=300)
    assert result["source"] == "training" and result["index"] == 7 and result["count"] == 300
    assert result["label"] == int(split.labels[7]) and result["classes"] == [0, 1, 2]
    assert result["image"] == split.images[7].tobytes()
    net = session.model
    params = {k: p.copy() for k, p in net.params.items()}
    t = np.eye(3)[result["label"]]
    ref = reference(params, "leaky_relu", "mse", split.images[7].ravel() / 255.0, t, "momentum", 0.05)
    assert result["loss"]["before"] == pytest.approx(ref["L"], rel=1e-9)
    assert result["loss"]["after"] == pytest.approx(ref["L_after"], rel=1e-9)
    assert result["optimizer"]["settings"] == {"lr": 0.05, "momentum": 0.9}
    grad = np.frombuffer(result["layers"][1]["grad_pre"]["values"], dtype=np.float32)
    assert_close(grad, ref["layers"][1]["grad_pre"], 1e-6, "grad_pre")
    assert result["warning"] == ""
    assert session.model_bytes() == before  # the user's model is unchanged
    assert session.training_image(SEED, 7) == {"index": 7, "label": result["label"], "count": 300,
                                               "image": result["image"]}  # fmt: skip


def test_label_smoothing_and_the_optimizer_come_from_the_settings(session):
    result = session.one_step({**SEED, "optimizer": "adam", "lr": 0.001, "label_smoothing": 0.3}, index=0)
    target = np.frombuffer(result["loss"]["target"]["values"], dtype=np.float32)
    expected = np.full(3, 0.1)
    expected[result["label"]] = 0.8
    np.testing.assert_allclose(target, expected, rtol=1e-6)
    assert result["optimizer"]["name"] == "Adam" and result["optimizer"]["settings"]["lr"] == 0.001


def test_one_step_on_a_drawing(session):
    rgba, w, h = drawing()
    before = session.model_bytes()
    result = session.one_step(SEED, rgba=rgba, width=w, height=h, label=1)
    assert result["source"] == "drawing" and result["index"] is None and result["label"] == 1
    assert result["image"] == session.predict_rgba(rgba, w, h)["image"]  # the same preprocessing as predictions
    assert result["loss"]["after"] < result["loss"]["before"]
    assert session.model_bytes() == before


@pytest.mark.parametrize("index", [-1, 300, 10**12, 2.5, float("nan"), float("inf"), True, "3", [1]])
def test_a_bad_index_is_refused(session, index):
    before = session.model_bytes()
    with pytest.raises(ConfigError, match="training image: enter a whole number from 0 to 299"):
        session.one_step(SEED, index=index)
    with pytest.raises(ConfigError, match="training image"):
        session.training_image(SEED, index)
    assert session.model_bytes() == before


def test_no_training_images_yet():
    s = Session()
    s.load_model(model_io.to_bytes(Network(NetworkConfig(sizes=(784, 10, 3)), seed=0)), "pretrained")
    with pytest.raises(ConfigError, match="not loaded yet"):
        s.one_step(SEED, index=0)


@pytest.mark.parametrize(
    ("rgba", "width", "height"),
    [(None, None, None), (drawing(line=False)[0], 100, 100), (b"\x00" * 12, 100, 100), (b"x", True, 1),
     (drawing()[0], 10**6, 10**6), (drawing()[0], "100", 100)],
)  # fmt: skip
def test_no_drawing_is_refused(session, rgba, width, height):
    refused = r"nothing drawn|canvas has|size must be whole numbers|at most [\d,]+ are read"
    with pytest.raises(ConfigError, match=refused):
        session.one_step(SEED, rgba=rgba, width=width, height=height, label=1)


@pytest.mark.parametrize("label", [7, -1, 3.5, None, "1", True, float("nan")])
def test_a_label_not_among_the_models_digits_is_refused(session, label):
    rgba, w, h = drawing()
    with pytest.raises(ConfigError, match=r"not one of the current model's digits|choose the digit") as refused:
        session.one_step(SEED, rgba=rgba, width=w, height=h, label=label)
    assert "NoneType" not in str(refused.value)  # (no label chosen: no type name for people)


def test_a_training_image_the_model_does_not_know(session, mnist_dir):
    """A 0-2 model in the 0-9 mode: a training image of a 7 has no output to learn towards."""
    split = mnist.load_split(mnist_dir, "train")
    session.set_data("train", mnist.to_idx(split.images[:20]), mnist.to_idx(split.labels[:20]))
    seven = int(np.flatnonzero(split.labels[:20] == 7)[0])
    with pytest.raises(ConfigError, match="the label 7 is not one of the current model's digits"):
        session.one_step({"recipe": "ten-digit-page"}, index=seven)


def test_a_diverged_model_is_refused_and_kept(session):
    session.model.params["W2"][0, 0] = np.nan
    before = session.model_bytes()
    with pytest.raises(ConfigError, match="not a finite number"):
        session.one_step(SEED, index=0)
    assert session.model_bytes() == before


def test_a_step_that_overflows_is_shown_with_a_warning(session, recwarn):
    """A model near divergence (huge last-layer weights) and a large learning rate: the step is
    shown, the loss after it is not a number, a sentence says why, and the model is kept."""
    assert session.one_step({**SEED, "lr": 10.0, "optimizer": "sgd"}, index=3)["warning"] == ""  # not yet
    session.model.params["W3"] *= 1e100
    before = session.model_bytes()
    result = session.one_step({**SEED, "lr": 10.0, "optimizer": "sgd"}, index=3)
    assert np.isfinite(result["loss"]["before"]) and not np.isfinite(result["loss"]["after"])
    assert "the learning rate is too large" in result["warning"]
    assert session.model_bytes() == before
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_bad_settings_are_refused(session):
    with pytest.raises(ConfigError, match="learning rate"):
        session.one_step({**SEED, "lr": -1}, index=0)
    with pytest.raises(ConfigError, match="unknown optimizer"):
        session.one_step({**SEED, "optimizer": "nope"}, index=0)


def test_a_lab_activation_is_watched_with_its_docstring_as_formula(rng):
    from pycore.extend import forget_custom, register_activation

    class Swish:
        """y = x·σ(x), written in the Lab."""

        def forward(self, x):
            self.x, self.s = x, 1 / (1 + np.exp(-x))
            return x * self.s

        def backward(self, dout):
            return dout * (self.s + self.x * self.s * (1 - self.s))

    register_activation("swish_test", Swish)
    try:
        net = Network(NetworkConfig(sizes=(784, 12, 3), activation="swish_test"), seed=1)
        x = sample_image(rng)
        view = watch_step(net, make_optimizer("sgd", 0.1), x[None, :], np.eye(3)[:1])
        layer = view["layers"][0]
        assert layer["formulas"]["activation"] == "y = x·σ(x), written in the Lab."
        z = x @ net.params["W1"] + net.params["b1"]
        assert_close(layer["post"], z / (1 + np.exp(-z)), 1e-12, "swish")
        assert view["loss"]["after"] < view["loss"]["before"]
    finally:
        forget_custom()


def test_a_lab_subclass_shows_its_own_docstring_not_its_parents_formula(rng):
    from pycore.onestep import formulas
    from pycore.optimizers import SGD

    class WeightDecay(SGD):
        """W −= lr·(dW + 0.01·W)"""

    assert formulas(WeightDecay(0.1)) == {"forward": "W −= lr·(dW + 0.01·W)"}
    assert formulas(SGD(0.1)) == FORMULAS[SGD]


def test_an_optimizer_that_replaces_the_weights_is_refused_in_the_step(rng):
    from pycore.errors import ExtensionError

    class Rebinding:
        lr = 0.1

        def update(self, params, grads):
            params["W1"] = params["W1"] - 0.1 * np.asarray(grads["W1"])

    net = Network(NetworkConfig(sizes=(784, 20, 3)), seed=0)
    with pytest.raises(ExtensionError, match=r"replaced params\['W1'\]"):
        watch_step(net, Rebinding(), sample_image(rng)[None, :], np.eye(3)[:1])


def test_the_step_ignores_the_form_fields_it_does_not_use(session):
    """The shape, batch size and slope of the form are the next run's; the step uses the current model."""
    settings = {**SEED, "hidden": [5000], "batch_size": 1000, "alpha": 0.995, "lr": 0.02}
    view = session.one_step(settings, index=0)
    assert view["optimizer"]["settings"]["lr"] == 0.02


def test_a_model_whose_lab_activation_is_gone_gets_a_clear_message(session):
    from pycore import extend, lab

    lab.run(lab.EXAMPLE)  # registers swish
    try:
        net = Network(NetworkConfig(sizes=(784, 12, 3), activation="swish"), seed=0)
        session.load_model(model_io.to_bytes(net), "trained")
        extend.forget_custom()
        with pytest.raises(ConfigError, match="not registered now"):
            session.one_step(SEED, index=0)
    finally:
        extend.forget_custom()
