"""Saving and loading models as ``.npz`` files.

A model file holds the arrays ``W1, b1, W2, b2, …`` and one more, ``meta``: a JSON string
with the format version and the network's configuration (layer sizes, activation, loss,
classes, dtype) plus free-form notes (e.g. test accuracy). Loading checks everything before
anything is used, so a bad file never half-replaces a working model.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import ConfigError, ModelFileError, read_user_file, reason
from .messages import Message
from .mnist import PIXELS
from .network import MAX_HIDDEN_LAYERS, MAX_PARAMETERS, Network, NetworkConfig

FORMAT = "digits-from-scratch-model"
FORMAT_VERSION = 1
MAX_BYTES = 64 * 1024 * 1024  # refuse larger files: no model here needs that much
MAX_META_BYTES = 64 * 1024  # the meta entry (JSON text) is a few hundred bytes
MAX_DIRECTORY_BYTES = 64 * 1024  # the zip's central directory: a model's has 2·layers + 1 short entries
MAX_META_DEPTH = 16  # nesting of the meta JSON (it needs 3)
MAX_NPY_HEADER = 4096  # an .npy header is about 128 bytes; numpy parses it with ast.literal_eval
MAX_MEMBERS = 1 + 2 * (MAX_HIDDEN_LAYERS + 1)  # meta, then a weight and a bias per layer
MAX_INFLATED_BYTES = MAX_META_BYTES + 8 * MAX_PARAMETERS + MAX_MEMBERS * MAX_NPY_HEADER  # all entries, inflated
PROBE_IMAGES = 4  # blank, full and evenly spread images that every model must answer with finite numbers
# A working digit model's outputs are near 1 (MSE scores) or at most about 50 (softmax logits); a
# million means a diverged run, even where the numbers are still finite.
MAX_PROBE_OUTPUT = 1e6

_CENTRAL_DIRECTORY_ENTRY = b"PK\x01\x02"  # every entry of a zip's directory starts with this
_ENTRY_NAME = re.compile(r"(?:meta|[Wb][1-9][0-9]?)\.npy")
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # np.savez stores, np.savez_compressed deflates


def save(network: Network, target: str | Path | BinaryIO, notes: dict | None = None) -> None:
    """Write ``network`` to a binary file object, or to a path: exactly that name, which is
    replaced only once the whole new file is written (a failed save keeps the old file)."""
    data = to_bytes(network, notes)
    if not isinstance(target, (str, Path)):
        target.write(data)
        return
    path = Path(os.path.realpath(target))
    if path.exists() and not path.is_file():
        raise IsADirectoryError(f"{target} exists and is not a regular file")
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)  # only left there when writing failed


def to_bytes(network: Network, notes: dict | None = None) -> bytes:
    """The bytes of a model file for ``network``."""
    meta = {"format": FORMAT, "version": FORMAT_VERSION, "config": network.config.to_dict(), "notes": notes or {}}
    arrays = {k: np.ascontiguousarray(v) for k, v in network.params.items()}
    buf = io.BytesIO()
    np.savez(buf, meta=np.array(json.dumps(meta)), **arrays)
    return buf.getvalue()


def load(source: str | Path | bytes, name: str | None = None) -> tuple[Network, dict]:
    """Read and validate a model file; returns a new network and the file's notes.

    Nothing is inflated before it is known to be exactly what the declared network needs: the
    zip's directory comes first (names, sizes, methods), then the meta entry (at most
    ``MAX_META_BYTES``), then each array's .npy header, then at most the bytes that array needs.
    Last, a few probe images must give finite outputs. Raises :class:`ModelFileError` (and
    nothing else) with a reason a person can act on.
    """
    if name is None:  # the messages name the file: its path, the name given with its bytes, or "the model file"
        name = str(source) if isinstance(source, (str, Path)) else Message("model.the_file")
    else:
        name = _brief(name, 120)
    data = _read_source(source, name)
    if not data.startswith(b"PK"):
        raise ModelFileError("model.not_zip", name=name)
    _check_end_record(data, name)
    try:
        network, notes = _read_model(data, name)
        problem = output_problem(network)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, KeyError) as exc:
        raise ModelFileError("model.damaged", name=name, reason=_reason(exc)) from None
    except Exception as exc:  # any other failure on hostile bytes (MemoryError, RecursionError, …) means the same
        raise ModelFileError(
            "model.not_model", name=name, reason=Message("reason.other", kind=type(exc).__name__)
        ) from None
    if problem:
        raise ModelFileError("model.unusable", name=name, problem=problem)
    return network, notes


def probe_images(width: int) -> np.ndarray:
    """``PROBE_IMAGES`` images of ``width`` pixels, (PROBE_IMAGES, width): blank, full, then pixels
    spread evenly over [0, 1) (the fractional parts of multiples of the golden ratio; no random
    generator is needed to load a model)."""
    probe = np.modf(np.arange(PROBE_IMAGES * width) * ((5**0.5 - 1) / 2))[0].reshape(PROBE_IMAGES, width)
    probe[0] = 0.0
    probe[1] = 1.0
    return probe


def output_problem(network: Network) -> str:
    """Why ``network`` cannot be used (a :class:`~pycore.messages.Message`; "" if it can): a few
    probe images must give finite, sensible outputs. A diverged run leaves finite weights whose outputs overflow."""
    probe = probe_images(network.config.sizes[0])
    with np.errstate(all="ignore"):
        outputs = network.predict(probe.astype(network.dtype))
    if not np.isfinite(outputs).all():
        return Message("model.outputs_not_finite")
    largest = float(np.abs(outputs).max())
    if largest > MAX_PROBE_OUTPUT:
        return Message("model.outputs_huge", largest=float(f"{largest:.3g}"))
    return ""


def _check_end_record(data: bytes, name: str) -> None:
    """Refuse a zip whose end record announces a directory bigger than a model's could be."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
    if end < 0 or len(data) < end + 22:
        raise ModelFileError("model.no_directory", name=name)
    entries, size = struct.unpack_from("<HI", data, end + 10)
    if entries > MAX_MEMBERS or size > MAX_DIRECTORY_BYTES:
        raise ModelFileError("model.zip_lists", name=name, entries=entries, size=size)


