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
# layer). A product longer than that is made in slices of its samples.
MAX_ITERATION = int(np.iinfo(np.intp).max)


def _slices(n: int, d: int, h: int) -> list[slice]:
    """The slices of the N samples that einsum can take at once, for a (D, H) weight matrix."""
    rows = max(1, MAX_ITERATION // max(1, d * h))
    return [slice(start, start + rows) for start in range(0, n, rows)]


def forward(x: np.ndarray, W: np.ndarray, out: np.ndarray | None = None, use_einsum: bool = USE_EINSUM) -> np.ndarray:
    """``x @ W``: (N, D) × (D, H) -> (N, H), into ``out`` if given."""
    if not use_einsum:
        return np.matmul(x, W, out=out)
    if x.shape[0] * W.size <= MAX_ITERATION:  # (a training step's products always are)
        return einsum("nd,dh->nh", x, W, out=out)
    out = np.empty((len(x), W.shape[1]), dtype=np.result_type(x, W)) if out is None else out
    for part in _slices(len(x), *W.shape):
        einsum("nd,dh->nh", x[part], W, out=out[part])
    return out


def weight_grad(x: np.ndarray, dout: np.ndarray, out: np.ndarray, use_einsum: bool = USE_EINSUM) -> np.ndarray:
    """``x.T @ dout`` into ``out``: (N, D) and (N, H) -> (D, H).

    For one sample this is an outer product, where BLAS's matmul is slow (3× here) and einsum is not.
    """
    if not use_einsum and x.shape[0] > 1:
        return np.matmul(x.T, dout, out=out)
    if x.size * dout.shape[1] <= MAX_ITERATION:
        return einsum("nd,nh->dh", x, dout, out=out)
    parts = _slices(len(x), x.shape[1], dout.shape[1])
    einsum("nd,nh->dh", x[parts[0]], dout[parts[0]], out=out)
    for part in parts[1:]:  # (the sum over the samples, slice by slice)
        out += einsum("nd,nh->dh", x[part], dout[part])
    return out


def input_grad(
    dout: np.ndarray, W: np.ndarray, out: np.ndarray | None = None, use_einsum: bool = USE_EINSUM
) -> np.ndarray:
    """``dout @ W.T``: (N, H) × (D, H) -> (N, D), into ``out`` if given."""
    if not use_einsum:
        return np.matmul(dout, W.T, out=out)
    if dout.shape[0] * W.size <= MAX_ITERATION:
        return einsum("nh,dh->nd", dout, W, out=out)
    out = np.empty((len(dout), W.shape[0]), dtype=np.result_type(dout, W)) if out is None else out
    for part in _slices(len(dout), *W.shape):
        einsum("nh,dh->nd", dout[part], W, out=out[part])
    return out


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
