"""The extension API: add your own activation, loss or optimizer, and train with it.

A component follows the interface of the built-in ones:

- an **activation** is a class whose ``__init__`` takes no argument, with ``forward(x) -> y`` and
  ``backward(dout) -> dx``, both (N, H) arrays (see :mod:`pycore.layers`);
- a **loss** has ``forward(y, t) -> float`` (outputs and one-hot targets, (N, C)) and
  ``backward() -> dy`` (N, C), and may say ``outputs = "probabilities"`` when people should see
  softmax of the outputs (see :mod:`pycore.losses`); ``"scores"`` otherwise;
- an **optimizer** is built as ``cls(lr)`` and changes every array of ``params`` in place in
  ``update(params, grads)`` (dicts of arrays with the same keys, see :mod:`pycore.optimizers`);
  it keeps its learning rate in ``self.lr`` (a schedule changes it).

>>> class Square:
...     def forward(self, x):
...         self.x = x
...         return x * x
...     def backward(self, dout):
...         return 2 * self.x * dout
>>> register_activation("square", Square)
>>> "square" in layers.ACTIVATIONS
True
>>> forget_custom()

A registered name can then be chosen like a built-in one, in the page's training form, in
:class:`~pycore.network.NetworkConfig` and in :class:`~pycore.trainer.TrainConfig`. Registering
checks the shapes of one small call; :mod:`pycore.gradcheck` checks that ``backward`` is right.
"""

from __future__ import annotations

import re

import numpy as np

from . import layers, losses, optimizers
from .errors import ExtensionError

# kind -> (the registry, the methods its classes must have)
KINDS: dict[str, tuple[dict[str, type], tuple[str, ...]]] = {
    "activation": (layers.ACTIVATIONS, ("forward", "backward")),
    "loss": (losses.LOSSES, ("forward", "backward")),
    "optimizer": (optimizers.OPTIMIZERS, ("update",)),
}
BUILT_IN = {kind: tuple(registry) for kind, (registry, _) in KINDS.items()}
NAME = re.compile(r"[a-z][a-z0-9_]{0,23}")  # a name goes into menus, links and model files
LABELS: dict[str, str] = {}  # a registered name -> the words the page shows for it
MAX_LABEL = 40


def register_activation(name: str, cls: type, label: str | None = None) -> None:
    """Add the activation class ``cls`` as ``name`` (lower case, digits, ``_``); ``label`` is shown in menus."""
    _register("activation", name, cls, label)


def register_loss(name: str, cls: type, label: str | None = None) -> None:
    """Add the loss class ``cls`` as ``name``; ``label`` is shown in menus."""
    _register("loss", name, cls, label)


def register_optimizer(name: str, cls: type, label: str | None = None) -> None:
    """Add the optimizer class ``cls`` as ``name``; ``label`` is shown in menus."""
    _register("optimizer", name, cls, label)


def custom() -> dict[str, list[str]]:
    """The registered (not built-in) names of each kind."""
    return {kind: [n for n in registry if n not in BUILT_IN[kind]] for kind, (registry, _) in KINDS.items()}


def forget_custom() -> None:
    """Remove every registered component: only the built-in ones stay."""
    for kind, (registry, _) in KINDS.items():
        for name in [n for n in registry if n not in BUILT_IN[kind]]:
            del registry[name]
    LABELS.clear()


def _register(kind: str, name: str, cls: type, label: str | None) -> None:
    registry, methods = KINDS[kind]
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ExtensionError(
            f"{kind} name {name!r}: use 1 to 24 lower-case letters, digits or _, starting with a letter"
        )
    if name in BUILT_IN[kind]:
        raise ExtensionError(f"{name!r} is a built-in {kind}; give yours another name")
    if not isinstance(cls, type):
        raise ExtensionError(f"register_{kind}({name!r}, …) takes a class, not {type(cls).__name__}")
    missing = [m for m in methods if not callable(getattr(cls, m, None))]
    if missing:
        needs = ", ".join(methods)
        raise ExtensionError(f"{cls.__name__} has no {' or '.join(missing)} method; a {kind} needs {needs}")
    if label is not None and not (isinstance(label, str) and 0 < len(label.strip()) <= MAX_LABEL):
        raise ExtensionError(f"the label of {name!r} must be 1 to {MAX_LABEL} characters")
    if kind == "loss":
        outputs = getattr(cls, "outputs", "scores")
        if outputs not in ("scores", "probabilities"):
            raise ExtensionError(f"{cls.__name__}.outputs must be 'scores' or 'probabilities', not {outputs!r}")
        cls.outputs = outputs
    TRIALS[kind](cls)
    registry[name] = cls
    LABELS[name] = label.strip() if label else name


def _shape_error(cls: type, call: str, got: object, want: tuple[int, ...]) -> ExtensionError:
    shape = getattr(got, "shape", None)
    what = f"shape {shape}" if shape is not None else type(got).__name__
    return ExtensionError(f"{cls.__name__}.{call} returned {what}; it must return an array of shape {want}")


def _try_activation(cls: type) -> None:
    """One small forward and backward: the shapes must be the input's."""
    layer = cls()
    x = np.linspace(-2.0, 2.0, 12).reshape(2, 6)
    y = layer.forward(x.copy())
    if getattr(y, "shape", None) != x.shape:
        raise _shape_error(cls, "forward(x)", y, x.shape)
    dx = layer.backward(np.ones_like(x))
    if getattr(dx, "shape", None) != x.shape:
        raise _shape_error(cls, "backward(dout)", dx, x.shape)


def _try_loss(cls: type) -> None:
    """One small forward and backward: a number, then a gradient shaped like the outputs."""
    loss = cls()
    y = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    t = np.eye(3)[[0, 2]]
    value = loss.forward(y, t)
    try:
        float(value)
    except (TypeError, ValueError):
        got = type(value).__name__
        raise ExtensionError(f"{cls.__name__}.forward(y, t) returned {got}; it must return a number") from None
    dy = loss.backward()
    if getattr(dy, "shape", None) != y.shape:
        raise _shape_error(cls, "backward()", dy, y.shape)


def _try_optimizer(cls: type) -> None:
    """Built with a learning rate, one update of a small parameter must change it in place."""
    optimizer = cls(0.1)
    if not hasattr(optimizer, "lr"):
        raise ExtensionError(f"{cls.__name__} must keep its learning rate in self.lr")
    W = np.ones((2, 3))
    optimizer.update({"W1": W}, {"W1": np.ones((2, 3))})
    if np.array_equal(W, np.ones((2, 3))):
        raise ExtensionError(f"{cls.__name__}.update(params, grads) must change params' arrays in place (p -= …)")


TRIALS = {"activation": _try_activation, "loss": _try_loss, "optimizer": _try_optimizer}
