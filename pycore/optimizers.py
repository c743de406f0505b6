"""Optimizers: ``update(params, grads)`` changes every parameter array *in place*.

``params`` and ``grads`` are dicts of arrays with the same keys. In-place updates keep the
arrays the layers hold valid; an optimizer never rebinds a parameter.
"""

from __future__ import annotations

import numpy as np

from . import linalg
from .errors import ConfigError
from .layers import RowGrad
from .network import carve


def dense(grad: np.ndarray | RowGrad) -> np.ndarray:
    """The gradient as a whole array (a :class:`RowGrad` is zero outside its rows)."""
    return grad.dense() if isinstance(grad, RowGrad) else grad


def state_for(store: dict[str, np.ndarray], key: str, like: np.ndarray) -> np.ndarray:
    """``store[key]``, created as zeros shaped like ``like`` on first use (not on every step)."""
    if key not in store:
        store[key] = np.zeros_like(like)
    return store[key]


def flat_run(arrays: list[np.ndarray]) -> np.ndarray | None:
    """The ``arrays`` as one flat array, if they lie end to end, in this order, in one contiguous
    buffer (a :class:`~pycore.network.Network`'s parameters and gradients do); else ``None``."""
    base = arrays[0].base
    if base is None or base.ndim != 1 or not base.flags.c_contiguous:
        return None

    def offset(a: np.ndarray) -> int:  # where ``a`` starts in ``base``, in elements
        return (a.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // base.itemsize

    start = end = offset(arrays[0])
    for a in arrays:
        if a.base is not base or not a.flags.c_contiguous or offset(a) != end:
            return None
        end += a.size
    return base[start:end]


class SGD:
    """``W -= lr * dW``."""

    def __init__(self, lr: float = 0.01) -> None:
        self.lr = lr

    def update(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray | RowGrad]) -> None:
        for key, p in params.items():
            g = grads[key]
            if isinstance(g, RowGrad):  # only the rows in use move
                p[g.rows] -= self.lr * g.values()
            else:
                p -= self.lr * g

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr})"


class Momentum:
    """Classic momentum: ``v = momentum * v - lr * dW``; ``W += v``."""

    # Below this, lr/s of the position/velocity form overflows within a step or two (s = m^k);
    # the dense update is exact and cheap enough there.
    MIN_HELD_MOMENTUM = 1e-3

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        self.lr = lr
        self.momentum = momentum
        self.v: dict[str, np.ndarray] = {}  # velocity per parameter, created on first update
        self.held: dict[str, PositionVelocity] = {}  # parameters held in position/velocity form
        # The arrays of the last update, grouped into runs that lie end to end (see :meth:`runs`)
        self.grouped: tuple[list, list] = ([], [])

    def velocity(self, key: str, like: np.ndarray) -> np.ndarray:
        """The velocity array for ``key``, created as zeros on first use."""
        return state_for(self.v, key, like)

    def update(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray | RowGrad]) -> None:
        for key in self.held:
            self.held[key].update(grads[key], self.lr)
        for p, g, v, scaled in self.runs(params, grads):
            v *= self.momentum
            v -= np.multiply(g, self.lr, out=scaled)
            p += v

    def runs(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray | RowGrad]) -> list[tuple]:
        """The parameters not held, with their gradients, velocities and room for ``lr * g``, as
        ``(p, g, v, scaled)``: one flat tuple for neighbours that lie end to end in the network's
        buffers (four ufunc calls update them all), one tuple per parameter otherwise. Made again
        only when the arrays change."""
        arrays = [(key, p, grads[key]) for key, p in params.items() if key not in self.held]
        last, runs = self.grouped
        if len(arrays) == len(last) and all(
            k == j and p is q and g is h for (k, p, g), (j, q, h) in zip(arrays, last, strict=True)
        ):
            return runs
        keys = [key for key, _, _ in arrays]
        ps, gs = [p for _, p, _ in arrays], [dense(g) for _, _, g in arrays]
        p_run = flat_run(ps) if ps else None
        g_run = flat_run(gs) if p_run is not None else None
        if g_run is not None and p_run.dtype == g_run.dtype:
            runs = [(p_run, g_run, self.flat_velocity(keys, ps), np.empty_like(p_run))]
        else:
            runs = [(p, g, self.velocity(key, p), np.empty_like(p)) for key, p, g in zip(keys, ps, gs, strict=True)]
        self.grouped = (arrays, runs)
        return runs

    def flat_velocity(self, keys: list[str], params: list[np.ndarray]) -> np.ndarray:
        """The velocities of ``keys`` as one flat array; each ``self.v[key]`` becomes a view of it
        (keeping its values)."""
        run = flat_run([self.v[key] for key in keys]) if all(key in self.v for key in keys) else None
        if run is not None:
            return run
        flat = np.zeros(sum(p.size for p in params), dtype=params[0].dtype)
        views = carve(flat, {key: p.shape for key, p in zip(keys, params, strict=True)})
        for key, view in views.items():
            if key in self.v:
                view[...] = self.v[key]
        self.v.update(views)
        return flat

    def hold(self, key: str, W: np.ndarray) -> PositionVelocity | None:
        """Hold ``W`` (the parameter ``key``) in position/velocity form, so that the steps whose
        gradients are :class:`RowGrad` touch only their rows; ``None`` where that form does not
        exist (no momentum). :meth:`release` makes ``W`` and its velocity current again."""
        if not self.MIN_HELD_MOMENTUM <= self.momentum < 1:
            return None
        self.held[key] = PositionVelocity(W, self.velocity(key, W), self.momentum)
        return self.held[key]

    def release(self, key: str) -> None:
        """Make the held parameter ``key`` and its velocity current, and stop holding it."""
        self.held.pop(key).materialize()

    def __repr__(self) -> str:
        return f"Momentum(lr={self.lr}, momentum={self.momentum})"


