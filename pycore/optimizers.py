"""Optimizers: ``update(params, grads)`` changes every parameter array *in place*.

``params`` and ``grads`` are dicts of arrays with the same keys. In-place updates keep the
arrays the layers hold valid; an optimizer never rebinds a parameter.
"""

from __future__ import annotations

import numpy as np


def state_for(store: dict[str, np.ndarray], key: str, like: np.ndarray) -> np.ndarray:
    """``store[key]``, created as zeros shaped like ``like`` on first use (not on every step)."""
    if key not in store:
        store[key] = np.zeros_like(like)
    return store[key]


class SGD:
    """``W -= lr * dW``."""

    def __init__(self, lr: float = 0.01) -> None:
        self.lr = lr

    def update(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        for key, p in params.items():
            p -= self.lr * grads[key]

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr})"


class Momentum:
    """Classic momentum: ``v = momentum * v - lr * dW``; ``W += v``."""

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        self.lr = lr
        self.momentum = momentum
        self.v: dict[str, np.ndarray] = {}  # velocity per parameter, created on first update
        self.scaled: dict[str, np.ndarray] = {}  # room for lr * gradient, so updates allocate nothing

    def velocity(self, key: str, like: np.ndarray) -> np.ndarray:
        """The velocity array for ``key``, created as zeros on first use."""
        return state_for(self.v, key, like)

    def update(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        for key, p in params.items():
            v = self.velocity(key, p)
            scaled = state_for(self.scaled, key, p)
            v *= self.momentum
            v -= np.multiply(grads[key], self.lr, out=scaled)
            p += v

    def __repr__(self) -> str:
        return f"Momentum(lr={self.lr}, momentum={self.momentum})"


class AdaGrad:
    """``h += dW²``; ``W -= lr * dW / (sqrt(h) + eps)``."""

    def __init__(self, lr: float = 0.01, eps: float = 1e-7) -> None:
        self.lr = lr
        self.eps = eps
        self.h: dict[str, np.ndarray] = {}

    def update(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        for key, p in params.items():
            g = grads[key]
            h = state_for(self.h, key, p)
            h += g * g
            p -= self.lr * g / (np.sqrt(h) + self.eps)

    def __repr__(self) -> str:
        return f"AdaGrad(lr={self.lr})"


class Adam:
    """Adam (Kingma & Ba) with bias correction::

        m = beta1·m + (1 − beta1)·dW
        v = beta2·v + (1 − beta2)·dW²
        W -= lr · sqrt(1 − beta2^t) / (1 − beta1^t) · m / (sqrt(v) + eps)

    Computed in place, through one scratch array per parameter, so a step allocates nothing.
    """

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        self.m: dict[str, np.ndarray] = {}  # first moment per parameter, created on first update
        self.v: dict[str, np.ndarray] = {}  # second moment per parameter
        # Scratch per parameter, so that no update allocates: the gradient's share of a moment, and the step.
        self.share: dict[str, np.ndarray] = {}
        self.step: dict[str, np.ndarray] = {}

    def update(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        lr_t = self.lr * np.sqrt(1.0 - self.beta2**self.t) / (1.0 - self.beta1**self.t)  # bias-corrected rate
        for key, p in params.items():
            g, m, v = grads[key], state_for(self.m, key, p), state_for(self.v, key, p)
            share, step = state_for(self.share, key, p), state_for(self.step, key, p)
            m *= self.beta1
            m += np.multiply(g, 1.0 - self.beta1, out=share)  # m = β1·m + (1 − β1)·g
            v *= self.beta2
            v += np.multiply(np.square(g, out=share), 1.0 - self.beta2, out=share)  # v = β2·v + (1 − β2)·g²
            denominator = np.sqrt(v, out=step)
            denominator += self.eps  # √v + ε
            p -= np.multiply(np.divide(m, denominator, out=step), lr_t, out=step)  # p −= lr_t·m / (√v + ε)

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2})"


OPTIMIZERS = ("sgd", "momentum", "adagrad", "adam")


def make_optimizer(name: str, lr: float, momentum: float = 0.9) -> SGD | Momentum | AdaGrad | Adam:
    """Build an optimizer by name (one of ``OPTIMIZERS``)."""
    if name == "sgd":
        return SGD(lr)
    if name == "momentum":
        return Momentum(lr, momentum)
    if name == "adagrad":
        return AdaGrad(lr)
    if name == "adam":
        return Adam(lr)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
