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

import inspect
import re

import numpy as np

from . import layers, losses, optimizers
from .errors import ExtensionError
from .messages import Message

# kind -> (the registry, the methods its classes must have)
KINDS: dict[str, tuple[dict[str, type], tuple[str, ...]]] = {
    "activation": (layers.ACTIVATIONS, ("forward", "backward")),
    "loss": (losses.LOSSES, ("forward", "backward")),
    "optimizer": (optimizers.OPTIMIZERS, ("update",)),
}
BUILT_IN: dict[str, dict[str, type]] = {kind: dict(registry) for kind, (registry, _) in KINDS.items()}
MAX_NAME = 24
NAME = re.compile(rf"[a-z][a-z0-9_]{{0,{MAX_NAME - 1}}}")  # a name goes into menus, links and model files
LABELS: dict[tuple[str, str], str] = {}  # (kind, registered name) -> the words the page shows for it
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


def is_built_in(kind: str, name: str) -> bool:
    """Whether ``name`` is one of pycore's own components of ``kind``."""
    return name in BUILT_IN.get(kind, {})


def custom() -> dict[str, list[str]]:
    """The registered (not built-in) names of each kind."""
    return {kind: [n for n in registry if not is_built_in(kind, n)] for kind, (registry, _) in KINDS.items()}


def label(kind: str, name: str) -> str | None:
    """The label a registered component was given (``None`` for a built-in one, or a menu that
    takes no components)."""
    return None if kind not in KINDS or is_built_in(kind, name) else LABELS.get((kind, name), name)


def forget_custom() -> None:
    """Make every registry exactly the built-in components again (also undoing a built-in one
    removed or replaced by hand)."""
    restore((BUILT_IN, {}))


def built_ins_changed() -> bool:
    """Whether a built-in component is missing from its registry or was replaced."""
    return any(
        KINDS[kind][0].get(name) is not cls for kind, built_in in BUILT_IN.items() for name, cls in built_in.items()
    )


def restore_built_ins() -> None:
    """Put every built-in component back in its registry (registered ones stay), first in the menus."""
    for kind, (registry, _) in KINDS.items():
        kept = {name: cls for name, cls in registry.items() if not is_built_in(kind, name)}
        registry.clear()
        registry.update(BUILT_IN[kind])
        registry.update(kept)


def snapshot() -> tuple[dict[str, dict[str, type]], dict[tuple[str, str], str]]:
    """What is registered now, for :func:`restore`."""
    return {kind: dict(registry) for kind, (registry, _) in KINDS.items()}, dict(LABELS)


def restore(saved: tuple[dict[str, dict[str, type]], dict[tuple[str, str], str]]) -> None:
    """Register exactly what :func:`snapshot` saw."""
    registries, labels = saved
    for kind, (registry, _) in KINDS.items():
        registry.clear()
        registry.update(registries[kind])
    LABELS.clear()
    LABELS.update(labels)


def _register(kind: str, name: str, cls: type, label: str | None) -> None:
    registry, methods = KINDS[kind]
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ExtensionError("extend.name", kind=Message(f"component.{kind}"), name=name, max=MAX_NAME)
    if is_built_in(kind, name):
        raise ExtensionError("extend.built_in", name=name, kind=Message(f"component.{kind}"))
    if not isinstance(cls, type):
        raise ExtensionError("extend.not_class", kind=kind, name=name, got=type(cls).__name__)
    missing = [m for m in methods if not callable(getattr(cls, m, None))]
    if missing:
        raise ExtensionError(
            "extend.missing_method",
            cls=cls.__name__,
            missing=missing,
            kind=Message(f"component.{kind}"),
            needs=list(methods),
        )
    if label is not None and not (isinstance(label, str) and 0 < len(label.strip()) <= MAX_LABEL):
        raise ExtensionError("extend.label", name=name, max=MAX_LABEL)
    if kind == "loss":
        outputs = getattr(cls, "outputs", "scores")
        if outputs not in ("scores", "probabilities"):
            raise ExtensionError("extend.outputs", cls=cls.__name__, outputs=outputs)
        cls.outputs = outputs
    TRIALS[kind](cls)
    registry[name] = cls
    LABELS[(kind, name)] = label.strip() if label else name


def _shape_error(cls: type, call: str, got: object, want: tuple[int, ...]) -> ExtensionError:
    shape = getattr(got, "shape", None)
    what = f"shape {shape}" if shape is not None else type(got).__name__
    return ExtensionError("extend.shape", cls=cls.__name__, call=call, got=str(what), want=str(want))


def _construct(cls: type, *args: object) -> object:
    """``cls(*args)``, refused with a message when its ``__init__`` cannot take those arguments (a
    failure inside ``__init__`` is the visitor's own, with its traceback)."""
    try:
        inspect.signature(cls).bind(*args)
    except TypeError:
        raise ExtensionError(
            "extend.constructor", cls=cls.__name__, call=f"{cls.__name__}({', '.join(map(repr, args))})"
        ) from None
    except ValueError:  # no signature to read (a class written in C): let the call say
        pass
    return cls(*args)


def _try_activation(cls: type) -> None:
    """One small forward and backward in float64 and float32: the shapes and dtypes must be the
    input's, and the input must be left as it was (the network keeps it: a layer's output)."""
    for dtype in (np.float64, np.float32):
        layer = _construct(cls)
        x = np.linspace(-2.0, 2.0, 12, dtype=dtype).reshape(2, 6)
        kept = x.copy()
        y = layer.forward(x)
        if getattr(y, "shape", None) != x.shape:
            raise _shape_error(cls, "forward(x)", y, x.shape)
        if not np.array_equal(x, kept):
            raise ExtensionError("extend.forward_in_place", cls=cls.__name__)
        if y.dtype != dtype:
            raise ExtensionError("extend.dtype", cls=cls.__name__, got=str(y.dtype), dtype=str(np.dtype(dtype)))
        dout = np.ones_like(x)
        dx = layer.backward(dout)
        if getattr(dx, "shape", None) != x.shape:
            raise _shape_error(cls, "backward(dout)", dx, x.shape)
        if not np.array_equal(dout, np.ones_like(x)):
            raise ExtensionError("extend.backward_in_place", cls=cls.__name__)


def _try_loss(cls: type) -> None:
    """One small forward and backward: a number, then a gradient shaped like the outputs."""
    loss = _construct(cls)
    y = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    t = np.eye(3)[[0, 2]]
    value = loss.forward(y, t)
    try:
        float(value)
    except (TypeError, ValueError):
        got = type(value).__name__
        raise ExtensionError("extend.loss_number", cls=cls.__name__, got=got) from None
    dy = loss.backward()
    if getattr(dy, "shape", None) != y.shape:
        raise _shape_error(cls, "backward()", dy, y.shape)


def _try_optimizer(cls: type) -> None:
    """Built with a learning rate, two updates of a small parameter must change it in place."""
    optimizer = _construct(cls, 0.1)
    if not hasattr(optimizer, "lr"):
        raise ExtensionError("extend.lr", cls=cls.__name__)
    W = np.ones((2, 3))
    params = {"W1": W}
    for _ in range(2):
        optimizer.update(params, {"W1": np.ones((2, 3))})
        if params["W1"] is not W:
            raise ExtensionError("extend.replaced", cls=cls.__name__)
    if np.array_equal(W, np.ones((2, 3))):
        raise ExtensionError("extend.unchanged", cls=cls.__name__)


TRIALS = {"activation": _try_activation, "loss": _try_loss, "optimizer": _try_optimizer}
