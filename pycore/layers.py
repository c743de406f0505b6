"""Layers with ``forward`` and ``backward``, in the style of *Deep Learning from Scratch*.

Shapes: ``N`` is the batch size, ``D`` the input width, ``H`` the output width.
Every layer caches only what its ``backward`` needs, never modifies its inputs, and
overwrites (does not accumulate) its parameter gradients on each ``backward``.
"""

from __future__ import annotations

import numpy as np

from . import linalg
from .errors import ConfigError


class Affine:
    """``y = x @ W + b``.

    ``W`` (D, H) and ``b`` (H,) are *borrowed* from the network that owns them:
    the layer never rebinds them, so in-place optimizer updates are seen here.
    """

    def __init__(self, W: np.ndarray, b: np.ndarray, grads: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        self.W = W  # (D, H), owned by the network
        self.b = b  # (H,), owned by the network
        self.x: np.ndarray | None = None  # (N, D) input, cached for dW
        # (D, H) and (H,), overwritten by backward: in the arrays ``grads`` if given (the network's)
        self.dW, self.db = grads if grads is not None else (np.zeros_like(W), np.zeros_like(b))

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
        if len(dout) == 1:  # one sample: db is its gradient (a reduction over one row costs ~8 µs in Pyodide)
            self.db[...] = dout[0]
        else:
            dout.sum(axis=0, out=self.db)  # (H,)
        return linalg.input_grad(dout, self.W) if need_dx else None  # (N, D)

    def weight_grad(self, dout: np.ndarray) -> None:
        """``dW = x.T @ dout``, (D, H), into ``self.dW``."""
        linalg.weight_grad(self.x, dout, out=self.dW)

    def gradient(self) -> np.ndarray:
        """The weight gradient of the last backward, as optimizers take it."""
        return self.dW

    def __repr__(self) -> str:
        return f"Affine({self.W.shape[0]} -> {self.W.shape[1]}, {self.W.dtype})"


class RowGrad:
    """A weight gradient (D, H) that is zero outside ``rows``: there it is ``x.T @ dout``.

    The first layer's inputs are pixels, most of them zero, and a zero pixel's row of ``dW`` is
    zero. Optimizers that can use this (SGD, and Momentum in position/velocity form) touch only
    those rows; the others ask for :meth:`dense`.
    """

    __slots__ = ("dense_buffer", "dout", "rows", "rows_buffer", "x")

    def __init__(
        self, rows: np.ndarray, x: np.ndarray, dout: np.ndarray, buffers: tuple[np.ndarray, np.ndarray]
    ) -> None:
        self.rows = rows  # (K,) indices of the rows in use
        self.x = x  # (N, K) the inputs in those columns
        self.dout = dout  # (N, H)
        self.dense_buffer, self.rows_buffer = buffers  # (D, H) each: room for the gradient, so no step allocates it

    def values(self) -> np.ndarray:
        """The K non-zero rows, ``x.T @ dout``: (K, H)."""
        return linalg.weight_grad(self.x, self.dout, out=self.rows_buffer[: len(self.rows)])

    def dense(self) -> np.ndarray:
        """The whole gradient, (D, H), in the layer's buffer (valid until the next step)."""
        if len(self.rows) == len(self.dense_buffer):  # every row in use, in order
            return linalg.weight_grad(self.x, self.dout, out=self.dense_buffer)
        self.dense_buffer.fill(0)
        self.dense_buffer[self.rows] = self.values()
        return self.dense_buffer

    def __array__(self, dtype=None, copy=None) -> np.ndarray:  # np.asarray(grad): the dense gradient
        return self.dense() if dtype is None else self.dense().astype(dtype)


class SparseInputAffine(Affine):
    """An :class:`Affine` that skips the input columns that are zero in the whole batch.

    A zero column adds nothing to ``x @ W`` and gives a zero row of ``dW``, so the results are
    those of :class:`Affine`, with fewer multiplications: its weight gradient is a
    :class:`RowGrad`. MNIST's blank border makes about a third of the pixels zero across a batch
    of 100, and four in five for a single image. The network's first layer.

    While an optimizer ``holds`` the weights (Momentum in position/velocity form, see
    :class:`~pycore.optimizers.PositionVelocity`), ``W`` is not current: the rows in use are read
    from the holder. ``tests/unit/test_layers.py`` checks both against :class:`Affine`.
    """

    DENSE_ABOVE = 0.9  # with more than this fraction of columns in use, multiply everything

    def __init__(self, W: np.ndarray, b: np.ndarray, grads: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        super().__init__(W, b, grads)
        self.all_cols = np.arange(W.shape[0])
        self.cols = self.all_cols  # (K,) indices of the columns in use
        self.grad: RowGrad | None = None
        self._rows = np.empty_like(W)  # (D, H) room for the rows of dW in use
        self.held = None  # a PositionVelocity while an optimizer holds W, else None

    def product(self, x: np.ndarray) -> np.ndarray:
        """``x @ W`` from the K columns in use, (N, H); caches only those columns, (N, K)."""
        self.grad = None  # the last gradient was for another input
        self.cols = np.flatnonzero(x[0] if len(x) == 1 else x.any(axis=0))  # (K,)
        if self.held is not None:
            self.x = x[:, self.cols]  # (N, K)
            return self.held.product(self.x, self.cols)
        if self.cols.size > self.DENSE_ABOVE * x.shape[1]:  # gathering would cost more than it saves
            self.cols, self.x = self.all_cols, x
            return linalg.forward(x, self.W)
        self.x = x[:, self.cols]  # (N, K)
        return linalg.forward(self.x, self.W[self.cols])  # (N, K) × (K, H) -> (N, H)

    def infer(self, x: np.ndarray) -> np.ndarray:
        """``x @ W + b`` for predictions, (N, H): each image with its own non-zero pixels (see
        :func:`~pycore.linalg.sparse_rows_forward`). No backward follows: the last training
        step's cache is dropped (it may hold the trainer's batch buffer). Predictions happen
        between training chunks, when ``W`` is current."""
        self.x = self.grad = None
        out = linalg.sparse_rows_forward(x, self.W, scratch=self._rows)
        out += self.b
        return out

    def weight_grad(self, dout: np.ndarray) -> None:
        """The weight gradient as a :class:`RowGrad`; the dense ``dW`` is made when it is read."""
        self.grad = RowGrad(self.cols, self.x, dout, (self._dW, self._rows))

    @property
    def dW(self) -> np.ndarray:  # noqa: N802 (the book's name)
        """(D, H): zero outside the rows in use."""
        return self.grad.dense() if self.grad is not None else self._dW

    @dW.setter
    def dW(self, buffer: np.ndarray) -> None:  # noqa: N802
        self._dW = buffer

    def gradient(self) -> RowGrad | np.ndarray:
        return self.grad if self.grad is not None else self._dW


class LeakyReLU:
    """``y = x`` where ``x > 0``, else ``alpha * x``: ``y = slope * x``, whose derivative is ``slope``."""

    def __init__(self, alpha: float = 0.1) -> None:
        self.alpha = alpha
        self.slope: np.ndarray | None = None  # (N, H): 1 where x > 0, else alpha

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.slope = np.where(x > 0, 1.0, self.alpha).astype(np.result_type(x, 1.0), copy=False)
        return x * self.slope

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * self.slope

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


# The activations by name: the built-in ones, and those added with pycore.extend.register_activation.
ACTIVATIONS: dict[str, type] = {"leaky_relu": LeakyReLU, "relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}


def make_activation(name: str, alpha: float = 0.1) -> object:
    """Build an activation layer by name (a key of ``ACTIVATIONS``); only LeakyReLU takes ``alpha``."""
    cls = ACTIVATIONS.get(name)
    if cls is None:
        raise ConfigError("network.unknown_activation", name=name, choices=list(ACTIVATIONS))
    return cls(alpha) if cls is LeakyReLU else cls()
