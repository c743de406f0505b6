"""A fully connected network: Affine → activation → … → Affine, plus a loss.

The :class:`Network` is the one owner of the parameters (``params``). Its Affine layers
borrow those arrays; anything that changes parameters (optimizers, model loading) writes
into them in place, so the layers always see the current values. (One exception, inside a
training chunk only: Momentum may hold the first layer's weights in position/velocity form, see
:class:`~pycore.optimizers.PositionVelocity`; they are written back before the chunk returns.)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from .errors import ConfigError, ExtensionError
from .layers import ACTIVATIONS, Affine, RowGrad, SparseInputAffine, make_activation
from .losses import LOSSES, make_loss, softmax

DTYPES = ("float64", "float32")
MAX_PARAMETERS = 5_000_000  # weights and biases; the seed network has 442,903
MAX_HIDDEN_LAYERS = 14  # a model file then holds at most 15 weight-bias pairs; the page offers up to 4
INITS = ("normal", "he")  # normal: weight_scale·randn (the seed); he: sqrt(2 / inputs)·randn per layer


def carve(flat: np.ndarray, shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """Views of the 1-D array ``flat``, one per name with its shape, end to end in that order."""
    views, start = {}, 0
    for name, shape in shapes.items():
        size = math.prod(shape)
        views[name] = flat[start : start + size].reshape(shape)
        start += size
    return views


@dataclass(frozen=True)
class NetworkConfig:
    """What a network looks like. The defaults are the seed network."""

    sizes: tuple[int, ...] = (784, 500, 100, 3)  # input, hidden..., output widths
    activation: str = "leaky_relu"  # between Affine layers: leaky_relu | relu | sigmoid
    alpha: float = 0.1  # LeakyReLU slope for x <= 0
    loss: str = "mse"  # mse (the seed's 0.5·Σ(y−t)²) | softmax_ce
    weight_scale: float = 0.01  # weights start as weight_scale * standard normal (init "normal")
    init: str = "normal"  # normal (the seed) | he: each layer's scale is sqrt(2 / its input width)
    dtype: str = "float64"  # float64 (the seed) | float32 (faster, half the memory)
    classes: tuple[int, ...] = field(default=(0, 1, 2))  # the digit each output stands for

    def __post_init__(self) -> None:
        if len(self.sizes) < 2 or any(int(s) != s or s < 1 for s in self.sizes):
            raise ConfigError("network.sizes", sizes=str(self.sizes))
        if len(self.sizes) - 2 > MAX_HIDDEN_LAYERS:
            raise ConfigError("network.too_deep", count=len(self.sizes) - 2, limit=MAX_HIDDEN_LAYERS)
        if self.activation not in ACTIVATIONS:
            raise ConfigError("network.unknown_activation", name=self.activation, choices=list(ACTIVATIONS))
        if self.loss not in LOSSES:
            raise ConfigError("network.unknown_loss", name=self.loss, choices=list(LOSSES))
        if self.init not in INITS:
            raise ConfigError("network.unknown_init", name=self.init, choices=list(INITS))
        if self.dtype not in DTYPES:
            raise ConfigError("network.unknown_dtype", name=self.dtype, choices=list(DTYPES))
        if not (math.isfinite(self.weight_scale) and self.weight_scale > 0):
            raise ConfigError("network.weight_scale", value=self.weight_scale)
        if not (math.isfinite(self.alpha) and 0 <= self.alpha < 1):
            raise ConfigError("network.alpha", value=self.alpha)
        if self.parameter_count() > MAX_PARAMETERS:
            raise ConfigError(
                "network.too_big",
                sizes="-".join(map(str, self.sizes)),
                count=self.parameter_count(),
                limit=MAX_PARAMETERS,
            )
        if len(self.classes) != self.sizes[-1]:
            raise ConfigError("network.classes", classes=len(self.classes), units=self.sizes[-1])

    def parameter_count(self) -> int:
        """Weights and biases of all the Affine layers."""
        return sum(a * b + b for a, b in zip(self.sizes[:-1], self.sizes[1:], strict=True))

    def multiply_adds(self) -> int:
        """Multiply-adds of one forward pass for one image (the weight products)."""
        return sum(a * b for a, b in zip(self.sizes[:-1], self.sizes[1:], strict=True))

    def to_dict(self) -> dict:
        """A JSON-ready description (lists, not tuples)."""
        d = asdict(self)
        d["sizes"] = list(self.sizes)
        d["classes"] = list(self.classes)
        return d


class Network:
    """Affine/activation layers and a loss, with parameters ``W1, b1, W2, b2, …``.

    >>> net = Network(NetworkConfig(), seed=0)
    >>> net.predict(np.zeros((1, 784))).shape
    (1, 3)
    """

    def __init__(
        self, config: NetworkConfig | None = None, seed: int | None = 0, *, params: dict[str, np.ndarray] | None = None
    ) -> None:
        """A new network: its weights drawn with ``seed`` (see :meth:`init_scale`; biases zero), or,
        when ``params`` is given, copied from them (``seed`` is then unused; the caller has
        validated them: the same keys and shapes, see ``model_io``)."""
        self.config = config or NetworkConfig()
        dtype = np.dtype(self.config.dtype)
        sizes = self.config.sizes
        shapes = {}
        for i in range(1, len(sizes)):
            shapes[f"W{i}"] = (sizes[i - 1], sizes[i])  # (D, H)
            shapes[f"b{i}"] = (sizes[i],)  # (H,)
        # Every parameter lies in one flat array, end to end (W1, b1, W2, ...), and every gradient
        # in another with the same layout, so an optimizer can update neighbours as one array.
        self.params: dict[str, np.ndarray] = carve(np.zeros(self.config.parameter_count(), dtype), shapes)
        self.param_grads = carve(np.zeros(self.config.parameter_count(), dtype), shapes)
        if params is not None:
            self.copy_params_from(params)
        else:
            rng = np.random.default_rng(seed)
            for i in range(1, len(sizes)):
                self.params[f"W{i}"][...] = self.init_scale(sizes[i - 1]) * rng.standard_normal(shapes[f"W{i}"])
        # The first layer sees the raw pixels, many of them zero: it skips the zero columns.
        self.affines = [
            (SparseInputAffine if i == 1 else Affine)(
                self.params[f"W{i}"], self.params[f"b{i}"], grads=(self.param_grads[f"W{i}"], self.param_grads[f"b{i}"])
            )
            for i in range(1, len(sizes))
        ]
        self.layers: list = []
        for i, affine in enumerate(self.affines):
            self.layers.append(affine)
            if i < len(self.affines) - 1:
                self.layers.append(make_activation(self.config.activation, self.config.alpha))
        self.loss = make_loss(self.config.loss)

    def init_scale(self, inputs: int) -> float:
        """The standard deviation of a new layer's weights, given its input width."""
        return float(np.sqrt(2.0 / inputs)) if self.config.init == "he" else self.config.weight_scale

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.config.dtype)

    @property
    def outputs(self) -> str:
        """``"scores"`` for the seed's MSE network, ``"probabilities"`` for softmax."""
        return self.loss.outputs

    def activations(self, x: np.ndarray, training: bool = False) -> list[np.ndarray]:
        """The output of every layer for ``x`` (N, 784), first to last: one forward pass. Only
        ``training`` caches what :meth:`backward` needs in the first layer."""
        outs = []
        x = np.asarray(x, dtype=self.dtype)
        for layer in self.layers:
            x = layer.infer(x) if not training and isinstance(layer, SparseInputAffine) else layer.forward(x)
            outs.append(x)
        return outs

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Raw outputs: (N, 784) -> (N, C)."""
        return self.activations(x)[-1]

    def scores(self, x: np.ndarray) -> np.ndarray:
        """What to show people: raw scores (MSE) or probabilities (softmax), (N, C)."""
        return self._shown(self.predict(x))

    def hidden_activations(self, x: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """One forward pass: the output of each hidden layer's activation, (N, H) each, and the scores (N, C)."""
        outs = self.activations(x)
        hidden = [out for layer, out in zip(self.layers, outs, strict=True) if not isinstance(layer, Affine)]
        return hidden, self._shown(outs[-1])

    def _shown(self, y: np.ndarray) -> np.ndarray:
        return softmax(y) if self.outputs == "probabilities" else y

    def forward_loss(self, x: np.ndarray, t: np.ndarray, trace: list | None = None) -> float:
        """Forward pass and loss; caches what :meth:`backward` needs. A ``trace`` list, if given,
        receives the output of every layer, first to last (as :meth:`activations` returns them)."""
        outs = self.activations(x, training=True)
        if trace is not None:
            trace.extend(outs)
        return self.loss.forward(outs[-1], t)

    def backward(self, rows: bool = False, trace: list | None = None) -> dict[str, np.ndarray | RowGrad]:
        """Backprop from the last :meth:`forward_loss`; returns ``grads`` keyed like ``params``
        (see :meth:`grads` for ``rows``). A ``trace`` list, if given, receives the gradient
        arriving at each layer from above (the loss's first), last layer to first."""
        dout = self.loss.backward()
        for layer in reversed(self.layers[1:]):
            if trace is not None:
                trace.append(dout)
            dout = layer.backward(dout)
        if trace is not None:
            trace.append(dout)
        self.layers[0].backward(dout, need_dx=False)  # nothing below the first layer needs dx
        return self.grads(rows)

    def grads(self, rows: bool = False) -> dict[str, np.ndarray | RowGrad]:
        """The gradients of the last backward pass, keyed like ``params``. With ``rows``, the
        first layer's weight gradient is a :class:`~pycore.layers.RowGrad` (its zero-pixel rows
        are left out) where the layer gives one."""
        grads = {}
        for i, affine in enumerate(self.affines, start=1):
            grads[f"W{i}"] = affine.gradient() if rows else affine.dW
            grads[f"b{i}"] = affine.db
        return grads

    def copy_params_from(self, params: dict[str, np.ndarray]) -> None:
        """Copy values into this network's own arrays (the layers keep seeing them).

        The caller must have validated ``params`` (same keys and shapes); see ``model_io``.
        """
        for key, p in self.params.items():
            np.copyto(p, params[key], casting="same_kind")

    def check_params(self) -> None:
        """Raise :class:`~pycore.errors.ExtensionError` if an optimizer replaced an array of
        ``params`` instead of changing it in place: the layers would go on using the old one."""
        for i, affine in enumerate(self.affines, start=1):
            for key, held in ((f"W{i}", affine.W), (f"b{i}", affine.b)):
                if self.params[key] is not held:
                    self.params[key] = held  # the arrays the layers use, so the network stays whole
                    raise ExtensionError("network.optimizer_replaced", name=key)

    def parameter_count(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def __repr__(self) -> str:
        sizes = "-".join(str(s) for s in self.config.sizes)
        return (
            f"Network({sizes}, {self.config.activation}, loss={self.config.loss}, "
            f"{self.config.dtype}, {self.parameter_count()} parameters)"
        )