class PositionVelocity:
    """Classic momentum on a weight matrix (D, H) whose gradient is zero outside a few rows a step.

    Momentum moves every row at every step, even a row whose gradient is zero: its velocity
    decays and still moves it. Written with a *position* ``P`` and a *scaled velocity* ``V``::

        P = W + m/(1 − m) · v        v = s · V,   with s = m^k after k steps

    the step ``v = m·v − lr·g; W += v`` becomes::

        s = m · s
        P −= lr/(1 − m) · g          (plain gradient descent)
        V −= lr/s · g

    so a row whose gradient is zero is neither read nor written. ``W = P − m/(1 − m)·s·V`` and
    ``v = s·V`` are recovered exactly by :meth:`materialize`. ``P`` and ``V`` sit side by side in
    one (D, 2H) array: one gather, one product and one scatter serve both. ``V`` is rescaled when
    ``s`` falls below the square root of the dtype's smallest normal number (1e-154 for float64,
    after about 3,400 steps of m = 0.9; 1e-19 for float32), so that ``V = v/s`` never overflows.
    """

    def __init__(self, W: np.ndarray, v: np.ndarray, momentum: float) -> None:
        self.W, self.v, self.m = W, v, momentum  # (D, H) each: written back by materialize
        self.c = momentum / (1.0 - momentum)
        self.s = 1.0
        self.rescale_below = float(np.sqrt(np.finfo(W.dtype).tiny))
        H = W.shape[1]
        self.PV = np.empty((W.shape[0], 2 * H), dtype=W.dtype)  # (D, 2H): [P | V]
        self.P, self.V = self.PV[:, :H], self.PV[:, H:]
        np.multiply(v, self.c, out=self.P)
        self.P += W
        self.V[...] = v
        self.block = np.empty_like(self.PV)  # (D, 2H) room for the K rows in use
        self.rows = np.arange(0)  # (K,) the rows gathered by the last product
        self.step = np.empty_like(self.PV)  # (D, 2H) room for the K rows' change
        self.dout2 = np.empty((0, 2 * H), dtype=W.dtype)  # (N, 2H) room for the gradient's share of P and V

    def product(self, x: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``x @ W[rows]``: x (N, K) -> (N, H), from the gathered rows [P | V], which the next
        :meth:`update` changes."""
        self.rows = rows
        block = np.take(self.PV, rows, axis=0, out=self.block[: len(rows)], mode="clip")  # (K, 2H); clip: unbuffered
        xPV = linalg.forward(x, block)  # (N, 2H): x·P and x·V
        H = self.P.shape[1]
        xP, xV = xPV[:, :H], xPV[:, H:]
        xV *= self.c * self.s
        xP -= xV  # x·W = x·P − c·s·x·V
        return xP

    def update(self, grad: RowGrad, lr: float) -> None:
        """One momentum step with the gradient of the rows of the last :meth:`product`."""
        if grad.rows is not self.rows:
            raise ValueError("the gradient is not for the rows of the last forward pass")
        self.s *= self.m
        H = self.P.shape[1]
        if len(self.dout2) != len(grad.dout):
            self.dout2 = np.empty((len(grad.dout), 2 * H), dtype=self.PV.dtype)
        dout2 = self.dout2  # (N, 2H): the gradient's share of P and V
        np.multiply(grad.dout, -lr / (1.0 - self.m), out=dout2[:, :H])
        np.multiply(grad.dout, -lr / self.s, out=dout2[:, H:])
        block = self.block[: len(self.rows)]
        block += linalg.weight_grad(grad.x, dout2, out=self.step[: len(self.rows)])  # (K, 2H): outer products
        self.PV[self.rows] = block
        if self.s < self.rescale_below:
            self.V *= self.s
            self.s = 1.0

    def materialize(self) -> None:
        """Write ``W`` and its velocity ``v`` back, as plain momentum has them."""
        np.multiply(self.V, self.s, out=self.v)
        np.multiply(self.v, -self.c, out=self.W)
        self.W += self.P


class AdaGrad:
    """``h += dW²``; ``W -= lr * dW / (sqrt(h) + eps)``."""

    def __init__(self, lr: float = 0.01, eps: float = 1e-7) -> None:
        self.lr = lr
        self.eps = eps
        self.h: dict[str, np.ndarray] = {}

    def update(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        for key, p in params.items():
            g = dense(grads[key])
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
            g, m, v = dense(grads[key]), state_for(self.m, key, p), state_for(self.v, key, p)
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


# The optimizers by name: the built-in ones, and those added with pycore.extend.register_optimizer.
OPTIMIZERS: dict[str, type] = {"sgd": SGD, "momentum": Momentum, "adagrad": AdaGrad, "adam": Adam}


def make_optimizer(name: str, lr: float, momentum: float = 0.9) -> object:
    """Build an optimizer by name (a key of ``OPTIMIZERS``) with learning rate ``lr``; only
    Momentum takes ``momentum``."""
    cls = OPTIMIZERS.get(name)
    if cls is None:
        raise ConfigError("trainer.unknown_optimizer", name=name, choices=list(OPTIMIZERS))
    return cls(lr, momentum) if cls is Momentum else cls(lr)
