"""Shared fixtures and helpers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from pycore import messages

ROOT = Path(__file__).resolve().parent.parent


def numerical_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of scalar ``f()`` with respect to array ``x`` (changed and restored in
    place), by pycore's own gradient check (tests/unit/test_extend.py checks it against cos = sin')."""
    from pycore.gradcheck import numerical_gradient as central_differences

    return central_differences(lambda _x: f(), x, h)


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(|a|, |b|), the measure the gradient checks bound."""
    scale = max(np.abs(a).max(), np.abs(b).max(), 1e-12)
    return float(np.abs(a - b).max() / scale)


PROSE = re.compile(r"[A-Za-z]{2,}[,:;]? [A-Za-z]{2,}")


def prose_in(error: Exception) -> list[str]:
    """English prose among the parameters of a pycore error's message, however deeply nested: the
    page would show it untranslated (a Japanese visitor must meet only the catalog's words)."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for v in value.get("params", value).values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, str) and PROSE.search(value):
            found.append(value[:100])

    walk(messages.for_page(getattr(error, "params", {})))
    return found


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """``data`` with one to three seeded random damages: flipped bytes, insertions, deletions, truncations."""
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 4))):
        kind = int(rng.integers(4))
        at = int(rng.integers(len(out)))
        if kind == 0:
            out[at] = int(rng.integers(256))
        elif kind == 1:
            out[at:at] = bytes(rng.integers(0, 256, int(rng.integers(1, 9)), dtype=np.uint8))
        elif kind == 2:
            del out[at : at + int(rng.integers(1, 64))]
        else:
            del out[max(2, at) :]
    return bytes(out)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The MNIST folder from the set-up; fails (does not skip) when it is missing."""
    from pycore import mnist

    folder = mnist.default_dir()
    if not folder.is_absolute():
        folder = ROOT / folder
    if not (folder / "train-images-idx3-ubyte").is_file():
        pytest.fail(f"MNIST is missing at {folder}: {mnist.FETCH_HINT}")
    return folder


@pytest.fixture(scope="session")
def site() -> Path:
    """The built site; fails (does not skip) when it has not been built."""
    folder = ROOT / "_site"
    if not (folder / "index.html").is_file() or not (folder / "build-info.json").is_file():
        pytest.fail(f"{folder} is not built: run `make build` first (`make test` does it for you)")
    return folder
