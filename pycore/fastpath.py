"""The seed loop's fast path: batch size 1 with SGD or Momentum, touching only non-zero pixels.

About 80 % of an MNIST image is exactly 0. With one image per step, the first layer's
forward pass ``x @ W1`` and its weight gradient ``outer(x, dh1)`` only involve the rows of
``W1`` whose pixel is non-zero. Momentum still moves *every* row every step (its velocity
decays), but a row whose gradient is zero for ``k`` steps follows closed-form algebra::

    v_k = m**k * v_0
    W_k = W_0 + (m + m**2 + … + m**k) * v_0 = W_0 + m * (1 - m**k) / (1 - m) * v_0

so a row is brought up to date only when it is next needed ("lazy" decay), and
:meth:`SparseInputStep.flush` brings every row up to date before anyone reads ``W1``.
The result equals the plain loop up to floating-point rounding; ``tests/unit/test_fastpath.py``
checks that.
"""

from __future__ import annotations

import numpy as np

from . import linalg
from .layers import Affine
from .network import Network
from .optimizers import SGD, Momentum


def supports(network: Network, optimizer: object, batch_size: int) -> bool:
    """Whether the fast path computes exactly what the plain loop would for this set-up."""
    return batch_size == 1 and type(optimizer) in (SGD, Momentum) and isinstance(network.layers[0], Affine)


class SparseInputStep:
    """Training steps for one sample at a time that skip the zero pixels of the input."""

    def __init__(self, network: Network, optimizer: SGD | Momentum) -> None:
        self.net = network
        self.opt = optimizer
        self.W1 = network.params["W1"]  # (784, H), owned by the network
        self.b1 = network.params["b1"]  # (H,)
        self.momentum = optimizer.momentum if isinstance(optimizer, Momentum) else None
        self.v1 = optimizer.velocity("W1", self.W1) if self.momentum is not None else None  # (784, H)
        self.steps_done = 0
        self.current_through = np.zeros(self.W1.shape[0], dtype=np.int64)  # (784,) step each row is current through
        self.rest_params = {k: p for k, p in network.params.items() if k != "W1"}
        self.rest_layers = network.layers[1:]
        self.scratch = np.empty_like(self.W1)  # (784, H) room for (n, H) temporaries, so no step allocates them

    def _catch_up(self, Wn: np.ndarray, vn: np.ndarray, skipped: np.ndarray) -> None:
        """Apply ``skipped`` (n,) decay-only momentum steps to rows ``Wn``/``vn`` (n, H) in place."""
        m = self.momentum
        mk = m ** skipped.astype(np.float64)  # (n,)
        moved = skipped.astype(np.float64) if m == 1.0 else m * (1.0 - mk) / (1.0 - m)  # (n,)
        Wn += np.multiply(moved[:, None], vn, out=self.scratch[: len(vn)])
        vn *= mk[:, None]

    def step(self, x: np.ndarray, t: np.ndarray) -> float:
        """One step on one sample ``x`` (784,) with target ``t`` (1, C); returns its loss.

        A non-finite loss is returned without changing any parameter.
        """
        nz = np.flatnonzero(x)  # indices of the non-zero pixels
        xn = x[nz]  # (n,)
        Wn = np.take(self.W1, nz, axis=0)  # (n, H) copy of the rows in use
        vn = None
        if self.momentum is not None:
            vn = np.take(self.v1, nz, axis=0)  # (n, H)
            self._catch_up(Wn, vn, self.steps_done - self.current_through[nz])

        h = linalg.forward(xn[None, :], Wn)  # (1, H): the first Affine's output
        h += self.b1
        for layer in self.rest_layers:
            h = layer.forward(h)
        loss = self.net.loss.forward(h, t)
        if not np.isfinite(loss):
            return loss

        dout = self.net.loss.backward()
        for layer in reversed(self.rest_layers):
            dout = layer.backward(dout)
        dh1 = dout[0]  # (H,) gradient at the first Affine's output

        grads = self.net.grads()
        grads["b1"] = dh1
        self.opt.update(self.rest_params, grads)

        # (n, H): -lr times the non-zero rows of dW1 = outer(xn, dh1)
        step = np.multiply((xn * -self.opt.lr)[:, None], dh1, out=self.scratch[: len(xn)])
        if vn is not None:
            vn *= self.momentum
            vn += step
            Wn += vn
            self.v1[nz] = vn
        else:
            Wn += step
        self.W1[nz] = Wn
        self.steps_done += 1
        self.current_through[nz] = self.steps_done
        return loss

    def flush(self) -> None:
        """Bring every row of ``W1`` and its velocity up to date (call before reading ``W1``)."""
        if self.momentum is not None:
            stale = np.flatnonzero(self.current_through < self.steps_done)
            if stale.size:
                Wn = self.W1[stale]
                vn = self.v1[stale]
                self._catch_up(Wn, vn, self.steps_done - self.current_through[stale])
                self.W1[stale] = Wn
                self.v1[stale] = vn
        self.current_through[:] = self.steps_done
