"""The worker's API, used as the worker uses it (plain values in, plain values out)."""

import gzip

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pycore import mnist, model_io
from pycore.app import Session, describe
from pycore.errors import ConfigError, ModelFileError
from pycore.network import Network, NetworkConfig


@pytest.fixture
def session(mnist_dir):
    s = Session()
    s.load_model(model_io.to_bytes(Network(NetworkConfig(sizes=(784, 30, 10, 3)), seed=0)), "pretrained")
    for part in ("train", "test"):
        split = mnist.load_split(mnist_dir, part).select((0, 1, 2), limit=400)
        s.set_data(part, gzip.compress(mnist.to_idx(split.images)), mnist.to_idx(split.labels))
    return s


def test_predict_rgba_and_nothing_drawn(session):
    img = Image.new("RGBA", (100, 100), (0, 0, 0, 255))
    assert session.predict_rgba(img.tobytes(), 100, 100) == {"empty": True}
    ImageDraw.Draw(img).line([(50, 10), (50, 90)], fill=(255, 255, 255, 255), width=8)
    result = session.predict_rgba(img.tobytes(), 100, 100)
    assert result["digit"] in (0, 1, 2) and len(result["scores"]) == 3
    assert len(result["image"]) == 784
    assert [len(a) for a in result["activations"]] == [30 * 4, 10 * 4]  # float32 per hidden unit


def test_train_evaluate_and_switch_models(session):
    started = session.start_training({"samples": 300, "seed": 1})
    assert started == {"total": 300, "samples": 300, "fast": True}
    progress = session.train_chunk(120)
    assert progress["step"] == 120 and len(progress["losses"]) == 120
    tiles = session.weight_tiles("training", count=16)
    assert tiles["count"] == 16 and len(tiles["pixels"]) == 16 * 784
    while session.train_chunk(120)["state"] == "running":
        pass
    result = session.finish_training()
    assert result["total"] == 400 and len(result["gallery"]) == 20
    assert result["mistake_count"] == result["total"] - result["correct"]
    assert all(m["label"] != m["predicted"] for m in result["mistakes"])
    assert result["model"]["slot"] == "trained"
    assert session.use_model("pretrained")["slot"] == "pretrained"


@pytest.mark.parametrize("claimed", [1e308, -3, float("nan"), "99 %", True, None])
def test_a_test_accuracy_a_file_claims_is_shown_only_if_it_is_a_fraction(session, claimed):
    """A model file's notes may say anything: an accuracy that is no fraction from 0 to 1 is not
    passed to the page (which showed "∞ %"); a real one is, with the other notes."""
    net = Network(NetworkConfig(sizes=(784, 8, 3)), seed=0)
    for accuracy, shown in ((claimed, False), (0.9774, True)):
        session.load_model(model_io.to_bytes(net, {"test_accuracy": accuracy, "steps": 5}), "trained")
        notes = session.model_info()["notes"]
        assert notes["steps"] == 5 and ("test_accuracy" in notes) == shown, notes


def test_bad_model_leaves_the_current_one(session):
    before = session.model_bytes()
    with pytest.raises(ModelFileError):
        session.load_model(b"PK\x03\x04 broken", "trained")
    assert session.current == "pretrained" and session.model_bytes() == before


def test_stop_keeps_a_usable_model(session):
    session.start_training({"samples": 400})
    session.train_chunk(50)
    assert session.stop_training()["state"] == "stopped"
    assert session.finish_training()["model"]["slot"] == "trained"
    assert np.isfinite(session.model.params["W1"]).all()


def test_a_diverged_run_keeps_the_previous_model(session):
    session.start_training({"samples": 400, "lr": 10.0})
    while session.train_chunk(100)["state"] == "running":
        pass
    assert session.trainer.state == "diverged"
    before = session.model_bytes()
    dropped = session.finish_training()["dropped"]
    assert "diverged at step" in dropped["text"]
    assert dropped["key"] == "trainer.diverged" and dropped["params"]["step"] >= 1
    assert session.current == "pretrained" and session.model_bytes() == before
    assert "trained" not in session.models


def test_no_digit_for_outputs_that_are_not_numbers(session):
    session.model.params["W3"][...] = np.nan
    result = session.predict_test_image(0)
    assert result["digit"] is None and not np.isfinite(result["scores"]).any()


def test_a_model_with_overflowing_outputs_is_refused(session):
    net = Network(NetworkConfig(sizes=(784, 30, 10, 3), dtype="float32"), seed=0)
    net.params["W1"][...] = 1e37  # finite weights, but every output overflows
    with pytest.raises(ModelFileError, match="not finite"):
        session.load_model(model_io.to_bytes(net), "trained")
    assert session.current == "pretrained"


