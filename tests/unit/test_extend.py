"""The extension API (pycore.extend), the Lab (pycore.lab), gradient checks and the Code panel's source."""

from __future__ import annotations

import inspect
import traceback

import numpy as np
import pytest

import pycore
from pycore import app, extend, gradcheck, lab, layers, losses, mnist, model_io, optimizers, recipes, source
from pycore.errors import ConfigError, ExtensionError, ModelFileError
from pycore.network import Network, NetworkConfig


class Swish:
    def forward(self, x):
        self.s = 1.0 / (1.0 + np.exp(-x))
        self.y = x * self.s
        return self.y

    def backward(self, dout):
        return dout * (self.s + self.y * (1.0 - self.s))


class WrongSwish(Swish):
    def backward(self, dout):
        return dout * self.s  # forgets the x·s·(1 − s) term


class Hinge:
    """A squared hinge loss with its gradient, averaged over the batch."""

    def forward(self, y, t):
        self.margin = np.maximum(0.0, 1.0 - (2 * t - 1) * y)
        self.sign = 2 * t - 1
        return float(np.sum(self.margin**2) / len(y))

    def backward(self):
        return -2 * self.margin * self.sign / len(self.margin)


class SignSGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key, p in params.items():
            p -= self.lr * np.sign(np.asarray(grads[key]))


@pytest.fixture
def mnist_small() -> mnist.Split:
    """400 synthetic digits 0, 1, 2 (mostly zero pixels, a bright block per class), shaped like MNIST."""
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 3, 400).astype(np.uint8)
    images = np.where(rng.random((400, 28, 28)) < 0.8, 0, 230).astype(np.uint8)
    for c in range(3):
        images[labels == c, c * 8 : c * 8 + 6, 4:24] = 255
    return mnist.Split(images, labels)


@pytest.fixture(autouse=True)
def clean_registry():
    extend.forget_custom()
    yield
    extend.forget_custom()


def test_registered_components_are_chosen_like_built_in_ones():
    pycore.register_activation("swish", Swish, label="Swish")
    pycore.register_loss("hinge", Hinge)
    pycore.register_optimizer("signsgd", SignSGD, "Sign SGD")
    assert extend.custom() == {"activation": ["swish"], "loss": ["hinge"], "optimizer": ["signsgd"]}
    menus = app.choices()
    assert menus["activation"][-1] == ["swish", "Swish", "lab"]  # never mistaken for a built-in
    assert menus["loss"][-1] == ["hinge", "hinge", "lab"]
    assert menus["optimizer"][-1] == ["signsgd", "Sign SGD", "lab"]
    net = Network(NetworkConfig(sizes=(784, 20, 3), activation="swish", loss="hinge"), seed=0)
    assert isinstance(net.layers[1], Swish) and isinstance(net.loss, Hinge)
    assert net.outputs == "scores"  # the default for a loss that does not say


def test_training_with_lab_components_uses_them_and_the_dense_update(mnist_small):
    pycore.register_activation("swish", Swish)
    pycore.register_optimizer("signsgd", SignSGD)
    recipe = recipes.get("seed").with_overrides(
        {"activation": "swish", "optimizer": "signsgd", "lr": 0.001, "samples": 300, "hidden": [32]}
    )
    trainer = recipes.make_trainer(recipe, mnist_small)
    assert isinstance(trainer.optimizer, SignSGD) and not trainer.fast  # a RowGrad is for SGD and Momentum only
    before = trainer.net.params["W1"].copy()
    trainer.run_chunk(300)
    assert trainer.state == "done"
    assert np.isfinite(trainer.losses).all()
    assert np.abs(trainer.net.params["W1"] - before).max() > 0


def test_a_subclass_of_sgd_gets_dense_gradients(mnist_small):
    seen = []

    class LoudSGD(optimizers.SGD):
        def update(self, params, grads):
            seen.append(type(grads["W1"]))
            super().update(params, grads)

    pycore.register_optimizer("loud", LoudSGD)
    seen.clear()  # registering tried one update
    trainer = recipes.make_trainer(recipes.get("seed").with_overrides({"optimizer": "loud", "samples": 5}), mnist_small)
    trainer.run_chunk(5)
    assert seen == [np.ndarray] * 5


