"""One training step, watched: forward, loss, backward and one optimizer update, layer by layer.

:func:`watch_step` runs the step on a *copy* of a network (the network given is never changed)
and returns every value of it as pycore computed it: each layer's input, the outputs of its
Affine (the pre-activation) and of its activation (from the forward pass), the gradient that
arrived at each from above (recorded by :meth:`Network.backward`'s ``trace``), the size of the
weight gradients the layers kept, and the size of the update the optimizer made. Nothing is
computed a second way here: the gradients are the backward pass's own, and the update is the
change the optimizer made to the copy's weights.

>>> view = watch_step(net, make_optimizer("momentum", 0.01), x, t)  # doctest: +SKIP
>>> view["loss"]["before"], view["loss"]["after"]  # doctest: +SKIP
(0.4979..., 0.4453...)

:func:`to_page` turns a view into plain values for the page (vectors as float32 bytes).
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError
from .layers import Affine, LeakyReLU, ReLU, Sigmoid, Tanh
from .losses import MeanSquaredError, SoftmaxCrossEntropy
from .messages import Message
from .network import Network
from .optimizers import SGD, AdaGrad, Adam, Momentum

# What each stage computes, for one sample, in each layer's own names: x its input, y its output,
# dy the gradient arriving from above, dx the one it passes down. A class not listed here (one
# registered in the Lab) shows the first line of its docstring.
FORMULAS: dict[type, dict[str, str]] = {
    Affine: {"forward": "y = x·W + b", "weight_grad": "dW = xᵀ·dy", "bias_grad": "db = dy", "input_grad": "dx = dy·Wᵀ"},
    LeakyReLU: {"forward": "y = max(x, αx)", "backward": "dx = dy · (1 where x > 0, else α)"},
    ReLU: {"forward": "y = max(x, 0)", "backward": "dx = dy · (1 where x > 0, else 0)"},
    Sigmoid: {"forward": "y = 1 / (1 + e^(−x))", "backward": "dx = dy · y·(1 − y)"},
    Tanh: {"forward": "y = tanh(x)", "backward": "dx = dy · (1 − y²)"},
    MeanSquaredError: {"forward": "L = ½Σ(y − t)²", "backward": "dy = y − t"},
    SoftmaxCrossEntropy: {"forward": "p = softmax(y);  L = −Σ t·log p", "backward": "dy = p − t"},
    SGD: {"update": "W −= lr·dW"},
    Momentum: {"update": "v = m·v − lr·dW;  W += v"},
    AdaGrad: {"update": "h += dW²;  W −= lr·dW / (√h + ε)"},
    Adam: {"update": "m = β₁·m + (1−β₁)·dW;  v = β₂·v + (1−β₂)·dW²;  W −= lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε)"},
}
# The optimizer's settings shown next to its formula, in this order, where it has them.
OPTIMIZER_SETTINGS = ("lr", "momentum", "beta1", "beta2", "eps")


def formulas(part: object, key: str = "forward") -> dict[str, str]:
    """What ``part`` (a layer, loss or optimizer) computes, from :data:`FORMULAS` for pycore's own
    classes (a Lab class only by its exact class: a subclass may compute something else); otherwise
    the first line of its class's docstring under ``key``."""
    own = type(part).__module__.startswith("pycore.")  # a subclass of pycore's own (the first layer's)
    for cls in type(part).__mro__ if own else (type(part),):
        if cls in FORMULAS:
            return dict(FORMULAS[cls])
    doc = (type(part).__doc__ or type(part).__name__).strip().splitlines()[0]
    return {key: doc}


UNREGISTERED = ("network.unknown_activation", "network.unknown_loss")  # what Network() says then


def twin(network: Network) -> Network:
    """A new network with ``network``'s configuration and a copy of its parameters."""
    try:
        return Network(network.config, params=network.params)
    except ConfigError as exc:  # a Lab component the model uses is no longer registered
        if exc.key not in UNREGISTERED:
            raise
        raise ConfigError("onestep.unregistered", problem=Message(exc.key, **exc.params)) from None


def _norm(a: np.ndarray) -> float:
    with np.errstate(over="ignore", invalid="ignore"):  # a huge value's norm is inf, as it should be
        return float(np.sqrt(np.sum(np.square(a, dtype=np.float64))))


def _absmax(a: np.ndarray) -> float:
    return float(np.abs(a).max()) if a.size else 0.0


def _size(prefix: str, a: np.ndarray) -> dict[str, float]:
    return {f"{prefix}_norm": _norm(a), f"{prefix}_max": _absmax(a)}


