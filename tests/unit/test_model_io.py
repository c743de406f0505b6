import io
import json
import zipfile

import numpy as np
import pytest

from pycore import model_io
from pycore.errors import ModelFileError
from pycore.network import Network, NetworkConfig


@pytest.fixture
def net():
    return Network(NetworkConfig(sizes=(784, 8, 3)), seed=0)


def npz_bytes(meta, **arrays):
    buf = io.BytesIO()
    np.savez(buf, meta=np.array(json.dumps(meta)), **arrays)
    return buf.getvalue()


def good_parts(net):
    meta = {"format": model_io.FORMAT, "version": 1, "config": net.config.to_dict(), "notes": {}}
    return meta, {k: v.copy() for k, v in net.params.items()}


def test_round_trip(net, tmp_path, rng):
    path = tmp_path / "m.npz"
    model_io.save(net, path, notes={"test_accuracy": 0.9})
    loaded, notes = model_io.load(path)
    assert notes == {"test_accuracy": 0.9}
    assert loaded.config == net.config
    x = rng.random((5, 784))
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))
    assert loaded.layers[0].W is loaded.params["W1"]


def test_bytes_round_trip_float32():
    net = Network(NetworkConfig(sizes=(784, 4, 10), dtype="float32", classes=tuple(range(10))), seed=1)
    loaded, _ = model_io.load(model_io.to_bytes(net))
    assert loaded.params["W1"].dtype == np.float32
    assert loaded.config.classes == tuple(range(10))


def broken_files(net):
    meta, arrays = good_parts(net)
    good = npz_bytes(meta, **arrays)
    nan = dict(arrays, W2=arrays["W2"].copy())
    nan["W2"][0, 0] = np.nan
    yield "not a zip", b"hello, I am a text file", "not a model file"
    yield "truncated", good[: len(good) // 2], "damaged or truncated"
    yield "corrupt", good[:100] + bytes(50) + good[150:], "damaged|truncated|meta"
    yield "wrong shape", npz_bytes(meta, **dict(arrays, W1=np.zeros((784, 9)))), r"W1 has shape \(784, 9\)"
    yield "NaN", npz_bytes(meta, **nan), "W2 contains NaN"
    yield "missing array", npz_bytes(meta, **{k: v for k, v in arrays.items() if k != "b2"}), "missing arrays b2"
    yield "extra array", npz_bytes(meta, **arrays, W9=np.zeros(2)), "unexpected arrays W9"
    yield "wrong dtype", npz_bytes(meta, **dict(arrays, b1=arrays["b1"].astype(np.float32))), "b1 is float32"
    yield "no meta", _no_meta(arrays), "no 'meta'"
    yield "future version", npz_bytes(dict(meta, version=99), **arrays), "version 99 is not supported"
    yield "other format", npz_bytes(dict(meta, format="keras"), **arrays), "not a Digits from Scratch model"
    yield "bad config", npz_bytes(dict(meta, config={"sizes": "abc"}), **arrays), "bad network configuration"
    yield "pickle", _pickled(), "damaged|meta"


def _no_meta(arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _pickled():
    buf = io.BytesIO()
    np.savez(buf, meta=np.array([{"evil": 1}], dtype=object))
    return buf.getvalue()


@pytest.mark.parametrize(
    "case", list(broken_files(Network(NetworkConfig(sizes=(784, 5, 3)), seed=1))), ids=lambda c: c[0]
)
def test_broken_files_are_rejected_with_clear_messages(case):
    _, data, message = case
    with pytest.raises(ModelFileError, match=message):
        model_io.load(data)


def test_too_big_is_rejected_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(model_io, "MAX_BYTES", 10)
    path = tmp_path / "big.npz"
    path.write_bytes(b"PK" + bytes(100))
    with pytest.raises(ModelFileError, match="too large for a model file"):
        model_io.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        model_io.load(tmp_path / "nope.npz")


def test_npz_is_a_zip_with_meta(net):
    with zipfile.ZipFile(io.BytesIO(model_io.to_bytes(net))) as z:
        assert "meta.npy" in z.namelist()


def test_save_writes_exactly_the_path_given(net, tmp_path):
    path = tmp_path / "model"  # np.savez would have written model.npz
    model_io.save(net, path)
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    assert model_io.load(path)[0].config == net.config


def test_a_failed_save_keeps_the_old_file(net, tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    model_io.save(net, path, notes={"which": "old"})

    def disk_full(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(model_io.os, "replace", disk_full)
    with pytest.raises(OSError, match="No space"):
        model_io.save(net, path, notes={"which": "new"})
    assert model_io.load(path)[1] == {"which": "old"}
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no partial file left behind


def test_save_refuses_a_folder_or_a_device(net, tmp_path):
    with pytest.raises(IsADirectoryError):
        model_io.save(net, tmp_path)
    assert tmp_path.is_dir()


def test_output_problem_names_non_finite_and_absurd_outputs(net):
    assert model_io.output_problem(net) == ""
    net.params["W1"][...] = 1e300
    net.params["W2"][...] = 1e300
    assert "not finite" in model_io.output_problem(net)
    net.params["W2"][...] = 1e5
    net.params["W1"][...] = 1.0
    assert "absurdly large" in model_io.output_problem(net)


def test_probe_images_are_fixed_blank_full_and_spread():
    probe = model_io.probe_images(784)
    assert probe.shape == (model_io.PROBE_IMAGES, 784)
    assert (probe[0] == 0).all() and (probe[1] == 1).all()
    assert probe[2:].min() >= 0 and probe[2:].max() < 1 and probe[2:].std() > 0.25  # spread over [0, 1)
    np.testing.assert_array_equal(probe, model_io.probe_images(784))


def test_loading_a_model_draws_no_random_numbers(monkeypatch, tmp_path):
    """A loaded model's weights are the file's: nothing is drawn (NumPy's random module is not even
    needed, so the page is ready sooner)."""
    net = Network(NetworkConfig(sizes=(784, 8, 3)), seed=3)
    path = tmp_path / "m.npz"
    model_io.save(net, path)

    def no_random(*args, **kwargs):
        raise AssertionError("a random generator was made")

    monkeypatch.setattr(np.random, "default_rng", no_random)
    loaded, _ = model_io.load(path)
    for key, p in net.params.items():
        np.testing.assert_array_equal(loaded.params[key], p)
