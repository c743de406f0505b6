"""Accuracy, confusion matrix and per-image predictions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mnist import class_index
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


def evaluate(network: Network, x: np.ndarray, labels: np.ndarray, batch: int = 1000) -> Evaluation:
    """Predict every image of ``x`` (N, 784) and compare with the digit ``labels`` (N,)."""
    classes = tuple(network.config.classes)
    scores = (
        np.concatenate([network.scores(x[i : i + batch]) for i in range(0, len(x), batch)])
        if len(x)
        else np.zeros((0, len(classes)))
    )
    pred_index = scores.argmax(axis=1)
    true_index = class_index(labels, classes)
    confusion = np.zeros((len(classes), len(classes)), dtype=np.int64)
    np.add.at(confusion, (true_index, pred_index), 1)
    predicted = np.asarray(classes)[pred_index]
    return Evaluation(classes, np.asarray(labels), predicted, scores, confusion)
