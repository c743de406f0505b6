"""Saving and loading models as ``.npz`` files.

A model file holds the arrays ``W1, b1, W2, b2, …`` and one more, ``meta``: a JSON string
with the format version and the network's configuration (layer sizes, activation, loss,
classes, dtype) plus free-form notes (e.g. test accuracy). Loading checks everything before
anything is used, so a bad file never half-replaces a working model.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import ConfigError, ModelFileError
from .mnist import PIXELS
from .network import Network, NetworkConfig

FORMAT = "digits-from-scratch-model"
FORMAT_VERSION = 1
MAX_BYTES = 64 * 1024 * 1024  # refuse larger files: no model here needs that much
MAX_META_BYTES = 64 * 1024  # the meta entry (JSON text) is a few hundred bytes
MAX_LAYERS = 16  # Affine layers a model file may declare
MAX_DIRECTORY_BYTES = 64 * 1024  # the zip's central directory: a model's has 2·layers + 1 short entries
COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what np.savez writes; bz2/lzma inflate unbounded
MAX_META_DEPTH = 16  # nesting of the meta JSON (it needs 3)
MAX_NPY_HEADER = 4096  # an .npy header is about 128 bytes
PROBE_IMAGES = 4  # blank, full and random images that every model must answer with finite numbers
MAX_PROBE_OUTPUT = 1e6  # a working digit model's outputs are near 1 (scores) or at most about 50 (logits)


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

    Nothing is inflated before it is known to be exactly what the declared network needs: the
    zip's directory and the meta entry come first, then each array's .npy header, then at most
    the bytes that array needs. Raises :class:`ModelFileError` (and nothing else) with a reason
    a person can act on.
    """
    name = str(source) if isinstance(source, (str, Path)) else "the model file"
    data = _read_source(source, name)
    if not data.startswith(b"PK"):
        raise ModelFileError(f"{name}: not a model file (a .npz file is a zip archive; this is not one)")
    _check_directory(data, name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            network, notes = _read_archive(archive, name)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, KeyError) as exc:
        raise ModelFileError(f"{name}: damaged or truncated ({exc})") from None
    except Exception as exc:  # any other failure on hostile bytes means the same thing
        raise ModelFileError(f"{name}: not a model file ({type(exc).__name__})") from None
    problem = output_problem(network)
    if problem:
        raise ModelFileError(f"{name}: {problem}")
    return network, notes


def output_problem(network: Network) -> str:
    """Why ``network`` cannot be used ("" if it can): a few probe images must give finite,
    sensible outputs. A diverged run leaves finite weights whose outputs overflow."""
    probe = np.random.default_rng(0).random((PROBE_IMAGES, network.config.sizes[0]))
    probe[0] = 0.0
    probe[1] = 1.0
    with np.errstate(all="ignore"):
        outputs = network.predict(probe.astype(network.dtype))
    if not np.isfinite(outputs).all():
        return "its outputs are not finite numbers (the weights of a diverged run?), so it cannot be used"
    largest = float(np.abs(outputs).max())
    if largest > MAX_PROBE_OUTPUT:
        return f"its outputs are absurdly large ({largest:.3g}: the weights of a diverged run?), so it cannot be used"
    return ""


