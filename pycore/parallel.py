"""Data parallelism: several workers share every mini-batch of one training run.

Each worker holds the same network and the same :class:`~pycore.trainer.Trainer` (same settings,
same seed), so all of them draw the same batches. For each step, worker ``k`` of ``K`` takes its
slice of the batch and computes the gradient of the batch's mean loss restricted to its rows::

    g_k = (n_k / N) · ∇ mean(loss over its n_k rows)        so that   Σ_k g_k = ∇ mean(loss over N)

The workers swap their ``g_k`` (flattened into one array, the weighted loss last), add them up in
shard order, and every worker applies the same optimizer update to the same sum: their weights stay
identical, and equal to a single worker's up to floating-point rounding
(``tests/unit/test_parallel.py`` checks both). In the browser, two Web Workers with one Pyodide
each use two CPU cores this way (``web/worker.js``).
"""

from __future__ import annotations

import time

import numpy as np

from .errors import ConfigError
from .trainer import Trainer


class ShardedSteps:
    """Training steps of ``trainer`` done together with ``shards - 1`` other workers; this one is ``shard``."""

    def __init__(self, trainer: Trainer, shard: int, shards: int) -> None:
        if not 0 <= shard < shards:
            raise ConfigError(f"shard {shard} is not one of 0..{shards - 1}")
        if trainer.fast is not None:
            raise ConfigError("one-sample steps (the seed's fast path) are not shared between workers")
        self.trainer = trainer
        self.shard = shard
        self.shards = shards
        params = trainer.net.params
        self.size = sum(p.size for p in params.values()) + 1  # every parameter, then the loss
        self.own: np.ndarray | None = None  # (size,) this worker's part of the current step
        self._started = 0.0

    def gradient(self) -> np.ndarray:
        """This worker's weighted gradient and loss for the current step, flattened: (size,)."""
        tr = self.trainer
        if tr.finished:
            raise ConfigError("the training run has finished")
        self._started = time.perf_counter()
        tr.state = "running"
        xb, tb = tr._batch(tr.step)
        n = xb.shape[0]
        lo, hi = self.shard * n // self.shards, (self.shard + 1) * n // self.shards
        out = np.zeros(self.size, dtype=tr.net.dtype)
        if hi > lo:
            weight = (hi - lo) / n
            with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported by apply
                loss = tr.net.forward_loss(xb[lo:hi], tb[lo:hi])
                offset = 0
                for g in tr.net.backward().values():
                    np.multiply(g.ravel(), weight, out=out[offset : offset + g.size])
                    offset += g.size
            out[-1] = weight * loss
        self.own = out
        return out

    def apply(self, parts: list[np.ndarray]) -> None:
        """Add up every worker's part (in shard order, ``parts[self.shard]`` being this one's)
        and take the optimizer step with the sum."""
        tr = self.trainer
        if len(parts) != self.shards or any(p.shape != (self.size,) for p in parts):
            raise ConfigError(f"expected {self.shards} gradient parts of {self.size} numbers")
        total = parts[0].astype(tr.net.dtype, copy=True)
        for part in parts[1:]:
            total += part
        loss = float(total[-1])
        if not (np.isfinite(loss) and np.isfinite(total).all()):
            tr.state = "diverged"
            tr.message = (
                f"training diverged at step {tr.step + 1}: the loss became {loss}; "
                f"the weights of step {tr.step} are kept. Try a smaller learning rate."
            )
        else:
            grads, offset = {}, 0
            for key, p in tr.net.params.items():
                grads[key] = total[offset : offset + p.size].reshape(p.shape)
                offset += p.size
            tr.optimizer.lr = tr.learning_rate(tr.step)
            tr.optimizer.update(tr.net.params, grads)
            tr.losses[tr.step] = loss
            tr.step += 1
            if tr.step >= tr.total:
                tr.state = "done"
        tr.elapsed += time.perf_counter() - self._started
        self.own = None

    def apply_with(self, others: list[np.ndarray]) -> None:
        """:meth:`apply` with this worker's own part and the others' (in shard order, without this one)."""
        if self.own is None:
            raise ConfigError("no gradient computed for this step yet")
        parts = list(others)
        parts.insert(self.shard, self.own)
        self.apply(parts)
