"""Hostile and awkward image files for ``preprocess.from_png`` (the CLI's ``predict``): each
gives a 28×28 image, ``None`` (nothing drawn) or a PycoreError, never anything else, and a huge
image costs no more memory than a small one."""

from __future__ import annotations

import io
import time
import tracemalloc

import numpy as np
import pytest
from PIL import Image

from pycore import preprocess
from pycore.errors import PycoreError
from tests.conftest import mutate, prose_in

HANG_GUARD = 1.0  # seconds: decoding a small image takes milliseconds; this only catches a hang


def encoded(image: Image.Image, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt)
    return buf.getvalue()


def a_seven(side: int) -> np.ndarray:
    """A dark 7 on white, ``side`` pixels square, strokes an eighth of the side wide."""
    img = np.full((side, side), 255, np.uint8)
    w = max(1, side // 8)
    img[side // 6 : side // 6 + w, side // 4 : 3 * side // 4] = 0
    for row in range(side // 6, 5 * side // 6):
        col = 3 * side // 4 - (row - side // 6) // 3
        img[row, max(0, col - w) : col] = 0
    return img


@pytest.mark.parametrize("mode", ["L", "P", "RGBA"])
def test_a_huge_drawing_reads_like_a_small_one_in_bounded_memory(mode):
    small = preprocess.from_png(encoded(Image.fromarray(a_seven(200)).convert(mode)))
    big_image = Image.fromarray(a_seven(200)).resize((4000, 4000), Image.Resampling.NEAREST).convert(mode)
    data = encoded(big_image)
    del big_image
    tracemalloc.start()
    try:
        big = preprocess.from_png(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert np.abs(big - small).max() < 0.02
    assert peak < 100e6, f"{peak / 1e6:.0f} MB for a 4000×4000 image"  # it was over 400 MB before shrinking


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, 1e30])
def test_a_float_image_with_non_numbers_gives_numbers_or_nothing(value):
    pixels = np.zeros((32, 32), np.float32)
    pixels[8:24, 14:18] = value
    pixels[4, 4] = 1.0
    result = preprocess.from_png(encoded(Image.fromarray(pixels, "F"), "TIFF"))
    assert result is None or (result.shape == (28, 28) and np.isfinite(result).all())


def image_files() -> list[tuple[str, bytes]]:
    """Small image files in every format this Pillow writes (Pyodide's may lack an encoder)."""
    seven = Image.fromarray(a_seven(48))
    files = []
    for fmt, mode in [("PNG", "L"), ("PNG", "RGBA"), ("GIF", "P"), ("BMP", "RGB"), ("TIFF", "L"), ("JPEG", "L"),
                      ("WEBP", "RGB"), ("ICO", "RGBA"), ("PPM", "RGB")]:  # fmt: skip
        try:
            files.append((fmt, encoded(seven.convert(mode), fmt)))
        except (OSError, KeyError):  # no encoder for it here
            continue
    assert {"PNG", "GIF", "BMP"} <= {fmt for fmt, _ in files}
    return files


def test_fuzzed_image_files_give_a_digit_nothing_or_a_clear_error():
    """300 seeded random mutations (flips, insertions, deletions, truncations) of small image
    files in nine formats: Pillow fails in many ways (OSError, EOFError, SyntaxError, ValueError,
    warnings about EXIF data), and each becomes a one-line PycoreError."""
    files = image_files()
    rng = np.random.default_rng(0)
    outcomes = {"read": 0, "refused": 0}
    for i in range(300):
        fmt, data = files[i % len(files)]
        out = mutate(data, rng)
        started = time.perf_counter()
        try:
            result = preprocess.from_png(bytes(out))
            assert result is None or (result.shape == (28, 28) and np.isfinite(result).all()), (i, fmt)
            outcomes["read"] += 1
        except PycoreError as exc:
            assert "\n" not in str(exc) and "<_io." not in str(exc) and len(str(exc)) < 300, (i, fmt, str(exc))
            assert prose_in(exc) == [], (i, fmt, str(exc))  # Pillow's English never reaches the page
            outcomes["refused"] += 1
        elapsed = time.perf_counter() - started
        assert elapsed < HANG_GUARD, f"mutation {i} ({fmt}) took {elapsed:.2f} s"
    assert outcomes["read"] > 30 and outcomes["refused"] > 30, outcomes  # both paths were exercised