@pytest.mark.parametrize(
    ("kind", "name", "cls", "message"),
    [
        ("activation", "ReLU", Swish, "lower-case letters"),
        ("activation", "relu", Swish, "built-in activation"),
        ("activation", "x" * 30, Swish, "1 to 24"),
        ("activation", "swish", Swish(), "takes a class"),
        ("activation", "swish", SignSGD, r"lacks the method\(s\) forward, backward: activation classes"),
        (
            "loss",
            "hinge",
            type("ArrayLoss", (), {"forward": lambda self, y, t: y, "backward": lambda self: 0}),
            "ArrayLoss.forward\\(y, t\\) returned ndarray",
        ),
        ("optimizer", "sgd2", Swish, r"lacks the method\(s\) update"),
    ],
)
def test_registration_refuses_what_cannot_work(kind, name, cls, message):
    register = getattr(extend, f"register_{kind}")
    with pytest.raises(ExtensionError, match=message):
        register(name, cls)
    assert extend.custom()[kind] == []


def test_registration_tries_the_shapes():
    class Flat:
        def forward(self, x):
            return x.sum(axis=1)

        def backward(self, dout):
            return dout

    with pytest.raises(ExtensionError, match=r"Flat.forward\(x\) returned shape \(2,\)"):
        extend.register_activation("flat", Flat)

    class Frozen:
        def __init__(self, lr):
            self.lr = lr

        def update(self, params, grads):
            pass

    with pytest.raises(ExtensionError, match="in place"):
        extend.register_optimizer("frozen", Frozen)


def test_forget_custom_leaves_the_built_in_components():
    pycore.register_activation("swish", Swish)
    extend.forget_custom()
    assert (
        tuple(layers.ACTIVATIONS) == tuple(extend.BUILT_IN["activation"]) == ("leaky_relu", "relu", "sigmoid", "tanh")
    )
    assert tuple(losses.LOSSES) == ("mse", "softmax_ce")
    with pytest.raises(ConfigError, match="registered first"):
        NetworkConfig(activation="swish")


@pytest.mark.parametrize("name", ["leaky_relu", "relu", "sigmoid", "tanh"])
def test_every_built_in_activation_passes_the_gradient_check(name):
    result = gradcheck.check("activation", name)
    assert result.passed and result.max_relative_error < 1e-6, result


@pytest.mark.parametrize("name", ["mse", "softmax_ce"])
def test_every_built_in_loss_passes_the_gradient_check(name):
    result = gradcheck.check("loss", name)
    assert result.passed and result.max_relative_error < 1e-6, result


def test_the_gradient_check_catches_a_wrong_backward_and_says_where():
    assert gradcheck.check_activation(Swish).passed
    wrong = gradcheck.check_activation(WrongSwish)
    assert not wrong.passed and wrong.max_relative_error > 0.01
    assert wrong.analytic != pytest.approx(wrong.numeric)
    assert f"at element {wrong.index}" in wrong.explanation and "is not the derivative" in wrong.explanation
    assert gradcheck.check_loss(Hinge).passed


def test_the_numerical_gradient_is_the_derivative():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    grad = gradcheck.numerical_gradient(lambda z: float(np.sum(np.sin(z))), x)
    np.testing.assert_allclose(grad, np.cos(x), rtol=1e-8)
    assert x[0, 0] == 0.3  # restored


def test_the_gradient_check_reports_values_that_are_not_numbers():
    class Bad(Swish):
        def backward(self, dout):
            return dout * np.nan

    result = gradcheck.check_activation(Bad)
    assert not result.passed and "not a number" in result.explanation


def test_lab_runs_code_registers_and_reports_errors_in_its_own_line_numbers():
    result = lab.run(lab.EXAMPLE)
    assert result["registered"]["activation"] == ["swish"]
    assert "registered" in result["output"]
    assert gradcheck.check("activation", "swish").passed
    with pytest.raises(lab.LabError) as caught:
        lab.run("import numpy as np\n\n\nnp.zeros(2)[5]\n")
    assert 'File "<lab>", line 4' in str(caught.value) and "IndexError" in str(caught.value)
    assert extend.custom()["activation"] == ["swish"]  # a failed run keeps the last good run's components
    with pytest.raises(lab.LabError, match=r'File "<lab>", line 2'):
        lab.run("x = 1\ny = (\n")
    with pytest.raises(lab.LabError, match="at most"):
        lab.run("#" * (lab.MAX_CODE + 1))


@pytest.mark.parametrize("breaking", ["np.zeros = None", "pycore.network.Network.predict = None"])
def test_lab_code_that_leaves_pycore_broken_is_refused_whole(breaking, monkeypatch):
    """Code that registers a component but replaces NumPy's or pycore's own functions: the run is
    refused (the page then restarts Python without it), and what it registered is not kept."""
    monkeypatch.setattr(np, "zeros", np.zeros)  # (put back after the test, whatever the code does)
    monkeypatch.setattr(Network, "predict", Network.predict)
    lab.run(lab.EXAMPLE)
    code = lab.EXAMPLE.replace("swish", "swish2") + f"import pycore.network\n{breaking}\n"
    with pytest.raises(lab.LabError) as refused:
        lab.run(code)
    assert refused.value.key == "lab.broke_pycore"
    assert "TypeError" in str(refused.value) and "NoneType" in str(refused.value)
    assert extend.custom()["activation"] == ["swish"]  # the last good run's, as before


