"""Training loop: the seed's one-sample-per-step loop, mini-batches and epochs, run in chunks.

A :class:`Trainer` runs a fixed number of steps. Call :meth:`Trainer.run_chunk` repeatedly
(the browser worker does, yielding between chunks so a Stop message gets through) or
:meth:`Trainer.run` to go to the end. Progress goes to a callback, never to ``print``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from . import augment, mnist
from .errors import ConfigError
from .layers import SparseInputAffine
from .messages import Message, fields
from .network import Network
from .optimizers import OPTIMIZERS, SGD, Momentum, make_optimizer

MOVING_AVERAGE_STEPS = 100  # window of the loss's moving average
LR_SCHEDULES = ("constant", "linear")  # linear: from lr down to 0 over the whole run
# Inclusive ranges of the numeric settings. The page's form takes its limits from here.
LIMITS: dict[str, tuple[float, float]] = {
    "samples": (1, 60_000),  # MNIST has 60,000 training images
    "epochs": (1, 100),
    "batch_size": (1, 1000),
    "lr": (1e-6, 10.0),
    "momentum": (0.0, 0.999),
    "label_smoothing": (0.0, 0.9),
    "seed": (0, 2**32 - 1),
}
WHOLE_NUMBERS = ("samples", "epochs", "batch_size", "seed")


def target_rows(classes: int, label_smoothing: float, dtype: str | np.dtype) -> np.ndarray:
    """The training target of each class, (C, C): the one-hot rows, label-smoothed as
    ``(1 - ε)·one-hot + ε/C`` when ``label_smoothing`` (ε) is not 0."""
    rows = np.eye(classes, dtype=dtype)
    if label_smoothing:
        rows = rows * (1.0 - label_smoothing) + label_smoothing / classes
    return rows


@dataclass(frozen=True)
class TrainConfig:
    """How to train. The defaults are the seed experiment."""

    samples: int = 5000  # training images used: the first N of the chosen classes, in dataset order
    epochs: int = 1  # passes over those images
    batch_size: int = 1  # images per step (the seed: 1)
    optimizer: str = "momentum"  # sgd | momentum | adagrad | adam
    lr: float = 0.01  # learning rate (of the first step)
    lr_schedule: str = "constant"  # constant | linear: falls in a straight line to 0 at the last step
    momentum: float = 0.9  # for the momentum optimizer
    shuffle: bool = False  # reshuffle the images every epoch (the seed keeps dataset order)
    label_smoothing: float = 0.0  # train towards (1 - ε)·one-hot + ε/C instead of the one-hot targets
    seed: int = 0  # seeds the weights, the shuffling and the augmentation
    augment: str = "off"  # off | light | strong: random distortions of every batch (pycore.augment.STRENGTHS)
    fast: bool = True  # skip zero pixels when it is exact (batch 1, SGD or Momentum)

    def __post_init__(self) -> None:
        for name, (lo, hi) in LIMITS.items():
            value = getattr(self, name)
            kind = Message("trainer.whole_number" if name in WHOLE_NUMBERS else "trainer.number")
            ok_type = isinstance(value, int) if name in WHOLE_NUMBERS else isinstance(value, (int, float))
            if isinstance(value, bool) or not ok_type or not (math.isfinite(value) and lo <= value <= hi):
                label = Message(f"setting.{name}")
                raise ConfigError("trainer.out_of_range", label=label, kind=kind, min=lo, max=hi, value=value)
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError("trainer.unknown_optimizer", name=self.optimizer, choices=list(OPTIMIZERS))
        if self.augment not in augment.LEVELS:
            raise ConfigError("trainer.unknown_augment", name=self.augment, choices=list(augment.LEVELS))
        if self.lr_schedule not in LR_SCHEDULES:
            raise ConfigError("trainer.unknown_schedule", name=self.lr_schedule, choices=list(LR_SCHEDULES))

    def to_dict(self) -> dict:
        """The settings as a plain dict (for model notes and the page)."""
        return asdict(self)


@dataclass
class Progress:
    """A report after each chunk of steps."""

    step: int  # steps finished
    total: int  # steps in the whole run
    epoch: int  # current epoch, from 1
    loss: float  # loss of the last finished step
    avg_loss: float  # mean loss of the last MOVING_AVERAGE_STEPS steps
    samples_per_sec: float
    lr: float  # the schedule's rate now: of the next step (of the last one once the run is over)
    elapsed: float  # seconds spent in steps so far
    state: str  # running | done | stopped | diverged
    message: str = ""  # a pycore.messages.Message (English as a str, with its key and parameters) or ""
    first_step: int = 0  # losses[i] is the loss of step first_step + i + 1
    losses: np.ndarray = field(default_factory=lambda: np.zeros(0))  # this chunk's per-step losses
    averages: np.ndarray = field(default_factory=lambda: np.zeros(0))  # the moving average at each step

    def to_dict(self) -> dict:
        """A plain dict for the page (the arrays as lists)."""
        d = asdict(self)
        d["losses"] = self.losses.tolist()
        d["averages"] = self.averages.tolist()
        d.update(fields("message", self.message))  # English, and the key and parameters the page says it from
        return d


class Trainer:
    """Trains ``network`` on uint8 ``images`` (N, 784) or (N, 28, 28) with digit ``labels`` (N,).

    The images stay uint8: each mini-batch is distorted (if ``config.augment`` asks for it, by
    :func:`pycore.augment.augment`), scaled to 0..1 in the network's dtype, and its
    targets (one-hot over the network's classes, label-smoothed if asked) are built, when it is
    used, in buffers made once. So a run holds no float copy of the dataset.
    """

    def __init__(
        self,
        network: Network,
        images: np.ndarray,
        labels: np.ndarray,
        config: TrainConfig | None = None,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.config = config or TrainConfig()
        if len(images) != len(labels):
            raise ConfigError("trainer.images_labels", images=len(images), labels=len(labels))
        n = min(self.config.samples, len(images))
        self.net = network
        self.samples = n  # images used
        self.images = mnist.flat_pixels(images)[:n]  # (n, 784) uint8, not copied
        # (n,) the output of each image; indices are np.intp, as np.take needs (32 bits in Pyodide)
        self.index = mnist.class_index(labels[:n], network.config.classes).astype(np.intp)
        self.target_rows = target_rows(len(network.config.classes), self.config.label_smoothing, network.dtype)
        size = min(self.config.batch_size, n)
        self._pixels = np.empty((size, self.images.shape[1]), dtype=np.uint8)  # the batch's pixels
        self._x = np.empty((size, self.images.shape[1]), dtype=network.dtype)  # ... scaled to 0..1
        self._t = np.empty((size, len(self.target_rows)), dtype=network.dtype)  # ... and their targets
        self.on_progress = on_progress
        self.optimizer = make_optimizer(self.config.optimizer, self.config.lr, self.config.momentum)
        # Whether the updates of the first layer's weights leave out the rows of the zero pixels
        # (its gradient is then a RowGrad): SGD and Momentum can; AdaGrad and Adam move every row.
        # Only without augmentation (the seed's path): distorted images have few exact zeros.
        self.fast = (
            self.config.fast
            and self.config.augment == "off"
            and isinstance(network.affines[0], SparseInputAffine)
            and type(self.optimizer) in (SGD, Momentum)  # not a subclass: it may not take a RowGrad
        )
        self.rng = np.random.default_rng([self.config.seed, 1])  # the shuffling
        self.augment_rng = np.random.default_rng([self.config.seed, 2])  # the distortions (apart, so the order stays)
        self.steps_per_epoch = math.ceil(n / self.config.batch_size)
        self.total = self.steps_per_epoch * self.config.epochs
        self.losses = np.zeros(self.total)  # loss of every finished step
        self.step = 0
        self.elapsed = 0.0
        self.state = "ready"
        self.message = ""
        self._order: np.ndarray | None = None  # shuffled runs: the images' order in the current epoch

    @property
    def finished(self) -> bool:
        return self.state in ("done", "stopped", "diverged")

    def _batch(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """Inputs (B, 784) and targets (B, C) of step ``step``, in the trainer's buffers (valid until the next call)."""
        within = step % self.steps_per_epoch
        lo, hi = within * self.config.batch_size, (within + 1) * self.config.batch_size
        if self.config.shuffle:
            if within == 0:
                self._order = self.rng.permutation(self.samples).astype(np.intp, copy=False)
            idx = self._order[lo:hi]
            pixels = np.take(self.images, idx, axis=0, out=self._pixels[: len(idx)], mode="clip")  # clip: unbuffered
            index = self.index[idx]
        else:  # dataset order: the batch is a run of rows
            pixels, index = self.images[lo:hi], self.index[lo:hi]
        if self.config.augment != "off":
            pixels = augment.augment(pixels, self.augment_rng, self.config.augment)  # (B, 784) uint8, a new array
        x = mnist.scale_pixels(pixels, out=self._x[: len(pixels)])
        if len(index) == 1:  # one image a step (the seed): its target row itself
            return x, self.target_rows[index[0] : index[0] + 1]
        return x, np.take(self.target_rows, index, axis=0, out=self._t[: len(index)], mode="clip")

    def _step(self, xb: np.ndarray, tb: np.ndarray) -> float:
        """One step: forward, loss, backward, update. A loss that is not finite changes nothing."""
        loss = self.net.forward_loss(xb, tb)
        if np.isfinite(loss):
            self.optimizer.update(self.net.params, self.net.backward(rows=self.fast))
        return loss

    def _hold_first_layer(self) -> None:
        """While a chunk runs, Momentum holds the first layer's weights in position/velocity form
        (see :class:`~pycore.optimizers.PositionVelocity`), where it has one."""
        layer = self.net.affines[0]
        hold = getattr(self.optimizer, "hold", None)
        if self.fast and hold:
            layer.held = hold("W1", layer.W)

    def _release_first_layer(self) -> None:
        """Write the first layer's weights and velocity back and let go of them: outside a chunk,
        ``W1`` is the network's own array again (it may be read, or changed, between chunks)."""
        layer = getattr(self.net.affines[0], "held", None)
        if layer is not None:
            self.net.affines[0].held = None
            self.optimizer.release("W1")

    def learning_rate(self, step: int) -> float:
        """The learning rate of step ``step`` (counted from 0) under the configured schedule."""
        if self.config.lr_schedule == "linear":
            return self.config.lr * (1.0 - step / self.total)
        return self.config.lr

    def moving_averages(self, lo: int, hi: int) -> np.ndarray:
        """``moving_average(upto)`` for every ``upto`` in ``range(lo, hi)``, from one running sum."""
        start = max(0, lo - MOVING_AVERAGE_STEPS)
        sums = np.concatenate(
            ([0.0], np.cumsum(self.losses[start : max(start, hi - 1)]))
        )  # sums[i]: losses[start:start+i]
        upto = np.arange(lo, hi)
        first = np.maximum(0, upto - MOVING_AVERAGE_STEPS)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (sums[upto - start] - sums[first - start]) / (upto - first)

    def moving_average(self, upto: int) -> float:
        """Mean loss of the ``MOVING_AVERAGE_STEPS`` steps ending at step ``upto``."""
        lo = max(0, upto - MOVING_AVERAGE_STEPS)
        return float(self.losses[lo:upto].mean()) if upto > lo else float("nan")

    def run_chunk(self, steps: int = 200) -> Progress:
        """Run up to ``steps`` steps, then report. The weights are exact between chunks."""
        if self.finished:
            return self.progress(self.step)
        self.state = "running"
        first = self.step
        start = time.perf_counter()
        end = min(self.total, self.step + steps)
        self._hold_first_layer()
        try:
            self._run_steps(end)
            if self.state == "running" and self.step >= self.total:
                self.state = "done"
        finally:  # W1 is current again even after an error (a MemoryError, Ctrl-C)
            self._release_first_layer()
        self.net.check_params()  # a Lab optimizer must change the weights in place
        self.elapsed += time.perf_counter() - start
        return self.progress(first)

    def _run_steps(self, end: int) -> None:
        """Steps until step ``end`` or a loss that is not a finite number (the run diverged)."""
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported here
            while self.step < end:
                xb, tb = self._batch(self.step)
                self.optimizer.lr = self.learning_rate(self.step)
                loss = self._step(xb, tb)
                if not np.isfinite(loss):
                    self.state = "diverged"
                    self.message = Message("trainer.diverged", step=self.step + 1, loss=float(loss))
                    break
                self.losses[self.step] = loss
                self.step += 1

    def problem(self) -> str:
        """Why the trained network is not worth keeping ("" if it is): the run diverged, made no
        step, or left outputs that are not usable numbers (see :func:`model_io.output_problem`)."""
        from .model_io import output_problem  # model_io needs the network module only; imported late on purpose

        if self.state == "diverged":
            return self.message
        if self.step == 0:
            return Message("trainer.no_step")
        return output_problem(self.net)

    def stop(self) -> Progress:
        """Stop between chunks; the weights of the last finished step stay."""
        if not self.finished:
            self.state = "stopped"
            self.message = Message("trainer.stopped", step=self.step, total=self.total)
        return self.progress(self.step)

    def run(self, chunk_steps: int = 200, should_stop: Callable[[], bool] | None = None) -> Progress:
        """Run to the end (or until ``should_stop()`` is true between chunks)."""
        progress = self.progress(self.step)
        while not self.finished:
            if should_stop is not None and should_stop():
                progress = self.stop()
                if self.on_progress:
                    self.on_progress(progress)
                break
            progress = self.run_chunk(chunk_steps)
            if self.on_progress:
                self.on_progress(progress)
        return progress

    def progress(self, first_step: int) -> Progress:
        losses = self.losses[first_step : self.step].copy()
        averages = self.moving_averages(first_step + 1, self.step + 1)
        return Progress(
            step=self.step,
            total=self.total,
            epoch=min(self.config.epochs, self.step // self.steps_per_epoch + 1),
            loss=float(self.losses[self.step - 1]) if self.step else float("nan"),
            avg_loss=self.moving_average(self.step),
            samples_per_sec=(self.step * self.config.batch_size / self.elapsed) if self.elapsed > 0 else 0.0,
            lr=self.learning_rate(min(self.step, self.total - 1)),
            elapsed=self.elapsed,
            state=self.state,
            message=self.message,
            first_step=first_step,
            losses=losses,
            averages=averages,
        )

    def __repr__(self) -> str:
        path = "fast" if self.fast else "plain"
        return f"Trainer({self.optimizer!r}, step {self.step}/{self.total}, {path} path, {self.state})"
