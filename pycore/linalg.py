"""The three matrix products a fully connected layer needs, fast on every platform.

NumPy in Pyodide has no BLAS: there ``np.einsum``'s loops are about twice as fast as ``@``
(and five times for the weight gradient of one sample). Under CPython, ``@`` calls BLAS and is
the fast one. Both compute the same sums; ``tests/unit/test_linalg.py`` checks they agree.
"""

from __future__ import annotations

import sys

import numpy as np

USE_EINSUM = sys.platform == "emscripten"  # Pyodide


def forward(x: np.ndarray, W: np.ndarray, einsum: bool = USE_EINSUM) -> np.ndarray:
    """``x @ W``: (N, D) × (D, H) -> (N, H)."""
    return np.einsum("nd,dh->nh", x, W) if einsum else x @ W


def weight_grad(x: np.ndarray, dout: np.ndarray, out: np.ndarray, einsum: bool = USE_EINSUM) -> np.ndarray:
    """``x.T @ dout`` into ``out``: (N, D) and (N, H) -> (D, H).

    For one sample this is an outer product, where BLAS's matmul is slow (3× here) and einsum is not.
    """
    if einsum or x.shape[0] == 1:
        return np.einsum("nd,nh->dh", x, dout, out=out)
    return np.matmul(x.T, dout, out=out)


def input_grad(dout: np.ndarray, W: np.ndarray, einsum: bool = USE_EINSUM) -> np.ndarray:
    """``dout @ W.T``: (N, H) × (D, H) -> (N, D)."""
    return np.einsum("nh,dh->nd", dout, W) if einsum else dout @ W.T
