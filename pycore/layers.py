"""Layers with ``forward`` and ``backward``, in the style of *Deep Learning from Scratch*.

Shapes: ``N`` is the batch size, ``D`` the input width, ``H`` the output width.
Every layer caches only what its ``backward`` needs, never modifies its inputs, and
overwrites (does not accumulate) its parameter gradients on each ``backward``.
"""

from __future__ import annotations

import numpy as np

from . import linalg


class Affine:
    """``y = x @ W + b``.

    ``W`` (D, H) and ``b`` (H,) are *borrowed* from the network that owns them:
    the layer never rebinds them, so in-place optimizer updates are seen here.
    """

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W = W  # (D, H), owned by the network
        self.b = b  # (H,), owned by the network
        self.x: np.ndarray | None = None  # (N, D) input, cached for dW
        self.dW = np.zeros_like(W)  # (D, H), overwritten by backward
        self.db = np.zeros_like(b)  # (H,), overwritten by backward

    def forward(self, x: np.ndarray) -> np.ndarray:
        """(N, D) -> (N, H)."""
        out = self.product(x)  # (N, H)
        out += self.b
        return out

    def product(self, x: np.ndarray) -> np.ndarray:
        """``x @ W``, (N, H); caches what :meth:`weight_grad` needs."""
        self.x = x
        return linalg.forward(x, self.W)

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """(N, H) -> (N, D); stores ``dW`` and ``db``.

        ``need_dx=False`` skips the input gradient (``None`` is returned): the network's first
        layer has no layer below it to pass it to.
        """
        self.weight_grad(dout)  # (D, H)
        np.sum(dout, axis=0, out=self.db)  # (H,)
        return linalg.input_grad(dout, self.W) if need_dx else None  # (N, D)

    def weight_grad(self, dout: np.ndarray) -> None:
        """``dW = x.T @ dout``, (D, H), into ``self.dW``."""
        linalg.weight_grad(self.x, dout, out=self.dW)

    def __repr__(self) -> str:
        return f"Affine({self.W.shape[0]} -> {self.W.shape[1]}, {self.W.dtype})"


class SparseInputAffine(Affine):
    """An :class:`Affine` that skips the input columns that are zero in the whole batch.

    A zero column adds nothing to ``x @ W`` and gives a zero row of ``dW``, so the results are
    those of :class:`Affine`, with fewer multiplications. MNIST's blank border makes about a
    third of the pixels zero across a batch of 100 (over half for a single image).
    ``tests/unit/test_layers.py`` checks it against :class:`Affine`. The network's first layer.
    """

    DENSE_ABOVE = 0.9  # with more than this fraction of columns in use, multiply everything

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        super().__init__(W, b)
        self.cols: np.ndarray | None = None  # (K,) indices of the columns in use, or None: all
        self.dW_rows = np.empty_like(W)  # (D, H) room for the K rows of dW in use, so no step allocates them

    def product(self, x: np.ndarray) -> np.ndarray:
        """``x @ W`` from the K columns in use, (N, H); caches only those columns, (N, K)."""
        cols = np.flatnonzero(x.any(axis=0))  # (K,)
        if cols.size > self.DENSE_ABOVE * x.shape[1]:
            self.cols = None
            return super().product(x)
        self.cols = cols
        self.x = x[:, cols]  # (N, K)
        return linalg.forward(self.x, self.W[cols])  # (N, K) × (K, H) -> (N, H)

    def weight_grad(self, dout: np.ndarray) -> None:
        """``dW``, (D, H): zero outside the K rows in use."""
        if self.cols is None:
            return super().weight_grad(dout)
        in_use = linalg.weight_grad(self.x, dout, out=self.dW_rows[: self.cols.size])  # (K, H)
        self.dW.fill(0)
        self.dW[self.cols] = in_use


class LeakyReLU:
    """``y = x`` where ``x > 0``, else ``alpha * x``."""

    def __init__(self, alpha: float = 0.1) -> None:
        self.alpha = alpha
        self.negative: np.ndarray | None = None  # (N, H) bool mask of x <= 0

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.negative = x <= 0
        return np.where(self.negative, x * self.alpha, x)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return np.where(self.negative, dout * self.alpha, dout)

    def __repr__(self) -> str:
        return f"LeakyReLU({self.alpha})"


class ReLU:
    """``y = max(x, 0)``."""

    def __init__(self) -> None:
        self.negative: np.ndarray | None = None  # (N, H) bool mask of x <= 0

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.negative = x <= 0
        return np.where(self.negative, 0, x)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return np.where(self.negative, 0, dout)

    def __repr__(self) -> str:
        return "ReLU()"


class Sigmoid:
    """``y = 1 / (1 + exp(-x))``."""

    def __init__(self) -> None:
        self.out: np.ndarray | None = None  # (N, H) cached output

    def forward(self, x: np.ndarray) -> np.ndarray:
        # exp of a large negative number is fine; of a large positive it overflows, so split.
        out = np.empty_like(x)
        pos = x >= 0
        out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
        ex = np.exp(x[~pos])
        out[~pos] = ex / (1.0 + ex)
        self.out = out
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * (1.0 - self.out) * self.out

    def __repr__(self) -> str:
        return "Sigmoid()"


class Tanh:
    """``y = tanh(x)``, whose derivative is ``1 - y²``."""

    def __init__(self) -> None:
        self.out: np.ndarray | None = None  # (N, H) cached output

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * (1.0 - self.out**2)

    def __repr__(self) -> str:
        return "Tanh()"


ACTIVATIONS = ("leaky_relu", "relu", "sigmoid", "tanh")


def make_activation(name: str, alpha: float = 0.1) -> LeakyReLU | ReLU | Sigmoid | Tanh:
    """Build an activation layer by name (one of ``ACTIVATIONS``)."""
    if name == "leaky_relu":
        return LeakyReLU(alpha)
    if name == "relu":
        return ReLU()
    if name == "sigmoid":
        return Sigmoid()
    if name == "tanh":
        return Tanh()
    raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
