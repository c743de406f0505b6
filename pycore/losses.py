"""Loss functions: each has ``forward(y, t) -> float`` and ``backward() -> dy``.

``y`` and ``t`` are (N, C): network outputs and one-hot targets.
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError


class MeanSquaredError:
    """The seed's loss: ``0.5 * sum((y - t)**2)`` per sample, averaged over the batch.

    For one sample (the seed) this is exactly ``0.5 * Σ(y − t)²`` with gradient ``y − t``.
    """

    outputs = "scores"  # raw outputs, not probabilities

    def __init__(self) -> None:
        self.diff: np.ndarray | None = None  # (N, C) y - t

    def forward(self, y: np.ndarray, t: np.ndarray) -> float:
        self.diff = y - t
        return float(0.5 * np.sum(self.diff * self.diff) / y.shape[0])

    def backward(self) -> np.ndarray:
        return self.diff / self.diff.shape[0]

    def __repr__(self) -> str:
        return "MeanSquaredError()"


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, C) scores, stable for large values."""
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class SoftmaxCrossEntropy:
    """Softmax followed by cross-entropy, averaged over the batch; gradient ``(p − t) / N``."""

    outputs = "probabilities"

    def __init__(self) -> None:
        self.p: np.ndarray | None = None  # (N, C) softmax of y
        self.t: np.ndarray | None = None  # (N, C) targets

    def forward(self, y: np.ndarray, t: np.ndarray) -> float:
        self.p = softmax(y)
        self.t = t
        tiny = np.finfo(self.p.dtype).tiny
        return float(-np.sum(t * np.log(self.p + tiny)) / y.shape[0])

    def backward(self) -> np.ndarray:
        return (self.p - self.t) / self.p.shape[0]

    def __repr__(self) -> str:
        return "SoftmaxCrossEntropy()"


# The losses by name: the built-in ones, and those added with pycore.extend.register_loss.
LOSSES: dict[str, type] = {"mse": MeanSquaredError, "softmax_ce": SoftmaxCrossEntropy}


def make_loss(name: str) -> object:
    """Build a loss by name (a key of ``LOSSES``)."""
    cls = LOSSES.get(name)
    if cls is None:
        raise ConfigError("network.unknown_loss", name=name, choices=list(LOSSES))
    return cls()