def _check_directory(data: bytes, name: str) -> None:
    """Refuse a zip whose directory is bigger than a model's could be, before zipfile reads it."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
    if end < 0 or len(data) < end + 22:
        raise ModelFileError(f"{name}: damaged or truncated (no zip directory at its end)")
    entries, size = struct.unpack_from("<HI", data, end + 10)
    if entries > 2 * MAX_LAYERS + 1 or size > MAX_DIRECTORY_BYTES:
        raise ModelFileError(f"{name}: not a model file (its zip lists {entries} entries in {size} bytes)")


def _read_source(source: str | Path | bytes, name: str) -> bytes:
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            if not path.exists():
                raise ModelFileError(f"{name}: file not found")
            if not path.is_file():
                raise ModelFileError(f"{name}: not a file")
            size = path.stat().st_size
            if size > MAX_BYTES:
                raise ModelFileError(f"{name}: {size} bytes is too big for a model (at most {MAX_BYTES})")
            return path.read_bytes()
        except OSError as exc:
            raise ModelFileError(f"{name}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    data = bytes(source)
    if len(data) > MAX_BYTES:
        raise ModelFileError(f"{name}: {len(data)} bytes is too big for a model (at most {MAX_BYTES})")
    return data


def _read_archive(archive: zipfile.ZipFile, name: str) -> tuple[Network, dict]:
    members = {info.filename: info for info in archive.infolist()}
    if "meta.npy" not in members:
        raise ModelFileError(f"{name}: no 'meta' entry, so this is not a Digits from Scratch model")
    meta_array = _read_npy(archive, members["meta.npy"], name, "meta", max_bytes=MAX_META_BYTES)
    if meta_array.dtype.kind != "U" or meta_array.shape != ():
        raise ModelFileError(f"{name}: its 'meta' entry is not a text, so this is not a Digits from Scratch model")
    meta = _parse_meta(str(meta_array), name)
    config = _config_from_meta(meta, name)
    sizes = config.sizes
    expected = {}
    for i in range(1, len(sizes)):
        expected[f"W{i}"] = (sizes[i - 1], sizes[i])
        expected[f"b{i}"] = (sizes[i],)
    arrays_in_file = {m[: -len(".npy")] if m.endswith(".npy") else m for m in members} - {"meta"}
    missing = sorted(set(expected) - arrays_in_file)
    extra = sorted(arrays_in_file - set(expected))
    if missing:
        raise ModelFileError(f"{name}: missing arrays {', '.join(missing)}")
    if extra:
        raise ModelFileError(f"{name}: unexpected arrays {', '.join(extra)}")
    if len(members) != len(expected) + 1:
        raise ModelFileError(f"{name}: entries repeated or misnamed ({len(members)} entries)")
    arrays = {}
    dtype = np.dtype(config.dtype)
    for key, shape in expected.items():
        info = members.get(f"{key}.npy")
        if info is None:
            raise ModelFileError(f"{name}: {key} is not stored as {key}.npy")
        a = _read_npy(archive, info, name, key, shape=shape, dtype=dtype)
        if not np.isfinite(a).all():
            raise ModelFileError(f"{name}: {key} contains NaN or infinite values")
        arrays[key] = a
    network = Network(config, seed=None)
    network.copy_params_from(arrays)
    notes = meta.get("notes") if isinstance(meta.get("notes"), dict) else {}
    return network, notes


def _read_npy(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    name: str,
    key: str,
    *,
    shape: tuple[int, ...] | None = None,
    dtype: np.dtype | None = None,
    max_bytes: int | None = None,
) -> np.ndarray:
    """One .npy member, read only after its header says it is what we expect, and never more
    than the bytes that header promises (a member whose zip entry lies is caught here)."""
    if info.compress_type not in COMPRESSIONS:
        raise ModelFileError(f"{name}: {key} is compressed in a way model files never are ({info.compress_type})")
    if info.file_size > MAX_NPY_HEADER + (max_bytes or MAX_BYTES):
        raise ModelFileError(f"{name}: {key} claims {info.file_size} bytes, more than a model needs")
    with archive.open(info) as member:
        header = io.BytesIO(member.read(MAX_NPY_HEADER))
        try:
            version = np.lib.format.read_magic(header)
            read_header = (
                np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            )
            found_shape, fortran, found_dtype = read_header(header, max_header_size=MAX_NPY_HEADER)
        except (ValueError, SyntaxError, TypeError) as exc:
            raise ModelFileError(f"{name}: {key} is not a NumPy array ({exc})") from None
        if found_dtype.hasobject:
            raise ModelFileError(f"{name}: {key} holds Python objects; model files hold numbers only")
        if shape is not None and tuple(found_shape) != shape:
            raise ModelFileError(f"{name}: {key} has shape {tuple(found_shape)}, expected {shape}")
        if dtype is not None and found_dtype != dtype:
            raise ModelFileError(f"{name}: {key} is {found_dtype}, but the file says {dtype}")
        count = int(np.prod(found_shape, dtype=np.int64))
        nbytes = count * found_dtype.itemsize
        if max_bytes is not None and nbytes > max_bytes:
            raise ModelFileError(f"{name}: its {key} entry is {nbytes} bytes, more than a model needs")
        if info.file_size != header.tell() + nbytes:
            raise ModelFileError(
                f"{name}: the zip entry of {key} says {info.file_size} bytes, but its array needs "
                f"{header.tell() + nbytes} (damaged?)"
            )
        body = header.read()  # the data that came with the header
        if len(body) <= nbytes:
            body += member.read(nbytes - len(body) + 1)  # one byte more than promised shows a lie
        if len(body) != nbytes:
            raise ModelFileError(f"{name}: {key} holds {len(body)} bytes, expected {nbytes} (damaged?)")
    array = np.frombuffer(body, dtype=found_dtype, count=count)
    if fortran:
        return array.reshape(found_shape[::-1]).T.copy()
    return array.reshape(found_shape).copy()


def _parse_meta(text: str, name: str) -> dict:
    depth = _json_depth(text)
    if depth > MAX_META_DEPTH:
        raise ModelFileError(f"{name}: its 'meta' entry is nested {depth} levels deep; this is not a model file")
    try:
        meta = json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError, as is a 5000-digit number
        raise ModelFileError(f"{name}: its 'meta' entry is not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise ModelFileError(f"{name}: not a Digits from Scratch model (format {found!r})")
    if meta.get("version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{name}: model format version {meta.get('version')!r} is not supported (this app reads {FORMAT_VERSION})"
        )
    return meta


def _json_depth(text: str) -> int:
    """How deeply the JSON ``text`` nests, counted without parsing (brackets inside strings don't count)."""
    outside = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text).encode("utf-8", "replace")
    codes = np.frombuffer(outside, dtype=np.uint8)
    steps = np.isin(codes, (ord("["), ord("{"))).astype(np.int64) - np.isin(codes, (ord("]"), ord("}")))
    return int(np.cumsum(steps).max(initial=0))


