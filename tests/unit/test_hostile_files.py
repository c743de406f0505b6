"""Hostile model files, built on the fly: every one is refused with a message, before anything
big is inflated, and nothing but ModelFileError ever comes out of ``model_io.load``.

These tests also run inside Pyodide (tests/pyodide), where a RecursionError or a stack overflow
could kill Python for good: the tests that follow them there prove it is still alive.
"""

from __future__ import annotations

import io
import json
import struct
import time
import tracemalloc
import zipfile
from functools import cache

import numpy as np
import pytest

from pycore import model_io
from pycore.errors import ModelFileError
from pycore.network import Network, NetworkConfig

SMALL = NetworkConfig(sizes=(784, 16, 3))
INFLATE_LIMIT = 32 * 1024 * 1024  # loading a hostile file may not allocate more than this (tracemalloc peak)
BOMB_BYTES = 256 * 1024 * 1024  # what a bomb member inflates to (compressed: about 250 kB)


def parts(config: NetworkConfig = SMALL) -> tuple[dict, dict[str, np.ndarray]]:
    net = Network(config, seed=0)
    meta = {"format": model_io.FORMAT, "version": model_io.FORMAT_VERSION, "config": config.to_dict(), "notes": {}}
    return meta, dict(net.params)


def npz(meta: dict | str, arrays: dict[str, np.ndarray], extra: dict[str, bytes] | None = None) -> bytes:
    """A model file from its parts; ``extra`` adds raw members (name -> bytes to deflate)."""
    buf = io.BytesIO()
    text = meta if isinstance(meta, str) else json.dumps(meta)
    np.savez_compressed(buf, meta=np.array(text), **arrays)
    if extra:
        with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in extra.items():
                zf.writestr(name, data)
    return buf.getvalue()


