"""The three matrix products a fully connected layer needs, fast on every platform.

NumPy in Pyodide has no BLAS: there ``einsum``'s loops are about twice as fast as ``@``
(and five times for the weight gradient of one sample). Under CPython, ``@`` calls BLAS and is
the fast one. Both compute the same sums; ``tests/unit/test_linalg.py`` checks they agree.
Every product can write into an ``out`` array made once, so that a training step allocates little.
"""

from __future__ import annotations

import sys

import numpy as np

USE_EINSUM = sys.platform == "emscripten"  # Pyodide

try:  # NumPy's C einsum, which np.einsum calls through a Python wrapper (about 1 µs a call in Pyodide)
    from numpy._core._multiarray_umath import c_einsum
except ImportError:  # another NumPy: the same sums through the wrapper
    c_einsum = np.einsum


def einsum(subscripts: str, *operands: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``np.einsum(subscripts, *operands, out=out)`` (no path optimisation), without its Python wrapper."""
    return c_einsum(subscripts, *operands) if out is None else c_einsum(subscripts, *operands, out=out)


# einsum walks every combination of its indices with one iterator, whose size is an intp: in 32-bit
# Pyodide at most 2**31 − 1 ("iterator is too large": 1,000 test images through a 2048-by-1500
# layer). A product longer than that is made in slices of its samples. A training step's products
# never are (app.MAX_STEP_MULTIPLY_ADDS, 1e9, bounds them: tests/unit/test_linalg.py checks it).
MAX_ITERATION = int(np.iinfo(np.intp).max)


def _by_samples(subscripts: str, a: np.ndarray, W: np.ndarray, out: np.ndarray | None, width: int) -> np.ndarray:
    """``einsum(subscripts, a, W)`` for a product with one row per sample of ``a`` (N, ·) and ``width``
    columns, in slices of the samples when einsum cannot take them all at once."""
    if a.shape[0] * W.size <= MAX_ITERATION:
        return einsum(subscripts, a, W, out=out)
    out = np.empty((len(a), width), dtype=np.result_type(a, W)) if out is None else out
    rows = max(1, MAX_ITERATION // W.size)
    for start in range(0, len(a), rows):
        einsum(subscripts, a[start : start + rows], W, out=out[start : start + rows])
    return out


def forward(x: np.ndarray, W: np.ndarray, out: np.ndarray | None = None, use_einsum: bool = USE_EINSUM) -> np.ndarray:
    """``x @ W``: (N, D) × (D, H) -> (N, H), into ``out`` if given."""
    return _by_samples("nd,dh->nh", x, W, out, W.shape[1]) if use_einsum else np.matmul(x, W, out=out)


def weight_grad(x: np.ndarray, dout: np.ndarray, out: np.ndarray, use_einsum: bool = USE_EINSUM) -> np.ndarray:
    """``x.T @ dout`` into ``out``: (N, D) and (N, H) -> (D, H).

    For one sample this is an outer product, where BLAS's matmul is slow (3× here) and einsum is not.
    """
    if not use_einsum and x.shape[0] > 1:
        return np.matmul(x.T, dout, out=out)
    if x.size * dout.shape[1] <= MAX_ITERATION:
        return einsum("nd,nh->dh", x, dout, out=out)
    rows = max(1, MAX_ITERATION // (x.shape[1] * dout.shape[1]))
    einsum("nd,nh->dh", x[:rows], dout[:rows], out=out)
    for start in range(rows, len(x), rows):  # (the sum over the samples, slice by slice, when that long)
        out += einsum("nd,nh->dh", x[start : start + rows], dout[start : start + rows])
    return out


def input_grad(
    dout: np.ndarray, W: np.ndarray, out: np.ndarray | None = None, use_einsum: bool = USE_EINSUM
) -> np.ndarray:
    """``dout @ W.T``: (N, H) × (D, H) -> (N, D), into ``out`` if given."""
    return _by_samples("nh,dh->nd", dout, W, out, W.shape[0]) if use_einsum else np.matmul(dout, W.T, out=out)


def sparse_rows_forward(x: np.ndarray, W: np.ndarray, scratch: np.ndarray, use_einsum: bool = USE_EINSUM) -> np.ndarray:
    """``x @ W`` for an ``x`` (N, D) that is mostly zeros, such as a batch of MNIST images: (N, H).

    In Pyodide each row is multiplied with only the rows of ``W`` of its own non-zero columns
    (about one in five for a digit): a gather into ``scratch`` (D, H) and a product per row, 2-3
    times faster than the dense product. Under CPython, BLAS's dense product is faster.
    """
    if not use_einsum:
        return forward(x, W, use_einsum=False)
    out = np.empty((len(x), W.shape[1]), dtype=np.result_type(x, W))
    images, cols = np.nonzero(x)  # (nnz,) each: the non-zero pixels, image by image, columns in order
    values = x[images, cols]  # (nnz,)
    start = 0
    for i, end in enumerate(np.cumsum(np.bincount(images, minlength=len(x))).tolist()):
        rows = np.take(W, cols[start:end], axis=0, out=scratch[: end - start], mode="clip")  # clip: unbuffered
        einsum("k,kh->h", values[start:end], rows, out=out[i])
        start = end
    return out