def test_a_lab_error_during_training_is_explained_from_its_traceback_text(mnist_small):
    lab.run("import pycore\nclass Boom:\n    def forward(self, x):\n        if x.shape[1] == 7:\n"
            "            raise ValueError('seven')\n        return x\n    def backward(self, d):\n        return d\n"
            "pycore.register_activation('boom', Boom)\n")  # fmt: skip
    trainer = recipes.make_trainer(
        recipes.get("seed").with_overrides({"activation": "boom", "hidden": [7], "samples": 3}), mnist_small
    )
    with pytest.raises(ValueError) as caught:
        trainer.run_chunk(3)
    text = "".join(traceback.format_exception(caught.value))
    said = lab.explain_traceback(text)
    assert said["key"] == "lab.traceback" and said["params"]["trace"].startswith('  File "<lab>", line 5')
    explained = said["text"]
    assert explained.startswith("Traceback (your code's lines):\n")
    assert 'File "<lab>", line 5, in forward' in explained and "ValueError: seven" in explained
    assert lab.explain_traceback("Traceback ...\nValueError: elsewhere") is None


def test_a_model_with_a_lab_component_round_trips_and_needs_it_registered():
    pycore.register_activation("swish", Swish)
    net = Network(NetworkConfig(sizes=(784, 16, 8, 3), activation="swish"), seed=1)
    data = model_io.to_bytes(net)
    loaded, _ = model_io.load(data)
    assert loaded.config.sizes == (784, 16, 8, 3) and loaded.config.activation == "swish"
    x = np.random.default_rng(0).random((2, 784))
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))
    extend.forget_custom()
    with pytest.raises(ModelFileError, match="swish"):
        model_io.load(data)


def test_the_code_panel_shows_the_installed_source():
    sections = source.sections()
    assert {"kind": "activation", "name": "tanh", "title": "Tanh", "group": "Activations"} in sections
    assert [s["name"] for s in sections if s["kind"] == "step"] == list(source.STEP)
    for section in sections:
        shown = source.code(section["kind"], section["name"])
        assert shown["file"].startswith("pycore/") and shown["code"].strip()
    tanh = source.code("activation", "tanh")
    lines, first = inspect.getsourcelines(layers.Tanh)
    assert tanh["first_line"] == first and tanh["code"] == "".join(lines)
    assert "dout * (1.0 - self.out**2)" in tanh["code"]
    step = source.code("step", "step")
    assert "self.optimizer.update" in step["code"] and step["file"] == "pycore/trainer.py"
    pycore.register_activation("swish", Swish)
    assert all(s["name"] != "swish" for s in source.sections())
    with pytest.raises(ConfigError, match="written in the Lab"):
        source.code("activation", "swish")
    with pytest.raises(ConfigError):
        source.code("step", "nope")
    with pytest.raises(ConfigError):
        source.code("os", "system")


def test_the_session_runs_the_lab_and_checks_gradients():
    session = app.Session()
    result = session.run_lab(lab.EXAMPLE)
    assert ["swish", "Swish", "lab"] in result["choices"]["activation"]
    assert session.check_gradients("activation", "swish")["passed"]
    with pytest.raises(ExtensionError):
        session.check_gradients("optimizer", "sgd")
    with pytest.raises(ExtensionError, match="run the code"):
        session.check_gradients("activation", "nope")
    config = app.page_config()
    assert config["lab"]["example"] == lab.EXAMPLE and config["code_sections"] == source.sections()


def test_forget_custom_also_undoes_changes_to_the_built_in_components():
    del layers.ACTIVATIONS["relu"]
    layers.ACTIVATIONS["tanh"] = layers.ReLU
    extend.forget_custom()
    want = {"leaky_relu": layers.LeakyReLU, "relu": layers.ReLU, "sigmoid": layers.Sigmoid, "tanh": layers.Tanh}
    assert want == layers.ACTIVATIONS


def test_a_failed_run_keeps_what_the_last_good_run_registered():
    lab.run(lab.EXAMPLE)
    for bad in ("import pycore\npycore.register_activation('other', 1)\n", "x = (", "import sys\nsys.exit(3)\n"):
        with pytest.raises(lab.LabError):
            lab.run(bad)
        assert extend.custom()["activation"] == ["swish"], bad
        assert ["swish", "Swish", "lab"] in app.choices()["activation"]
    partial = "import pycore\nfrom pycore.layers import Tanh\npycore.register_activation('half', Tanh)\n1 / 0\n"
    with pytest.raises(lab.LabError, match="ZeroDivisionError"):
        lab.run(partial)
    assert extend.custom()["activation"] == ["swish"]  # not 'half'


