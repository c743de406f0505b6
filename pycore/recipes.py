"""Named experiments: a network, how to train it, and the digits it learns.

A :class:`Recipe` is a small value declared once here and read by every consumer: the page's
presets and training defaults (through :mod:`pycore.app`), the CLI's ``--recipe``, and the build's
pretrained models. Adding a preset is one entry in ``RECIPES``; its ``page_mode`` puts a button
for it in that Digits mode of the page.

>>> trainer = make_trainer(get("seed"), split)      # doctest: +SKIP
>>> get("seed").with_overrides({"lr": 0.05}).train.lr
0.05
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace

from .errors import ConfigError, reason
from .mnist import PIXELS, SEED_CLASSES, Split
from .network import Network, NetworkConfig
from .trainer import Progress, TrainConfig, Trainer

ALL_DIGITS = tuple(range(10))
# The settings a run may override: these NetworkConfig fields, the hidden sizes, the digits, and
# every TrainConfig field but ``fast``.
NETWORK_SETTINGS = ("loss", "init", "dtype", "activation", "alpha", "weight_scale")
TRAIN_SETTINGS = tuple(f.name for f in fields(TrainConfig) if f.name != "fast")


@dataclass(frozen=True)
class Recipe:
    """One named experiment."""

    name: str  # how the CLI (--recipe) and the page refer to it
    title: str  # a short label, e.g. for a preset button
    description: str  # one line for people
    network: NetworkConfig  # the shape, activation, loss, initial weights, precision and digits
    train: TrainConfig  # samples, epochs, batch size, optimizer, schedule, seed, ...
    page_mode: str = ""  # the page's Digits mode that offers it as a preset button ("" for none)

    @property
    def classes(self) -> tuple[int, ...]:
        """The digits it learns, one per output."""
        return self.network.classes

    @property
    def hidden(self) -> tuple[int, ...]:
        """The hidden layers' widths (none for a network without one)."""
        return self.network.sizes[1:-1]

    def settings(self) -> dict:
        """The recipe as flat settings (the page's form fields and the CLI's flags)."""
        net = self.network
        values = {name: getattr(self.train, name) for name in TRAIN_SETTINGS}
        values.update({name: getattr(net, name) for name in NETWORK_SETTINGS})
        values["hidden"] = list(self.hidden)
        values["classes"] = list(self.classes)
        return values

    def with_overrides(self, overrides: dict) -> Recipe:
        """A copy with some settings changed (names as in :meth:`settings`); unknown names are refused."""
        unknown = sorted(set(overrides) - set(self.settings()))
        if unknown:
            raise ConfigError("recipe.unknown_setting", names=list(unknown))
        train = {k: v for k, v in overrides.items() if k in TRAIN_SETTINGS}
        net = {k: v for k, v in overrides.items() if k in NETWORK_SETTINGS}
        try:
            classes = tuple(int(c) for c in overrides.get("classes", self.classes))
            hidden = tuple(int(h) for h in overrides.get("hidden", self.hidden))
            return replace(
                self,
                network=replace(self.network, sizes=(PIXELS, *hidden, len(classes)), classes=classes, **net),
                train=replace(self.train, **train),
            )
        except (TypeError, ValueError, OverflowError) as exc:  # a value of the wrong type or size
            raise ConfigError("recipe.bad_setting", reason=reason(exc)) from None


def make_trainer(recipe: Recipe, data: Split, on_progress: Callable[[Progress], None] | None = None) -> Trainer:
    """A fresh network (seeded by the recipe) and its trainer on the recipe's digits from ``data``."""
    split = data.select(recipe.classes, limit=recipe.train.samples)
    if len(split) == 0:
        raise ConfigError("recipe.no_images", classes=str(recipe.classes))
    network = Network(recipe.network, seed=recipe.train.seed)
    return Trainer(network, split.images, split.labels, recipe.train, on_progress)


_ADAM_FALLING = {"optimizer": "adam", "lr_schedule": "linear", "label_smoothing": 0.1, "shuffle": True}
_SOFTMAX_HE = {"loss": "softmax_ce", "init": "he"}

RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe(
            "seed",
            "Seed settings",
            "The seed experiment: 784-500-100-3, the first 5000 MNIST training images of 0, 1 and 2, "
            "one per step, Momentum (lr 0.01), squared error, fresh random weights (0.01·randn).",
            NetworkConfig(classes=SEED_CLASSES),
            TrainConfig(),
            page_mode="0-2",
        ),
        Recipe(
            "best-012",
            "Best preset",
            "Best for 0, 1, 2: every training image, 2 shuffled epochs in mini-batches of 32, Adam from lr 0.002 "
            "falling to 0, softmax + cross-entropy with label smoothing 0.1, He weights, float32.",
            NetworkConfig(classes=SEED_CLASSES, dtype="float32", **_SOFTMAX_HE),
            TrainConfig(samples=18623, epochs=2, batch_size=32, lr=0.002, **_ADAM_FALLING),
            page_mode="0-2",
        ),
        Recipe(
            "ten-digit-page",
            "0–9 defaults",
            "All ten digits: 60,000 MNIST images, 2 epochs in mini-batches of 100, Adam with a falling learning rate, "
            "softmax + cross-entropy with label smoothing 0.1, fresh He weights, float32.",
            NetworkConfig(sizes=(PIXELS, 500, 100, 10), classes=ALL_DIGITS, dtype="float32", **_SOFTMAX_HE),
            TrainConfig(samples=60000, epochs=2, batch_size=100, lr=0.004, **_ADAM_FALLING),
            page_mode="0-9",
        ),
        Recipe(
            "ten-digit-augmented",
            "Pretrained 0–9",
            "The page's pretrained 0–9 model: 784-500-100-10, 60 shuffled epochs of all 60,000 images in "
            "mini-batches of 128, each distorted (light augmentation), Adam from lr 0.001 falling to 0, softmax + "
            "cross-entropy with label smoothing 0.1, He weights, float32. Too long for a build: `make pretrain`.",
            NetworkConfig(sizes=(PIXELS, 500, 100, 10), classes=ALL_DIGITS, dtype="float32", **_SOFTMAX_HE),
            TrainConfig(samples=60000, epochs=60, batch_size=128, lr=0.001, augment="light", **_ADAM_FALLING),
        ),
        Recipe(
            "ten-digit-plain",
            "Plain 0–9",
            "The pretrained 0–9 model before augmentation (the robustness benchmark's plain model): as the 0–9 "
            "defaults, but 5 epochs from lr 0.002 in float64.",
            NetworkConfig(sizes=(PIXELS, 500, 100, 10), classes=ALL_DIGITS, **_SOFTMAX_HE),
            TrainConfig(samples=60000, epochs=5, batch_size=100, lr=0.002, **_ADAM_FALLING),
        ),
    )
}


def get(name: str) -> Recipe:
    """The recipe called ``name``; a clear error for an unknown one."""
    try:
        return RECIPES[name]
    except KeyError:
        raise ConfigError("recipe.unknown", name=name, choices=list(RECIPES)) from None
