"""Numerical gradient checks: is a layer's or a loss's ``backward`` the derivative of its ``forward``?

The book checks backpropagation against the numerical derivative, ``(f(x + h) − f(x − h)) / 2h``,
element by element. For an activation, ``f`` is ``Σ forward(x) · R`` with a fixed random ``R``,
whose gradient is ``backward(R)``; for a loss, ``f`` is ``forward(y, t)`` and its gradient
``backward()``. The relative error of each element is ``|a − n| / max(|a|, |n|)`` (0 where both
are 0); a correct backward gives about 1e-8 or less in float64.

>>> from pycore.layers import Tanh
>>> check_activation(Tanh).passed
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from . import extend
from .errors import ExtensionError
from .messages import Message, fields

H = 1e-5  # the step of the central difference
TOLERANCE = 1e-5  # largest relative error of a correct backward
SHAPE = (4, 6)  # the batch checked: N samples, H units (or C classes)


@dataclass(frozen=True)
class GradCheck:
    """The outcome of one check, with the element that agrees least."""

    name: str
    max_relative_error: float
    index: tuple[int, int]  # (sample, unit) of that element
    value: float  # the input there
    analytic: float  # what backward gave there
    numeric: float  # the numerical derivative there
    passed: bool
    explanation: str  # a pycore.messages.Message: English, with the key and parameters the page says it from

    def to_dict(self) -> dict:
        """A JSON-ready dict (``explanation`` in English, with ``explanation_key`` and ``_params``)."""
        return {**asdict(self), **fields("explanation", self.explanation)}


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> np.ndarray:
    """``|a − n| / max(|a|, |n|)`` element by element, 0 where both are 0."""
    scale = np.maximum(np.abs(analytic), np.abs(numeric))
    return np.divide(np.abs(analytic - numeric), scale, out=np.zeros_like(scale), where=scale > 0)


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = H) -> np.ndarray:
    """The central difference ``(f(x + h) − f(x − h)) / 2h`` of the scalar function ``f`` at every
    element of ``x`` (changed in place one element at a time, and restored)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        kept = x[i]
        x[i] = kept + h
        up = f(x)
        x[i] = kept - h
        down = f(x)
        x[i] = kept
        grad[i] = (up - down) / (2 * h)
    return grad


def check_activation(cls: type, seed: int = 0) -> GradCheck:
    """Check ``cls().backward`` against the numerical derivative of ``cls().forward``.

    Inputs are drawn away from 0 (|x| from 0.1 to 2), where ReLU-like functions have a kink and
    no derivative.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.1, 2.0, SHAPE) * rng.choice([-1.0, 1.0], SHAPE)
    R = rng.standard_normal(SHAPE)
    layer = cls()
    layer.forward(x.copy())
    analytic = _as_array(layer.backward(R.copy()), cls, "backward(dout)")
    numeric = numerical_gradient(lambda z: float(np.sum(cls().forward(z.copy()) * R)), x)
    return _verdict(cls.__name__, x, analytic, numeric, "backward(dout)", "Σ forward(x)·dout")


def check_loss(cls: type, seed: int = 0) -> GradCheck:
    """Check ``cls().backward()`` against the numerical derivative of ``cls().forward(y, t)``."""
    rng = np.random.default_rng(seed)
    y = rng.standard_normal(SHAPE)
    t = np.eye(SHAPE[1])[rng.integers(0, SHAPE[1], SHAPE[0])]
    loss = cls()
    loss.forward(y.copy(), t)
    analytic = _as_array(loss.backward(), cls, "backward()")
    numeric = numerical_gradient(lambda z: float(cls().forward(z.copy(), t)), y)
    return _verdict(cls.__name__, y, analytic, numeric, "backward()", "forward(y, t)")


KINDS = ("activation", "loss")  # what can be checked (kinds of pycore.extend.KINDS)


def check(kind: str, name: str) -> GradCheck:
    """Check the ``kind`` (``"activation"`` or ``"loss"``) registered as ``name``."""
    if kind not in KINDS:
        raise ExtensionError("gradcheck.kind", kind=kind)
    registry = extend.KINDS[kind][0]
    if name not in registry:
        raise ExtensionError("gradcheck.no_such", kind=Message(f"component.{kind}"), name=name)
    return (check_activation if kind == "activation" else check_loss)(registry[name])


def _as_array(value: object, cls: type, call: str) -> np.ndarray:
    if getattr(value, "shape", None) != SHAPE:
        shape = getattr(value, "shape", type(value).__name__)
        raise ExtensionError("extend.shape", cls=cls.__name__, call=call, got=str(shape), want=str(SHAPE))
    return np.asarray(value, dtype=np.float64)


def _verdict(name: str, x: np.ndarray, analytic: np.ndarray, numeric: np.ndarray, call: str, f: str) -> GradCheck:
    if not np.isfinite(analytic).all():
        i = tuple(int(k) for k in np.argwhere(~np.isfinite(analytic))[0])
        return GradCheck(
            name, float("inf"), i, float(x[i]), float(analytic[i]), float(numeric[i]), False,
            Message("gradcheck.not_number", call=call, got=float(analytic[i]), index=str(i), input=float(x[i])),
        )  # fmt: skip
    errors = relative_error(analytic, numeric)
    i = tuple(int(k) for k in np.unravel_index(int(np.argmax(errors)), errors.shape))
    worst = float(errors[i])
    passed = worst <= TOLERANCE
    if passed:
        text = Message("gradcheck.passed", call=call, error=worst, tolerance=TOLERANCE)
    else:
        text = Message(
            "gradcheck.failed", call=call, f=f, index=str(i), input=float(x[i]), analytic=float(analytic[i]),
            numeric=float(numeric[i]), error=worst, tolerance=TOLERANCE,
        )  # fmt: skip
    return GradCheck(name, worst, i, float(x[i]), float(analytic[i]), float(numeric[i]), passed, text)
