"""Hostile model files, built on the fly: every one is refused with a short message, before
anything big is inflated, and nothing but ModelFileError ever comes out of ``model_io.load``.

These tests also run inside Pyodide (tests/pyodide), where a RecursionError or a stack overflow
could kill Python for good: the last test of this file proves that it is still alive there.
"""

from __future__ import annotations

import io
import json
import struct
import time
import tracemalloc
import zipfile
import zlib
from functools import cache

import numpy as np
import pytest

from pycore import model_io
from pycore.errors import ModelFileError
from pycore.network import MAX_HIDDEN_LAYERS, Network, NetworkConfig
from tests.conftest import mutate, prose_in

SMALL = NetworkConfig(sizes=(784, 16, 3))
INFLATE_LIMIT = 32 * 1024 * 1024  # loading a hostile file may not allocate more than this (tracemalloc peak)
BOMB_BYTES = 4 * 1024**3  # what the big bomb member inflates to (compressed: about 4 MB)
HANG_GUARD = 1.0  # seconds: refusing a file takes milliseconds; this only catches a hang


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
def zeros_stream(size: int) -> bytes:
    """A raw deflate stream of ``size`` zero bytes (a multiple of 1 MiB), built without ever
    holding them: after a full flush, deflate's output for each further MiB of zeros is the same."""
    mib = 1024 * 1024
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = compressor.compress(bytes(mib)) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(bytes(mib)) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert again == chunk  # the trick holds: each MiB deflates alone
    return chunk * (size // mib) + compressor.flush()


def test_the_bomb_really_inflates_to_zeros():
    inflated = zlib.decompressobj(-15).decompress(zeros_stream(BOMB_BYTES), 64 * 1024 * 1024)
    assert len(inflated) == 64 * 1024 * 1024 and not any(inflated[::4096])
    assert len(zeros_stream(BOMB_BYTES)) < 8 * 1024 * 1024
    assert len(zlib.decompress(zeros_stream(8 * 1024 * 1024), -15)) == 8 * 1024 * 1024


def zip_with_raw_member(base: bytes, name: str, deflated: bytes, crc: int, size: int) -> bytes:
    """``base`` (a zip) plus a member whose deflated data is given, declaring ``size`` bytes."""
    buf = io.BytesIO(base)
    with zipfile.ZipFile(buf, "a") as zf:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        # Write the member's header and data by hand: zipfile would compress the data itself;
        # here it is deflated already.
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


def plain_zip(meta: dict, arrays: dict[str, np.ndarray], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The same model file, written without zip64 records (so its sizes are plain 32-bit fields)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for key, array in {"meta": np.array(json.dumps(meta)), **arrays}.items():
            zf.writestr(f"{key}.npy", npy_bytes(array))
    return buf.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    member = io.BytesIO()
    np.lib.format.write_array(member, array)
    return member.getvalue()


def patch_directory(data: bytes, member: str, offset: int, fmt: str, value: int) -> bytes:
    """Change one field of ``member``'s entry in the central directory (offsets as in APPNOTE 4.3.12)."""
    out = bytearray(data)
    name = member.encode()
    pos = 0
    while True:
        at = out.find(b"PK\x01\x02", pos)
        if at < 0:
            raise AssertionError(f"{member} not in the central directory")
        name_len = struct.unpack_from("<H", out, at + 28)[0]
        if out[at + 46 : at + 46 + name_len] == name:
            struct.pack_into(fmt, out, at + offset, value)
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


def patch_declared_size(data: bytes, member: str, size: int) -> bytes:
    """Make the central directory lie about ``member``'s uncompressed size."""
    return patch_directory(data, member, 24, "<I", size)


def encrypted(data: bytes) -> bytes:
    """Mark the first member as encrypted in the central directory."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    out[at + 8] |= 0x01
    return bytes(out)


def many_entries(count: int) -> bytes:
    """A zip whose directory lists ``count`` entries (all named W1.npy): 54 bytes each."""
    name = b"W1.npy"
    entry = struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0, 0, 0, 0, 0, 0)
    directory = (entry + name) * count
    start = b"PK\x03\x04" + bytes(26)
    n = min(count, 0xFFFF)
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, n, n, len(directory), len(start), 0)
    return start + directory + end


def npy_with_header(shape: tuple[int, ...], dtype: str = "<f8", body: bytes = b"") -> bytes:
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + body


def npy_with_raw_header(text: str) -> bytes:
    """An .npy member whose header dictionary is any text (numpy reads it with ast.literal_eval)."""
    raw = text.encode("latin1") + b"\n"
    return b"\x93NUMPY\x02\x00" + struct.pack("<I", len(raw)) + raw


def hostile_files() -> list[tuple[str, bytes, str]]:
    meta, arrays = parts()
    good = npz(meta, arrays)
    plain = plain_zip(meta, arrays)
    stored = plain_zip(meta, arrays, zipfile.ZIP_STORED)
    for ok in (plain, stored):
        assert model_io.load(ok)[0].config == SMALL  # the unpatched files are fine
    without_w1 = npz(meta, {k: v for k, v in arrays.items() if k != "W1"})
    bomb = zeros_stream(BOMB_BYTES)
    w1 = npy_bytes(arrays["W1"])
    w1_then_more = zlib.compressobj(9, zlib.DEFLATED, -15)
    w1_then_more = w1_then_more.compress(w1 + bytes(100 * len(w1))) + w1_then_more.flush()
    deep = "[" * 200_000 + "]" * 200_000
    deep_small = "[" * 8000 + "]" * 8000  # 64 kB as the meta's UTF-32 text: small enough to be read
    huge_weights = {k: np.full_like(v, 1e300) if k.startswith("W") else v for k, v in arrays.items()}
    large_outputs = dict(arrays, W2=arrays["W2"] * 1e9, W1=np.abs(arrays["W1"]))
    config = meta["config"]
    return [
        ("bomb: an extra member of 4 GB", zip_with_raw_member(good, "padding.npy", bomb, 0, BOMB_BYTES), "unexpected"),
        ("bomb: an extra array of 4 GB", zip_with_raw_member(good, "W3.npy", bomb, 0, BOMB_BYTES), "W3 claims"),
        ("bomb: a weight member of 4 GB", zip_with_raw_member(without_w1, "W1.npy", bomb, 0, BOMB_BYTES), "W1 claims"),
        (
            "bomb: a weight member that inflates far beyond the size it declares",
            zip_with_raw_member(without_w1, "W1.npy", bomb, 0, len(w1)),
            "W1",
        ),
        (
            "bomb: a weight member of the right size and header, followed by 100 times more",
            zip_with_raw_member(without_w1, "W1.npy", w1_then_more, zlib.crc32(w1 + bytes(100 * len(w1))), len(w1)),
            "damaged",
        ),
        (
            "bomb: a weight member that declares 2 GB",
            zip_with_raw_member(without_w1, "W1.npy", bomb, 0, 2**31),
            "W1 claims",
        ),
        (
            "bomb: the meta member",
            zip_with_raw_member(good.replace(b"meta.npy", b"W9.npy"), "meta.npy", bomb, 0, BOMB_BYTES),
            "meta claims",
        ),
        ("bomb: 200,000 entries in the zip's directory", many_entries(200_000), "entries"),
        ("40 entries", plain_zip(meta, {**arrays, **{f"W{i}": arrays["b2"] for i in range(3, 40)}}), "entries"),
        (
            "an entry repeated",
            zip_with_raw_member(plain, "W1.npy", zlib.compress(w1)[2:-4], zlib.crc32(w1), len(w1)),
            "repeated",
        ),
        ("an entry compressed with LZMA", patch_directory(stored, "W1.npy", 10, "<H", 14), "method 14"),
        ("an entry compressed with bzip2", patch_directory(stored, "W2.npy", 10, "<H", 12), "method 12"),
        (
            "a stored entry whose sizes disagree",
            patch_directory(stored, "W1.npy", 20, "<I", len(w1) + 10_000),
            "damaged",
        ),
        ("a deflated entry larger than deflate can make", patch_directory(plain, "b1.npy", 20, "<I", 10**7), "damaged"),
        (
            "oversized declared shape",
            npz(meta, {k: v for k, v in arrays.items() if k != "W1"}, {"W1.npy": npy_with_header((784, 10**9))}),
            r"W1 has shape \(784, 1000000000\)",
        ),
        (
            "an .npy header nested 3000 levels",
            npz(meta, {k: v for k, v in arrays.items() if k != "W1"}, {"W1.npy": npy_with_raw_header("[" * 3000)}),
            "W1 is not a NumPy array",
        ),
        (
            "an .npy header of a megabyte",
            npz(meta, {k: v for k, v in arrays.items() if k != "W1"}, {"W1.npy": npy_with_raw_header(" " * 10**6)}),
            "W1 is not a NumPy array",
        ),
        (
            "a shape of a 4000-digit number",
            npz(meta, {k: v for k, v in arrays.items() if k != "b1"}, {"b1.npy": npy_with_header((10**3999,))}),
            "b1",
        ),
        (
            "a meta that is an array of a billion texts",
            plain_zip_with_meta_npy(npy_with_header((10**9,), "<U8"), arrays),
            "meta",
        ),
        (
            "a network of a billion parameters",
            npz(dict(meta, config=dict(config, sizes=[784, 10**6, 10**3, 3])), {}),
            "parameters",
        ),
        (
            "a network of too many hidden layers",
            npz(dict(meta, config=dict(config, sizes=[784] + [1] * (MAX_HIDDEN_LAYERS + 1) + [3])), {}),
            "hidden layers",
        ),
        ("member lies: smaller than its data", patch_declared_size(plain, "W1.npy", 100), "W1|damaged"),
        ("member lies: larger than its data", patch_declared_size(plain, "W2.npy", 10**6), "W2|damaged"),
        ("meta nested 200,000 levels", npz(deep, arrays), "meta"),
        ("meta nested 8,000 levels (small enough to read)", npz(deep_small, arrays), "nested"),
        ("meta of 10 MB", npz(json.dumps(dict(meta, notes={"x": "y" * 10_000_000})), arrays), "meta"),
        ("meta with a 5000-digit number", npz(json.dumps(meta)[:-1] + ', "n": ' + "9" * 5000 + "}", arrays), "JSON"),
        (
            "meta with a quote and backslashes (slow for a regular expression)",
            npz('{"a": "' + '\\"' * 7990, arrays),
            "JSON",
        ),
        (
            "meta with an activation of 15,000 characters",
            npz(dict(meta, config=dict(config, activation="x" * 15_000)), arrays),
            "configuration",
        ),
        ("meta is a list", npz("[1, 2, 3]", arrays), "not a Digits from Scratch model"),
        ("meta is not JSON", npz("{'format': ", arrays), "not valid JSON"),
        ("meta is a number, not a text", plain_zip_with_meta_npy(npy_bytes(np.array(3.0)), arrays), "not a text"),
        ("no meta entry", npz(meta, arrays).replace(b"meta.npy", b"mexa.npy"), "unexpected entries 'mexa.npy'"),
        ("finite weights, infinite outputs", npz(meta, huge_weights), "not finite"),
        ("finite weights, absurd outputs", npz(meta, large_outputs), "absurdly large"),
        ("more classes than outputs", npz(dict(meta, config=dict(config, classes=list(range(10)))), arrays), "classes"),
        ("fewer classes than outputs", npz(dict(meta, config=dict(config, classes=[0, 1])), arrays), "classes"),
        ("repeated classes", npz(dict(meta, config=dict(config, classes=[0, 0, 1])), arrays), "classes"),
        ("classes beyond 9", npz(dict(meta, config=dict(config, classes=[0, 1, 12])), arrays), "classes"),
        (
            "ten classes, three outputs' arrays",
            npz(dict(meta, config=dict(config, sizes=[784, 16, 10], classes=list(range(10)))), arrays),
            r"W2 has shape \(16, 3\), expected \(16, 10\)",
        ),
        ("sizes not numbers", npz(dict(meta, config=dict(config, sizes=["a"])), arrays), "configuration"),
        ("pickled weights", npz(meta, dict(arrays, W1=np.array([{"evil": 1}], dtype=object))), "objects|W1"),
        ("pickled meta", plain_zip_with_meta_npy(npy_bytes(np.array([{"evil": 1}], dtype=object)), arrays), "objects"),
        ("an encrypted-looking member", encrypted(plain), "encrypted"),
        ("empty zip", b"PK\x05\x06" + bytes(18), "meta"),
        ("a bz2 member", recompressed(plain, zipfile.ZIP_BZIP2), "compressed"),
        ("an lzma member", recompressed(plain, zipfile.ZIP_LZMA), "compressed"),
        ("a zip that lists 100,000 entries", many_entries(100_000), "entries"),
        ("just PK", b"PK", "damaged|not a model"),
    ]


def plain_zip_with_meta_npy(meta_npy: bytes, arrays: dict[str, np.ndarray]) -> bytes:
    """A model file whose meta entry is the given .npy bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("meta.npy", meta_npy)
        for key, array in arrays.items():
            zf.writestr(f"{key}.npy", npy_bytes(array))
    return buf.getvalue()


@pytest.mark.parametrize("case", hostile_files(), ids=lambda case: case[0])
def test_hostile_file_is_refused_without_inflating_it(case):
    label, data, message = case
    started = time.perf_counter()
    with pytest.raises(ModelFileError, match=message) as refused:
        model_io.load(data)
    elapsed = time.perf_counter() - started
    text = str(refused.value)
    assert "\n" not in text and len(text) < 400, f"{label}: a message of {len(text)} characters"
    assert prose_in(refused.value) == [], label  # zipfile's or NumPy's English never reaches the page
    assert elapsed < HANG_GUARD, f"{label}: took {elapsed:.2f} s"
    tracemalloc.start()  # again, with every allocation traced (which makes it slower)
    try:
        with pytest.raises(ModelFileError):
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


def test_the_largest_model_allowed_still_loads():
    """The limits are not so tight that a real model of the largest allowed shape is refused."""
    config = NetworkConfig(sizes=(784, 2048, 1024, 10), classes=tuple(range(10)), init="he", dtype="float32")
    net = Network(config, seed=0)
    loaded, _ = model_io.load(model_io.to_bytes(net))
    assert loaded.config == config


def mutations(data: bytes, count: int, seed: int = 0):
    """``count`` seeded random mutations of ``data`` (see :func:`tests.conftest.mutate`)."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        yield i, mutate(data, rng)


@pytest.mark.parametrize("layout", ["stored", "deflated"])
def test_fuzzed_model_files_load_or_are_refused_quickly(layout):
    """250 random mutations of a valid file each load or raise ModelFileError, nothing else.

    The stored layout (np.savez, as the app writes) puts the .npy headers and the numbers
    themselves in reach of the mutations; the deflated one mostly breaks the zip's streams."""
    meta, arrays = parts()
    data = model_io.to_bytes(Network(SMALL, seed=0)) if layout == "stored" else npz(meta, arrays)
    outcomes = {"loaded": 0, "refused": 0}
    for i, mutated in mutations(data, 250, seed=1 if layout == "stored" else 0):
        started = time.perf_counter()
        try:
            model_io.load(mutated)
            outcomes["loaded"] += 1
        except ModelFileError as exc:
            assert "\n" not in str(exc) and len(str(exc)) < 400, (i, str(exc)[:500])
            assert prose_in(exc) == [], (i, str(exc)[:500])
            outcomes["refused"] += 1
        elapsed = time.perf_counter() - started
        assert elapsed < HANG_GUARD, f"mutation {i} took {elapsed:.2f} s"  # a hang guard, not a benchmark
    assert outcomes["refused"] > 100, outcomes  # most mutations break the file; they must be caught


def test_python_is_still_usable_after_the_hostile_files():
    """Inside Pyodide, a stack overflow would leave Python fatally failed: after the corpus and the
    fuzzing above, Python still parses, recurses, allocates and loads a good model."""
    nested = json.loads("[" * 100 + "]" * 100)
    for _ in range(99):
        nested = nested[0]
    assert nested == []

    def down(n: int) -> int:
        return 0 if n == 0 else 1 + down(n - 1)

    assert down(300) == 300
    assert np.ones((1000, 1000)).sum() == 1e6
    net = Network(SMALL, seed=3)
    loaded, _ = model_io.load(model_io.to_bytes(net))
    x = np.random.default_rng(0).random((2, 784))
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))