def _read_source(source: str | Path | bytes, name: str) -> bytes:
    if isinstance(source, (str, Path)):
        data = read_user_file(Path(source), "file.kind.model", MAX_BYTES, ModelFileError)
    else:
        data = bytes(source)
    if len(data) > MAX_BYTES:
        raise ModelFileError("model.too_large", name=name, size=len(data), limit=MAX_BYTES)
    return data


def _read_model(data: bytes, name: str) -> tuple[Network, dict]:
    # zipfile builds an object for every entry of the directory before anything can be checked,
    # and a 60 MB file can list a million of them: count them first (each starts with the same
    # four bytes; a few more may occur by chance inside the arrays, hence the margin).
    entries = data.count(_CENTRAL_DIRECTORY_ENTRY)
    if entries > 2 * MAX_MEMBERS:
        raise ModelFileError("model.too_many_entries_zip", name=name, entries=entries, limit=MAX_MEMBERS)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        _check_directory(infos, name)
        members = {info.filename: info for info in infos}
        if "meta.npy" not in members:
            raise ModelFileError("model.no_meta", name=name)
        meta_array = _read_npy(archive, members["meta.npy"], name, "meta", shape=(), max_bytes=MAX_META_BYTES)
        meta = _parse_meta(str(meta_array), name)
        config = _config_from_meta(meta, name)
        sizes = config.sizes
        expected = {}
        for i in range(1, len(sizes)):
            expected[f"W{i}"] = (sizes[i - 1], sizes[i])
            expected[f"b{i}"] = (sizes[i],)
        arrays_in_file = {m[: -len(".npy")] for m in members} - {"meta"}
        missing = sorted(set(expected) - arrays_in_file)
        extra = sorted(arrays_in_file - set(expected))
        if missing:
            raise ModelFileError("model.missing_arrays", name=name, arrays=list(missing))
        if extra:
            raise ModelFileError("model.unexpected_arrays", name=name, arrays=list(extra))
        arrays = {}
        dtype = np.dtype(config.dtype)
        for key, shape in expected.items():
            max_bytes = int(np.prod(shape)) * dtype.itemsize
            a = _read_npy(archive, members[f"{key}.npy"], name, key, shape=shape, dtype=dtype, max_bytes=max_bytes)
            if not np.isfinite(a).all():
                raise ModelFileError("model.not_finite", name=name, key=key)
            arrays[key] = a
    network = Network(config, params=arrays)
    notes = meta.get("notes") if isinstance(meta.get("notes"), dict) else {}
    return network, notes