def _config_from_meta(meta: dict, name: str) -> NetworkConfig:
    raw = meta.get("config")
    if not isinstance(raw, dict):
        raise ModelFileError(f"{name}: the network configuration is missing")
    try:
        sizes = tuple(int(s) for s in raw["sizes"])
        if len(sizes) > MAX_LAYERS + 1:
            raise ValueError(f"{len(sizes) - 1} layers, at most {MAX_LAYERS}")
        config = NetworkConfig(
            sizes=sizes,
            activation=str(raw["activation"]),
            alpha=float(raw.get("alpha", 0.1)),
            loss=str(raw["loss"]),
            weight_scale=float(raw.get("weight_scale", 0.01)),
            init=str(raw.get("init", "normal")),
            dtype=str(raw["dtype"]),
            classes=tuple(int(c) for c in raw["classes"]),
        )
    except (KeyError, TypeError, ValueError, OverflowError, ConfigError) as exc:
        raise ModelFileError(f"{name}: bad network configuration ({exc})") from None
    if sizes[0] != PIXELS:
        raise ModelFileError(f"{name}: the input layer has {sizes[0]} units; MNIST images need {PIXELS}")
    if len(set(config.classes)) != len(config.classes) or not all(0 <= c <= 9 for c in config.classes):
        raise ModelFileError(f"{name}: its classes {list(config.classes)} are not different digits 0-9")
    return config