def test_labels_belong_to_a_kind_and_a_name():
    class Ident:
        def forward(self, x):
            return x.copy()

        def backward(self, dout):
            return dout.copy()

    pycore.register_activation("momentum", Ident)  # the name of a built-in optimizer, not of an activation
    pycore.register_activation("ident", Ident, "Identity")
    menus = app.choices()
    assert ["momentum", "momentum", "lab"] in menus["activation"] and ["momentum", "Momentum"] in menus["optimizer"]
    assert ["ident", "Identity", "lab"] in menus["activation"]


def test_registration_refuses_an_activation_that_changes_its_input_or_dtype():
    class InPlace:
        def forward(self, x):
            x *= 2
            return x

        def backward(self, dout):
            return dout * 2

    with pytest.raises(ExtensionError, match="changed x in place"):
        extend.register_activation("inplace", InPlace)

    class Widening:
        def forward(self, x):
            return x.astype(np.float64)

        def backward(self, dout):
            return dout

    with pytest.raises(ExtensionError, match="returned float64 for a float32 x"):
        extend.register_activation("widening", Widening)


def test_an_optimizer_that_replaces_the_weights_is_caught(mnist_small):
    class Rebinding:
        def __init__(self, lr):
            self.lr = lr

        def update(self, params, grads):
            for key in params:
                params[key] = params[key] - self.lr * np.asarray(grads[key])

    with pytest.raises(ExtensionError, match="replaced params"):
        extend.register_optimizer("rebinding", Rebinding)

    class LateRebinding(SignSGD):
        calls = 0

        def update(self, params, grads):
            LateRebinding.calls += 1
            if LateRebinding.calls > 3:  # past the registration's two trial updates
                params["b2"] = params["b2"] + 0.0
            super().update(params, grads)

    pycore.register_optimizer("late", LateRebinding)
    recipe = recipes.get("seed").with_overrides({"optimizer": "late", "samples": 10})
    trainer = recipes.make_trainer(recipe, mnist_small)
    with pytest.raises(ExtensionError, match=r"replaced params\['b2'\]"):
        trainer.run_chunk(5)
    assert trainer.net.params["b2"] is trainer.net.affines[1].b  # the network is whole again


def test_lab_output_is_capped_and_kept_with_an_error():
    result = lab.run("for i in range(100_000):\n    print('line', i)\n")
    assert len(result["output"]) < lab.MAX_OUTPUT + 100 and "more characters not shown" in result["output"]
    assert result["output_key"] == "lab.output_cut" and result["output_params"]["dropped"] > 1_000_000
    # (NumPy's overflow warnings do not exist in Pyodide: WebAssembly has no floating-point flags)
    result = lab.run("import sys, warnings\nprint('to stderr', file=sys.stderr)\nwarnings.warn('careful')\n")
    assert "to stderr" in result["output"] and "<lab>:3: UserWarning: careful" in result["output"]
    with pytest.raises(lab.LabError) as caught:
        lab.run("print('before the error')\nraise ValueError('after')\n")
    assert str(caught.value).startswith("before the error\nTraceback (your code's lines):")
    assert caught.value.key == "lab.failed_after_output" and caught.value.params["output"] == "before the error"
    assert caught.value.params["error"].key == "lab.traceback"
    # pycore refusing a component: the visitor's lines, then pycore's message (translated by the page)
    with pytest.raises(lab.LabError) as caught:
        lab.run("import pycore\nclass Half:\n    pass\npycore.register_activation('half', Half)\n")
    said = caught.value.params["error"]
    assert said.key == "lab.traceback_message" and said.params["error"].key == "extend.missing_method"
    assert said.params["trace"].endswith("pycore.register_activation('half', Half)")  # no pycore frames


def test_lab_code_that_breaks_the_built_in_registries_is_undone():
    code = "import pycore.layers as L\nL.ACTIVATIONS.clear()\nL.ACTIVATIONS['relu'] = int\n" + lab.EXAMPLE
    result = lab.run(code)
    assert [note["key"] for note in result["notes"]] == ["lab.built_ins_restored"]
    assert [choice[0] for choice in app.choices()["activation"]] == ["leaky_relu", "relu", "sigmoid", "tanh", "swish"]
    assert layers.ACTIVATIONS["relu"] is layers.ReLU