def test_switching_mode_keeps_a_model_that_knows_the_digits(session):
    ten = Network(NetworkConfig(sizes=(784, 30, 10, 10), classes=tuple(range(10))), seed=0)
    session.add_model(model_io.to_bytes(ten), "pretrained-0-9")
    assert session.current == "pretrained"  # added, not made current
    assert session.switch_mode("pretrained-0-9")["slot"] == "pretrained-0-9"
    session.load_model(model_io.to_bytes(ten), "trained")
    assert session.switch_mode("pretrained-0-9")["slot"] == "trained"  # a 0–9 model stays in 0–9
    assert session.switch_mode("pretrained")["slot"] == "pretrained"  # but not in 0–2


def test_evaluation_says_which_test_images_were_used(session):
    ten = Network(NetworkConfig(sizes=(784, 30, 10, 10), classes=tuple(range(10))), seed=0)
    session.load_model(model_io.to_bytes(ten), "trained")
    result = session.evaluate()
    assert result["classes"] == list(range(10)) and result["tested_classes"] == [0, 1, 2]
    assert result["total"] == 400


@pytest.mark.parametrize("seed", [-1, 2**32, 1e20, 1.5, "0", True])
def test_absurd_seeds_are_refused_with_a_message(session, seed):
    with pytest.raises(ConfigError, match="random seed"):
        session.start_training({"samples": 10, "seed": seed})


def test_describe_counts_what_the_form_gives():
    assert describe({"recipe": "seed"}) == {"sizes": [784, 500, 100, 3], "parameters": 442903, "multiply_adds": 442300}
    assert describe({"recipe": "seed", "hidden": []})["sizes"] == [784, 3]
    assert describe({"recipe": "ten-digit-page", "hidden": [256, 128, 64]})["sizes"] == [784, 256, 128, 64, 10]


@pytest.mark.parametrize(
    "settings",
    [{"hidden": [10] * 5}, {"hidden": [0]}, {"hidden": [4096]}, {"alpha": 1.5}, {"activation": "swish"}],
)
def test_the_page_offers_only_shapes_within_its_limits(settings):
    with pytest.raises(ConfigError):
        describe({"recipe": "seed", **settings})


@pytest.mark.parametrize("activation", ["leaky_relu", "relu", "sigmoid", "tanh"])
def test_a_model_file_records_its_shape(session, activation):
    session.start_training({"recipe": "seed", "samples": 20, "hidden": [12, 7], "activation": activation, "alpha": 0.2})
    while session.train_chunk(50)["state"] == "running":
        pass
    session.finish_training()
    info = Session().load_model(session.model_bytes(), "trained")
    assert info["sizes"] == [784, 12, 7, 3] and info["activation"] == activation and info["alpha"] == 0.2


def test_long_checks_send_heartbeats(session):
    beats = []
    session.evaluate(heartbeat=lambda: beats.append(1))
    assert len(beats) == 1  # 400 test images: one batch of 1000
    from pycore.evaluation import evaluate

    split = session.test_split
    evaluate(session.model, split.images, split.labels, batch=100, heartbeat=lambda: beats.append(1))
    assert len(beats) == 1 + 4


def test_a_step_too_big_for_the_page_is_refused():
    with pytest.raises(ConfigError, match="multiply-adds"):
        describe({"recipe": "ten-digit-page", "hidden": [2048, 1024], "batch_size": 1000})
    assert describe({"recipe": "ten-digit-page", "hidden": [2048, 1024], "batch_size": 100})["parameters"] > 3e6


def test_the_page_knows_which_errors_are_meant_for_people():
    from pycore.app import page_config

    assert set(page_config()["user_errors"]) == {
        "PycoreError",
        "MnistFileError",
        "ModelFileError",
        "ConfigError",
        "ExtensionError",
        "LabError",
    }


def test_python_is_ready_without_pillow(tmp_path, monkeypatch):
    """The page's worker loads Pillow only after "ready" (web/worker.js): importing pycore.app, its
    page configuration and loading a model must not import it. Checked on fresh copies of pycore's
    modules, with importing PIL made to fail (monkeypatch puts the originals back in sys.modules)."""
    import importlib
    import sys

    net = Network(NetworkConfig(sizes=(784, 8, 3)), seed=0)
    model_io.save(net, tmp_path / "m.npz")
    for name in [n for n in sys.modules if n.split(".")[0] in ("pycore", "PIL")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "PIL", None)  # importing PIL now raises ImportError
    fresh = importlib.import_module("pycore.app")
    session = fresh.Session()
    fresh.page_config()
    session.load_model((tmp_path / "m.npz").read_bytes(), "pretrained")
    assert session.model_info()["slots"] == ["pretrained"]