def _check_directory(infos: list[zipfile.ZipInfo], name: str) -> None:
    """Refuse, from the zip's directory alone, anything that is not a model file's entries."""
    names = [info.filename for info in infos]
    if len(infos) > MAX_MEMBERS:
        raise ModelFileError("model.too_many_entries", name=name, entries=len(infos), limit=MAX_MEMBERS)
    strange = [n for n in names if not _ENTRY_NAME.fullmatch(n)]
    if strange:
        listed = [repr(_brief(n, 40)) for n in strange[:3]] + (["…"] if len(strange) > 3 else [])
        raise ModelFileError("model.unexpected_entries", name=name, entries=listed)
    if len(set(names)) != len(names):
        raise ModelFileError(
            "model.repeated_entries", name=name, entries=sorted({n for n in names if names.count(n) > 1})
        )
    for info in infos:
        key = info.filename[: -len(".npy")]
        if info.flag_bits & 0x1:
            raise ModelFileError("model.encrypted", name=name, key=key)
        if info.compress_type not in _METHODS:
            raise ModelFileError("model.zip_method", name=name, key=key, method=info.compress_type)
        if info.file_size > MAX_INFLATED_BYTES:
            raise ModelFileError("model.entry_claims", name=name, key=key, size=info.file_size)
        stored = info.compress_type == zipfile.ZIP_STORED
        if (stored and info.compress_size != info.file_size) or info.compress_size > _deflate_bound(info.file_size):
            raise ModelFileError(
                "model.entry_sizes", name=name, key=key, stored=info.compress_size, size=info.file_size
            )
    total = sum(info.file_size for info in infos)
    if total > MAX_INFLATED_BYTES:
        raise ModelFileError("model.entries_claim", name=name, total=total, limit=MAX_INFLATED_BYTES)


def _deflate_bound(size: int) -> int:
    """The most bytes that deflate may need for ``size`` bytes (zlib's deflateBound, with room to spare)."""
    return size + (size >> 12) + (size >> 14) + (size >> 25) + 1024