def watch_step(network: Network, optimizer: object, x: np.ndarray, t: np.ndarray) -> dict:
    """One step on one sample, on a copy of ``network``: forward, loss, backward, ``optimizer``'s
    update, then the same sample again. ``network`` itself is not changed; ``optimizer`` (a fresh
    one, as at a run's first step) is used on the copy.

    ``x`` is (1, 784) and ``t`` (1, C), the target row. Returns ``{"loss", "optimizer", "layers"}``:

    - ``loss``: ``before`` and ``after`` the step, the ``outputs`` y, the ``target`` t, the
      ``probabilities`` (softmax; ``None`` for squared error), the ``gradient`` dL/dy and the
      ``outputs_after``, with the loss's ``formulas``;
    - ``optimizer``: its class ``name``, ``formulas`` and ``settings`` (lr, momentum, ...);
    - ``layers``: one dict per Affine layer (with the activation after it, if any): its
      ``input``, ``pre`` (x·W + b), ``post`` (the activation's output; ``None`` for the last
      layer), ``grad_post`` (the gradient arriving at the activation from above; ``None`` for the
      last layer) and ``grad_pre`` (the gradient arriving at the Affine: dL/dy of y = x·W + b),
      as 1-D arrays, and the sizes of the weight gradient (``dW_norm``, ``dW_max``, ``db_norm``,
      ``db_max``) and of the update (``update_W_norm``, ``update_W_max``, ``update_b_norm``,
      ``update_b_max``), with ``formulas``.
    """
    net = twin(network)
    x = np.asarray(x, dtype=net.dtype).reshape(1, -1)  # (1, 784)
    t = np.asarray(t, dtype=net.dtype).reshape(1, -1)  # (1, C)
    outs: list[np.ndarray] = []  # every layer's output, first to last
    arriving: list[np.ndarray] = []  # the gradient arriving at every layer, last to first
    with np.errstate(all="ignore"):  # a model near divergence is reported by its numbers, not a warning
        before = net.forward_loss(x, t, trace=outs)
        loss = net.loss
        probabilities = getattr(loss, "p", None) if isinstance(loss, SoftmaxCrossEntropy) else None
        grads = net.backward(trace=arriving)
        arriving.reverse()  # now first to last, like ``outs``
        sizes = {}
        for i in range(1, len(net.affines) + 1):
            sizes[i] = {**_size("dW", grads[f"W{i}"]), **_size("db", grads[f"b{i}"])}
        optimizer.update(net.params, grads)
        net.check_params()  # a Lab optimizer that replaced arrays would show a change the layers never saw
        after_outs: list[np.ndarray] = []
        after = net.forward_loss(x, t, trace=after_outs)

    layers = []
    for k, affine in enumerate(net.affines):
        i = k + 1
        activation = net.layers[2 * k + 1] if 2 * k + 1 < len(net.layers) else None
        shown = formulas(affine)
        if activation is not None:
            act = formulas(activation)
            shown["activation"] = act.get("forward", "")
            shown["activation_grad"] = act.get("backward", "")
        layers.append(
            {
                "index": i,
                "inputs": int(affine.W.shape[0]),
                "units": int(affine.W.shape[1]),
                "activation": repr(activation) if activation is not None else None,
                "formulas": shown,
                "input": (x if k == 0 else outs[2 * k - 1])[0],  # (D,)
                "pre": outs[2 * k][0],  # (H,) x·W + b
                "post": outs[2 * k + 1][0] if activation is not None else None,  # (H,) the activation's output
                "grad_post": arriving[2 * k + 1][0] if activation is not None else None,  # (H,)
                "grad_pre": arriving[2 * k][0],  # (H,) dL/dy at the Affine's output
                **sizes[i],
                **_size("update_W", net.params[f"W{i}"] - network.params[f"W{i}"]),
                **_size("update_b", net.params[f"b{i}"] - network.params[f"b{i}"]),
            }
        )
    return {
        "loss": {
            "name": type(loss).__name__,
            "formulas": formulas(loss),
            "before": float(before),
            "after": float(after),
            "outputs": outs[-1][0],  # (C,) y
            "target": t[0],  # (C,)
            "probabilities": probabilities[0] if probabilities is not None else None,  # (C,)
            "gradient": arriving[-1][0],  # (C,) dL/dy, as the loss's backward gave it
            "outputs_after": after_outs[-1][0],  # (C,)
        },
        "optimizer": {
            "name": type(optimizer).__name__,
            "formulas": formulas(optimizer, "update"),
            "settings": {
                name: float(getattr(optimizer, name))
                for name in OPTIMIZER_SETTINGS
                if isinstance(getattr(optimizer, name, None), (int, float))
            },
        },
        "layers": layers,
    }


def vector(values: np.ndarray) -> dict:
    """A 1-D array for the page: its values as float32 bytes, and its ``min``, ``max``,
    ``absmax`` and ``norm`` (from the full-precision values)."""
    values = np.asarray(values)
    finite = values[np.isfinite(values)]
    return {
        "values": _float32(values).tobytes(),
        "size": int(values.size),
        "min": float(finite.min()) if finite.size else float("nan"),
        "max": float(finite.max()) if finite.size else float("nan"),
        "absmax": _absmax(finite),
        "norm": _norm(values),
    }


def _float32(values: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # beyond float32's range: ±inf, which the page shows as such
        return values.astype(np.float32)


def to_page(view: dict) -> dict:
    """``view`` (from :func:`watch_step`) with every array as a :func:`vector` (``None`` stays)."""

    def convert(value: object) -> object:
        if isinstance(value, np.ndarray):
            return vector(value)
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    return convert(view)