@cache
def bomb_member() -> tuple[bytes, int]:
    """A raw deflate stream of BOMB_BYTES zeros, and its CRC, made once."""
    import zlib

    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(1024 * 1024)
    crc = 0
    chunks = []
    for _ in range(BOMB_BYTES // len(block)):
        chunks.append(compressor.compress(block))
        crc = zlib.crc32(block, crc)
    chunks.append(compressor.flush())
    return b"".join(chunks), crc


def zip_with_raw_member(base: bytes, name: str, deflated: bytes, crc: int, size: int) -> bytes:
    """``base`` (a zip) plus a member whose deflated data is given, declaring ``size`` bytes."""
    buf = io.BytesIO(base)
    with zipfile.ZipFile(buf, "a") as zf:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        # Write the member's header and data by hand: zipfile would inflate nothing, but it would
        # compress the data itself; here the data is already deflated.
        info.CRC, info.compress_size, info.file_size = crc, len(deflated), size
        zf.fp.seek(zf.start_dir)
        info.header_offset = zf.fp.tell()
        zf.fp.write(info.FileHeader(zip64=size > 0xFFFFFFFF))
        zf.fp.write(deflated)
        zf.start_dir = zf.fp.tell()
        zf.filelist.append(info)
        zf.NameToInfo[name] = info
        zf._didModify = True
    return buf.getvalue()


def plain_zip(meta: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """The same model file, written without zip64 records (so its sizes are plain 32-bit fields)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, array in {"meta": np.array(json.dumps(meta)), **arrays}.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, array)
            zf.writestr(f"{key}.npy", member.getvalue())
    return buf.getvalue()


def patch_declared_size(data: bytes, member: str, size: int) -> bytes:
    """Make the central directory lie about ``member``'s uncompressed size."""
    out = bytearray(data)
    name = member.encode()
    pos = 0
    while True:
        at = out.find(b"PK\x01\x02", pos)
        if at < 0:
            raise AssertionError(f"{member} not in the central directory")
        name_len = struct.unpack_from("<H", out, at + 28)[0]
        if out[at + 46 : at + 46 + name_len] == name:
            struct.pack_into("<I", out, at + 24, size)
            return bytes(out)
        pos = at + 4


def recompressed(data: bytes, method: int) -> bytes:
    """The same zip, its members marked as compressed with ``method`` (bz2 and lzma inflate a whole
    block at once; a Python without their modules, like Pyodide's, needs no real stream to test this)."""
    out = bytearray(data)
    for signature, field in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # local and central headers
        at = out.find(signature)
        while at >= 0:
            struct.pack_into("<H", out, at + field, method)
            at = out.find(signature, at + 4)
    return bytes(out)


def many_entries(count: int) -> bytes:
    """A zip whose directory lists ``count`` empty members."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(count):
            zf.writestr(f"{i}", b"")
    return buf.getvalue()


def encrypted(data: bytes) -> bytes:
    """Mark the first member as encrypted in the central directory."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    out[at + 8] |= 0x01
    return bytes(out)


def npy_with_header(shape: tuple[int, ...], dtype: str = "<f8", body: bytes = b"") -> bytes:
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + body


def hostile_files() -> list[tuple[str, bytes, str]]:
    meta, arrays = parts()
    good = npz(meta, arrays)
    plain = plain_zip(meta, arrays)
    assert model_io.load(plain)[0].config == SMALL  # the unpatched file is fine
    deflated, crc = bomb_member()
    deep = "[" * 200_000 + "]" * 200_000
    deep_small = "[" * 8000 + "]" * 8000  # 64 kB as the meta's UTF-32 text: small enough to be read
    huge_weights = {k: np.full_like(v, 1e300) if k.startswith("W") else v for k, v in arrays.items()}
    large_outputs = dict(arrays, W2=arrays["W2"] * 1e9, W1=np.abs(arrays["W1"]))
    return [
        ("bomb: an extra member", zip_with_raw_member(good, "padding.npy", deflated, crc, BOMB_BYTES), "unexpected"),
        (
            "bomb: a weight member that inflates far beyond its shape",
            zip_with_raw_member(
                npz(meta, {k: v for k, v in arrays.items() if k != "W1"}), "W1.npy", deflated, crc, 1000
            ),
            "W1",
        ),
        (
            "bomb: a weight member that declares 2 GB",
            zip_with_raw_member(
                npz(meta, {k: v for k, v in arrays.items() if k != "W1"}), "W1.npy", deflated, crc, 2**31
            ),
            "W1 claims",
        ),
        (
            "bomb: the meta member",
            zip_with_raw_member(
                npz(meta, arrays).replace(b"meta.npy", b"mexa.npy"), "meta.npy", deflated, crc, BOMB_BYTES
            ),
            "meta",
        ),
        (
            "oversized declared shape",
            npz(meta, {k: v for k, v in arrays.items() if k != "W1"}, {"W1.npy": npy_with_header((784, 10**9))}),
            r"W1 has shape \(784, 1000000000\)",
        ),
        (
            "a network of a billion parameters",
            npz(dict(meta, config=dict(meta["config"], sizes=[784, 10**6, 10**3, 3])), {}),
            "parameters",
        ),
        ("member lies: smaller than its data", patch_declared_size(plain, "W1.npy", 100), "W1|damaged"),
        ("member lies: larger than its data", patch_declared_size(plain, "W2.npy", 10**6), "W2|damaged"),
        ("meta nested 200,000 levels", npz(deep, arrays), "meta"),
        ("meta nested 8,000 levels (small enough to read)", npz(deep_small, arrays), "nested"),
        ("meta of 10 MB", npz(json.dumps(dict(meta, notes={"x": "y" * 10_000_000})), arrays), "meta"),
        ("meta is a list", npz("[1, 2, 3]", arrays), "not a Digits from Scratch model"),
        ("meta is not JSON", npz("{'format': ", arrays), "not valid JSON"),
        ("no meta entry", npz(meta, arrays).replace(b"meta.npy", b"mexa.npy"), "no 'meta'"),
        ("finite weights, infinite outputs", npz(meta, huge_weights), "not finite"),
        ("finite weights, absurd outputs", npz(meta, large_outputs), "absurdly large"),
        (
            "more classes than outputs",
            npz(dict(meta, config=dict(meta["config"], classes=list(range(10)))), arrays),
            "classes",
        ),
        ("repeated classes", npz(dict(meta, config=dict(meta["config"], classes=[0, 0, 1])), arrays), "classes"),
        ("classes beyond 9", npz(dict(meta, config=dict(meta["config"], classes=[0, 1, 12])), arrays), "classes"),
        ("sizes not numbers", npz(dict(meta, config=dict(meta["config"], sizes=["a"])), arrays), "configuration"),
        ("pickled weights", npz(meta, dict(arrays, W1=np.array([{"evil": 1}], dtype=object))), "objects|W1"),
        (
            "an encrypted-looking member",
            encrypted(plain),
            "damaged|encrypted|not a model",
        ),
        ("empty zip", b"PK\x05\x06" + bytes(18), "meta"),
        ("a bz2 member", recompressed(plain, zipfile.ZIP_BZIP2), "compressed"),
        ("an lzma member", recompressed(plain, zipfile.ZIP_LZMA), "compressed"),
        ("a zip that lists 100,000 entries", many_entries(100_000), "entries"),
        ("just PK", b"PK", "damaged|not a model"),
    ]


@pytest.mark.parametrize("case", hostile_files(), ids=lambda case: case[0])
def test_hostile_file_is_refused_without_inflating_it(case):
    label, data, message = case
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=message):
            model_io.load(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < INFLATE_LIMIT + 2 * len(data), f"{label}: {peak / 1e6:.0f} MB allocated while refusing it"


def test_fortran_order_arrays_load_as_the_same_numbers():
    meta, arrays = parts()
    fortran = {k: np.asfortranarray(v) for k, v in arrays.items()}
    loaded, _ = model_io.load(npz(meta, fortran))
    for key, value in arrays.items():
        np.testing.assert_array_equal(loaded.params[key], value)


def mutations(data: bytes, count: int, seed: int = 0):
    """``count`` seeded random mutations of ``data``: flipped bytes, insertions, deletions, truncations."""
    rng = np.random.default_rng(seed)
    for i in range(count):
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
        yield i, bytes(out)


def test_fuzzed_model_files_load_or_are_refused_quickly():
    meta, arrays = parts()
    data = npz(meta, arrays)
    outcomes = {"loaded": 0, "refused": 0}
    for i, mutated in mutations(data, 250):
        started = time.perf_counter()
        try:
            model_io.load(mutated)
            outcomes["loaded"] += 1
        except ModelFileError:
            outcomes["refused"] += 1
        elapsed = time.perf_counter() - started
        assert elapsed < 1.0, f"mutation {i} took {elapsed:.2f} s"  # a hang guard, not a benchmark
    assert outcomes["refused"] > 100, outcomes  # most mutations break the file; they must be caught
