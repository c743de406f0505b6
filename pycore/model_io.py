"""Saving and loading models as ``.npz`` files.

A model file holds the arrays ``W1, b1, W2, b2, …`` and one more, ``meta``: a JSON string
with the format version and the network's configuration (layer sizes, activation, loss,
classes, dtype) plus free-form notes (e.g. test accuracy). Loading checks everything before
anything is used, so a bad file never half-replaces a working model.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import ConfigError, ModelFileError
from .network import Network, NetworkConfig

FORMAT = "digits-from-scratch-model"
FORMAT_VERSION = 1
MAX_BYTES = 64 * 1024 * 1024  # refuse larger files: no model here needs that much
MAX_PARAMETERS = 5_000_000


def save(network: Network, target: str | Path | BinaryIO, notes: dict | None = None) -> None:
    """Write ``network`` to a path or binary file object."""
    meta = {"format": FORMAT, "version": FORMAT_VERSION, "config": network.config.to_dict(), "notes": notes or {}}
    arrays = {k: np.ascontiguousarray(v) for k, v in network.params.items()}
    np.savez(target, meta=np.array(json.dumps(meta)), **arrays)


def to_bytes(network: Network, notes: dict | None = None) -> bytes:
    """The bytes of a model file for ``network``."""
    buf = io.BytesIO()
    save(network, buf, notes)
    return buf.getvalue()


def load(source: str | Path | bytes) -> tuple[Network, dict]:
    """Read and validate a model file; returns a new network and the file's notes.

    Raises :class:`ModelFileError` with a reason a person can act on.
    """
    name = str(source) if isinstance(source, (str, Path)) else "the model file"
    if isinstance(source, (str, Path)):
        try:
            size = Path(source).stat().st_size
        except FileNotFoundError:
            raise ModelFileError(f"{name}: file not found") from None
        if size > MAX_BYTES:
            raise ModelFileError(f"{name}: {size} bytes is too big for a model (at most {MAX_BYTES})")
        data = Path(source).read_bytes()
    else:
        data = bytes(source)
    if len(data) > MAX_BYTES:
        raise ModelFileError(f"{name}: {len(data)} bytes is too big for a model (at most {MAX_BYTES})")
    if not data.startswith(b"PK"):
        raise ModelFileError(f"{name}: not a model file (a .npz file is a zip archive; this is not one)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise ModelFileError(f"{name}: damaged or truncated ({exc})") from None
    return _network_from_arrays(arrays, name)


def _network_from_arrays(arrays: dict[str, np.ndarray], name: str) -> tuple[Network, dict]:
    if "meta" not in arrays:
        raise ModelFileError(f"{name}: no 'meta' entry, so this is not a Digits from Scratch model")
    try:
        meta = json.loads(str(arrays.pop("meta")))
    except (json.JSONDecodeError, TypeError) as exc:
        raise ModelFileError(f"{name}: its 'meta' entry is not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{name}: not a Digits from Scratch model (format {meta.get('format')!r})")
    if meta.get("version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{name}: model format version {meta.get('version')!r} is not supported (this app reads {FORMAT_VERSION})"
        )
    raw = meta.get("config")
    if not isinstance(raw, dict):
        raise ModelFileError(f"{name}: the network configuration is missing")
    try:
        config = NetworkConfig(
            sizes=tuple(int(s) for s in raw["sizes"]),
            activation=str(raw["activation"]),
            alpha=float(raw.get("alpha", 0.1)),
            loss=str(raw["loss"]),
            weight_scale=float(raw.get("weight_scale", 0.01)),
            init=str(raw.get("init", "normal")),
            dtype=str(raw["dtype"]),
            classes=tuple(int(c) for c in raw["classes"]),
        )
    except (KeyError, TypeError, ValueError, ConfigError) as exc:
        raise ModelFileError(f"{name}: bad network configuration ({exc})") from None
    sizes = config.sizes
    count = sum(sizes[i] * sizes[i + 1] + sizes[i + 1] for i in range(len(sizes) - 1))
    if count > MAX_PARAMETERS:
        raise ModelFileError(f"{name}: {count} parameters is more than this app handles ({MAX_PARAMETERS})")
    if sizes[0] != 784:
        raise ModelFileError(f"{name}: the input layer has {sizes[0]} units; MNIST images need 784")
    expected = {}
    for i in range(1, len(sizes)):
        expected[f"W{i}"] = (sizes[i - 1], sizes[i])
        expected[f"b{i}"] = (sizes[i],)
    missing = sorted(set(expected) - set(arrays))
    extra = sorted(set(arrays) - set(expected))
    if missing:
        raise ModelFileError(f"{name}: missing arrays {', '.join(missing)}")
    if extra:
        raise ModelFileError(f"{name}: unexpected arrays {', '.join(extra)}")
    for key, shape in expected.items():
        a = arrays[key]
        if a.shape != shape:
            raise ModelFileError(f"{name}: {key} has shape {a.shape}, expected {shape}")
        if a.dtype != np.dtype(config.dtype):
            raise ModelFileError(f"{name}: {key} is {a.dtype}, but the file says {config.dtype}")
        if not np.isfinite(a).all():
            raise ModelFileError(f"{name}: {key} contains NaN or infinite values")
    network = Network(config, seed=None)
    network.copy_params_from(arrays)
    notes = meta.get("notes") if isinstance(meta.get("notes"), dict) else {}
    return network, notes
