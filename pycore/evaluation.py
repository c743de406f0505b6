"""Accuracy, confusion matrix and per-image predictions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .mnist import class_index, flat_pixels, scale_pixels
from .network import Network


@dataclass
class Evaluation:
    """How a network did on labelled images."""

    classes: tuple[int, ...]  # the digit of each output
    labels: np.ndarray  # (N,) true digits
    predicted: np.ndarray  # (N,) predicted digits
    scores: np.ndarray  # (N, C) raw scores (MSE) or probabilities (softmax)
    confusion: np.ndarray  # (C, C) counts; row = true digit, column = predicted digit

    @property
    def correct(self) -> int:
        return int((self.labels == self.predicted).sum())

    @property
    def total(self) -> int:
        return len(self.labels)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else float("nan")

    def mistakes(self) -> np.ndarray:
        """Indices of the wrongly predicted images."""
        return np.flatnonzero(self.labels != self.predicted)

    def __repr__(self) -> str:
        return f"Evaluation({self.correct}/{self.total} = {100 * self.accuracy:.2f} %)"


def evaluate(
    network: Network,
    images: np.ndarray,
    labels: np.ndarray,
    batch: int = 1000,
    heartbeat: Callable[[], object] | None = None,
) -> Evaluation:
    """Predict every one of the uint8 ``images`` (N, 784) or (N, 28, 28) and compare with the digit
    ``labels`` (N,). The images are scaled to 0..1 ``batch`` at a time, into one buffer;
    ``heartbeat``, if given, is called after each batch (a long check still shows signs of life)."""
    classes = tuple(network.config.classes)
    pixels = flat_pixels(images)
    scores = np.zeros((len(pixels), len(classes)), dtype=network.dtype if len(pixels) else np.float64)
    x = np.empty((min(batch, len(pixels)), pixels.shape[1]), dtype=network.dtype)
    for i in range(0, len(pixels), batch):
        part = pixels[i : i + batch]
        scores[i : i + len(part)] = network.scores(scale_pixels(part, network.dtype, out=x[: len(part)]))
        if heartbeat is not None:
            heartbeat()
    pred_index = scores.argmax(axis=1)
    true_index = class_index(labels, classes)
    confusion = np.zeros((len(classes), len(classes)), dtype=np.int64)
    np.add.at(confusion, (true_index, pred_index), 1)
    predicted = np.asarray(classes)[pred_index]
    return Evaluation(classes, np.asarray(labels), predicted, scores, confusion)