def _read_npy(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    name: str,
    key: str,
    *,
    shape: tuple[int, ...],
    max_bytes: int,
    dtype: np.dtype | None = None,
) -> np.ndarray:
    """One .npy member, read only after its header says it is what we expect, and never more
    than the bytes that header promises (a member whose zip entry lies is caught here)."""
    if info.compress_type not in _METHODS:
        raise ModelFileError("model.compression", name=name, key=key, method=info.compress_type)
    with archive.open(info) as member:
        header = io.BytesIO(member.read(MAX_NPY_HEADER))
        try:
            version = np.lib.format.read_magic(header)
            read_header = (
                np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            )
            found_shape, fortran, found_dtype = read_header(header, max_header_size=MAX_NPY_HEADER)
        except Exception as exc:  # numpy reads the header with ast.literal_eval, or tokenize for old files
            raise ModelFileError("model.not_npy", name=name, key=key, reason=_reason(exc)) from None
        if found_dtype.hasobject:
            raise ModelFileError("model.objects", name=name, key=key)
        if dtype is None and (found_dtype.kind != "U" or tuple(found_shape) != ()):
            raise ModelFileError("model.meta_not_text", name=name)
        if tuple(found_shape) != shape:
            raise ModelFileError(
                "model.shape", name=name, key=key, found=_brief(tuple(found_shape), 60), shape=str(shape)
            )
        if dtype is not None and found_dtype != dtype:
            raise ModelFileError("model.dtype", name=name, key=key, found=str(found_dtype), dtype=str(dtype))
        count = int(np.prod(shape))
        nbytes = count * found_dtype.itemsize
        if nbytes > max_bytes:
            raise ModelFileError("model.entry_bytes", name=name, key=key, size=nbytes)
        if info.file_size != header.tell() + nbytes:
            raise ModelFileError(
                "model.entry_array", name=name, key=key, size=info.file_size, need=header.tell() + nbytes
            )
        body = header.read()  # the data that came with the header
        if len(body) <= nbytes:
            body += member.read(nbytes - len(body) + 1)  # one byte more than promised shows a lie
        if len(body) != nbytes:
            raise ModelFileError("model.body", name=name, key=key, size=len(body), need=nbytes)
    array = np.frombuffer(body, dtype=found_dtype, count=count)
    if fortran:
        return array.reshape(shape[::-1]).T.copy()
    return array.reshape(shape).copy()


def _parse_meta(text: str, name: str) -> dict:
    depth = _json_depth(text)
    if depth > MAX_META_DEPTH:
        raise ModelFileError("model.meta_deep", name=name, depth=MAX_META_DEPTH)
    try:
        meta = json.loads(text)
    except (ValueError, RecursionError, MemoryError) as exc:  # ValueError: bad JSON, or a number of 5,000 digits
        raise ModelFileError("model.meta_json", name=name, reason=_reason(exc)) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise ModelFileError("model.format", name=name, format=_brief(repr(found), 60))
    if meta.get("version") != FORMAT_VERSION:
        raise ModelFileError(
            "model.version", name=name, version=_brief(repr(meta.get("version")), 30), supported=FORMAT_VERSION
        )
    return meta


def _json_depth(text: str) -> int:
    """How deeply the JSON ``text`` nests, counted in one pass without parsing (brackets inside
    strings don't count); stops counting just past ``MAX_META_DEPTH``."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_META_DEPTH:
                    break
        elif ch in "]}":
            depth -= 1
    return deepest


def _config_from_meta(meta: dict, name: str) -> NetworkConfig:
    raw = meta.get("config")
    if not isinstance(raw, dict):
        raise ModelFileError("model.no_config", name=name)
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
    except (KeyError, TypeError, ValueError, OverflowError, ConfigError) as exc:
        raise ModelFileError("model.bad_config", name=name, reason=_reason(exc)) from None
    if config.sizes[0] != PIXELS:
        raise ModelFileError("model.input_layer", name=name, units=config.sizes[0], pixels=PIXELS)
    if len(set(config.classes)) != len(config.classes) or not all(0 <= c <= 9 for c in config.classes):
        raise ModelFileError("model.classes", name=name, classes=_brief(list(config.classes), 60))
    return config


def _reason(exc: BaseException) -> Message:
    """Why ``exc`` was raised, for a message: its own message when it has one, else
    :func:`pycore.errors.reason` (never Python's English)."""
    key = getattr(exc, "key", None)
    if not key:
        return reason(exc)
    # a hostile file's strings (a setting's name) are cut short here too
    return Message(key, **{name: _brief(v, 60) if isinstance(v, str) else v for name, v in exc.params.items()})


def _brief(thing: object, limit: int = 200) -> str:
    """``str(thing)``, cut to ``limit`` characters: a hostile file's strings go into messages."""
    text = str(thing)
    return text if len(text) <= limit else text[: limit - 1] + "…"
