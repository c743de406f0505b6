"""The API the browser's worker calls (one :class:`Session` per page).

Every method takes and returns plain values (numbers, strings, lists, dicts, bytes), so the
worker can convert them with ``toJs`` and post them to the page. Nothing here does math of its
own: it wires the other modules together. Errors a person can act on are
:class:`~pycore.errors.PycoreError` with a clear message; the session's state is unchanged
when one is raised.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import augment, extend, gradcheck, lab, messages, mnist, model_io, onestep, preprocess, recipes, source
from .errors import ConfigError, PycoreError
from .evaluation import Evaluation, evaluate
from .layers import ACTIVATIONS
from .losses import LOSSES
from .network import DTYPES, INITS, Network
from .optimizers import OPTIMIZERS, make_optimizer
from .trainer import LIMITS, LR_SCHEDULES, WHOLE_NUMBERS, Trainer, target_rows

GALLERY_SIZE = 20  # the seed checked its first 20 test images by eye
MISTAKES_SHOWN = 40  # wrongly predicted test images returned for the mistakes gallery
WEIGHT_TILES = 64  # first-layer units shown as 28×28 weight images
# The page's Digits modes: their default recipe, pretrained model and the manifest entry of their
# data; their digits are the default recipe's, their preset buttons the recipes whose page_mode they are.
PAGE_MODES = {
    name: {**mode, "presets": [r.name for r in recipes.RECIPES.values() if r.page_mode == name]}
    for name, mode in {
        "0-2": {"recipe": "seed", "pretrained": "pretrained", "data": "data"},
        "0-9": {"recipe": "ten-digit-page", "pretrained": "pretrained-0-9", "data": "data_all"},
    }.items()
}


# The choices of the page's menus, in the package's order, with the words the page shows for them.
CHOICES = {
    "optimizer": OPTIMIZERS,
    "lr_schedule": LR_SCHEDULES,
    "loss": LOSSES,
    "activation": ACTIVATIONS,
    "init": INITS,
    "dtype": DTYPES,
    "augment": augment.LEVELS,
}
CHOICE_LABELS = {
    "sgd": "SGD",
    "momentum": "Momentum",
    "adagrad": "AdaGrad",
    "adam": "Adam",
    "constant": "Constant",
    "linear": "Linear decay to 0",
    "mse": "Squared error",
    "softmax_ce": "Softmax + cross-entropy",
    "leaky_relu": "LeakyReLU",
    "relu": "ReLU",
    "sigmoid": "Sigmoid",
    "tanh": "tanh",
    "normal": "0.01·randn (seed)",
    "he": "He: √(2/inputs)·randn",
    "float64": "float64",
    "float32": "float32 (faster)",
    "off": "Off",
    "light": "Light",
    "strong": "Strong",
}

# The network shapes the page offers: how many hidden layers, and how wide each may be.
HIDDEN_LAYERS = (0, 4)
HIDDEN_WIDTH = (1, 2048)
ALPHA = (0.0, 0.99)  # the LeakyReLU slope
# One training step (batch × multiply-adds per image) must stay short: the worker answers nothing
# while a step runs, and the page takes a silent worker for dead. 1e9 is about a second here.
MAX_STEP_MULTIPLY_ADDS = 1_000_000_000


def page_recipe(settings: dict) -> recipes.Recipe:
    """The recipe a page's settings describe (``recipe`` plus overrides), within the page's limits."""
    settings = as_dict(settings)
    recipe = recipes.get(str(settings.pop("recipe", "seed"))).with_overrides(settings)
    hidden = recipe.hidden
    if not HIDDEN_LAYERS[0] <= len(hidden) <= HIDDEN_LAYERS[1]:
        raise ConfigError("app.hidden_count", min=HIDDEN_LAYERS[0], max=HIDDEN_LAYERS[1], count=len(hidden))
    if any(not HIDDEN_WIDTH[0] <= h <= HIDDEN_WIDTH[1] for h in hidden):
        raise ConfigError("app.hidden_width", min=HIDDEN_WIDTH[0], max=HIDDEN_WIDTH[1], widths=list(hidden))
    per_step = recipe.train.batch_size * recipe.network.multiply_adds()
    if per_step > MAX_STEP_MULTIPLY_ADDS:
        batch = recipe.train.batch_size
        raise ConfigError("app.step_too_big", batch=batch, per_step=per_step, limit=MAX_STEP_MULTIPLY_ADDS)
    if not ALPHA[0] <= recipe.network.alpha <= ALPHA[1]:
        raise ConfigError("app.alpha_range", min=ALPHA[0], max=ALPHA[1], value=recipe.network.alpha)
    return recipe


# What one watched step takes from the training form: the rest (the shape, the batch, augmentation)
# is the current model's, or one undistorted image.
STEP_SETTINGS = ("optimizer", "lr", "momentum", "label_smoothing")


def step_recipe(settings: dict) -> recipes.Recipe:
    """The recipe of a page's settings, as far as one watched step uses them (:data:`STEP_SETTINGS`):
    a form whose other fields are out of range does not stop it."""
    settings = as_dict(settings)
    base = recipes.get(str(settings.get("recipe", "seed")))
    return base.with_overrides({k: settings[k] for k in STEP_SETTINGS if k in settings})


def describe(settings: dict) -> dict:
    """The shape a page's settings give, with its size: ``{sizes, parameters, multiply_adds}``."""
    network = page_recipe(settings).network
    return {
        "sizes": list(network.sizes),
        "parameters": network.parameter_count(),
        "multiply_adds": network.multiply_adds(),
    }


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


def page_config() -> dict:
    """What the page's forms show, from the one source of each fact: the recipes (presets and
    defaults), the modes, and the limits of every setting (``model_bytes``: the largest model file)."""
    used = {name for mode in PAGE_MODES.values() for name in (mode["recipe"], *mode["presets"])}
    return {
        "recipes": {
            name: {"title": r.title, "description": r.description, "settings": r.settings()}
            for name, r in recipes.RECIPES.items()
            if name in used
        },
        "modes": {
            name: {**mode, "classes": list(recipes.get(mode["recipe"]).classes)} for name, mode in PAGE_MODES.items()
        },
        "step_settings": list(STEP_SETTINGS),  # the fields one watched step reads (the others may be anything)
        "limits": {
            **{k: list(v) for k, v in LIMITS.items() if k != "momentum"},
            "whole_numbers": list(WHOLE_NUMBERS),
            "alpha": list(ALPHA),
            "hidden_layers": list(HIDDEN_LAYERS),
            "hidden_width": list(HIDDEN_WIDTH),
            "model_bytes": model_io.MAX_BYTES,
        },
        "choices": choices(),
        "code_sections": source.sections(),
        "lab": {"example": lab.EXAMPLE, "max_code": lab.MAX_CODE, "checked_kinds": list(gradcheck.KINDS)},
        "user_errors": [cls.__name__ for cls in (PycoreError, *_subclasses(PycoreError))],
    }


def choices() -> dict[str, list[list[str]]]:
    """Each menu's ``[name, label]`` pairs: the package's components, then those registered in the
    Lab as ``[name, label, "lab"]`` with the visitor's own label (the page marks them as the Lab's,
    in its language, so that one is never mistaken for a built-in of the same name)."""
    return {field: [_choice(field, name) for name in names] for field, names in CHOICES.items()}


def _choice(field: str, name: str) -> list[str]:
    label = extend.label(field, name)
    return [name, CHOICE_LABELS.get(name, name)] if label is None else [name, label, "lab"]


def as_dict(settings: object) -> dict:
    """A plain ``dict`` from a dict or, in the browser, a JsProxy of a JS object (converted by the worker's toPy)."""
    return dict(settings.to_py() if hasattr(settings, "to_py") else settings)


def as_bytes(data: object) -> bytes:
    """``bytes`` from bytes-like data or, in the browser, a JsProxy of a ``Uint8Array``."""
    to_bytes = getattr(data, "to_bytes", None)
    return bytes(to_bytes()) if callable(to_bytes) else bytes(data)


def _shown_notes(notes: dict) -> dict:
    """A model's notes as the page shows them: a test accuracy that is no fraction from 0 to 1 (a
    file's notes may claim anything: 1e308, -3, "99 %") is left out rather than shown as fact."""
    accuracy = notes.get("test_accuracy")
    fraction = isinstance(accuracy, (int, float)) and not isinstance(accuracy, bool) and 0 <= accuracy <= 1
    if fraction or "test_accuracy" not in notes:
        return notes
    return {key: value for key, value in notes.items() if key != "test_accuracy"}


class Session:
    """The state behind one page: models, data and the training run in progress."""

    def __init__(self) -> None:
        self.models: dict[str, Network] = {}  # "pretrained" and, after training or loading, "trained"
        self.notes: dict[str, dict] = {}
        self.current = ""  # key into ``models`` of the model used for drawing
        self.train_split: mnist.Split | None = None
        self.test_split: mnist.Split | None = None
        self.trainer: Trainer | None = None

    # ---- models -------------------------------------------------------------------------
    def load_model(self, data: bytes, slot: str = "trained", name: str | None = None) -> dict:
        """Load a ``.npz`` model into ``slot`` and make it current; the old one stays on error.
        ``name`` (the file's, as the visitor chose it) is how error messages call it."""
        self.add_model(data, slot, name)
        self.current = slot
        return self.model_info()

    def add_model(self, data: bytes, slot: str, name: str | None = None) -> dict:
        """Load a ``.npz`` model into ``slot`` without making it current."""
        network, notes = model_io.load(as_bytes(data), None if name is None else str(name))
        self.models[slot] = network
        self.notes[slot] = notes
        return {"slot": slot, "classes": list(network.config.classes)}

    def switch_mode(self, pretrained_slot: str) -> dict:
        """Switch the Digits mode: keep the current model if it knows the same digits as the
        mode's pretrained model, otherwise use that pretrained model."""
        if pretrained_slot not in self.models:
            raise ConfigError("app.no_model_slot", slot=pretrained_slot)
        classes = self.models[pretrained_slot].config.classes
        if not self.current or self.model.config.classes != classes:
            self.current = pretrained_slot
        return self.model_info()

    def use_model(self, slot: str) -> dict:
        """Switch drawing predictions to the ``pretrained`` or ``trained`` model."""
        if slot not in self.models:
            raise ConfigError("app.no_model_slot", slot=slot)
        self.current = slot
        return self.model_info()

    @property
    def model(self) -> Network:
        """The current model (the one drawings are predicted with)."""
        if not self.current:
            raise ConfigError("app.no_model")
        return self.models[self.current]

    def model_info(self) -> dict:
        """The current model's slot, the slots there are, its shape, digits, outputs and notes."""
        net = self.model
        return {
            "slot": self.current,
            "slots": sorted(self.models),
            "sizes": list(net.config.sizes),
            "classes": list(net.config.classes),
            "outputs": net.outputs,
            "dtype": net.config.dtype,
            "activation": net.config.activation,
            "alpha": net.config.alpha,
            "loss": net.config.loss,
            "init": net.config.init,
            "description": repr(net),
            "notes": _shown_notes(self.notes.get(self.current, {})),
        }

    def model_bytes(self) -> bytes:
        """The current model as a ``.npz`` file."""
        return model_io.to_bytes(self.model, self.notes.get(self.current))

    # ---- prediction ----------------------------------------------------------------------
    def predict_rgba(self, data: bytes, width: int, height: int) -> dict:
        """Preprocess a canvas's RGBA pixels like MNIST and predict the digit."""
        image = preprocess.from_rgba(as_bytes(data), int(width), int(height))
        if image is None:
            return {"empty": True}
        return self._prediction(image)

    def _prediction(self, image: np.ndarray) -> dict:
        net = self.model
        x = image.reshape(1, -1)
        hidden, scores = net.hidden_activations(x)
        scores = scores[0]
        finite = bool(np.isfinite(scores).all())
        return {
            "empty": False,
            # no answer from outputs that are not numbers (a diverged model)
            "digit": int(net.config.classes[int(scores.argmax())]) if finite else None,
            "classes": list(net.config.classes),
            "scores": scores.tolist(),
            "outputs": net.outputs,
            "image": np.round(image.ravel() * 255).astype(np.uint8).tobytes(),
            "activations": [a[0].astype(np.float32).tobytes() for a in hidden],
        }

    # ---- data ------------------------------------------------------------------------------
    def set_data(self, part: str, images: bytes, labels: bytes) -> dict:
        """Give the session MNIST images and labels as (optionally gzipped) IDX bytes."""
        split = mnist.Split(
            mnist.parse_idx(as_bytes(images), f"{part} images", ndim=3),
            mnist.parse_idx(as_bytes(labels), f"{part} labels", ndim=1),
        )
        if part == "train":
            self.train_split = split
        elif part == "test":
            self.test_split = split
        else:
            raise ConfigError("app.unknown_part", part=part)
        return {"part": part, "count": len(split)}

    def predict_test_image(self, index: int) -> dict:
        """Predict one test image (used by the smoke test and the gallery)."""
        split = self._test()
        result = self._prediction(split.images[int(index)] / 255.0)
        result["label"] = int(split.labels[int(index)])
        return result

    def _test(self) -> mnist.Split:
        if self.test_split is None:
            raise ConfigError("app.no_test_images")
        return self.test_split

    # ---- training --------------------------------------------------------------------------
    def describe(self, settings: dict) -> dict:
        """The network shape the page's settings give (see :func:`describe`)."""
        return describe(settings)

    def start_training(self, settings: dict) -> dict:
        """Start a run with fresh random weights: ``settings`` names a recipe (``"recipe"``,
        default the seed) and overrides any of its settings (see :meth:`Recipe.settings`)."""
        if self.train_split is None:
            raise ConfigError("app.no_train_images")
        self.trainer = None  # the last run's memory is free before the new run takes its own
        self.trainer = recipes.make_trainer(page_recipe(settings), self.train_split)
        trainer = self.trainer
        return {"total": trainer.total, "samples": trainer.samples, "fast": trainer.fast}

    def train_chunk(self, steps: int) -> dict:
        """Run up to ``steps`` training steps and report progress."""
        return self._running().run_chunk(int(steps)).to_dict()

    def stop_training(self) -> dict:
        """Stop the run between chunks; its weights of the last finished step stay."""
        return self._running().stop().to_dict()

    def _running(self) -> Trainer:
        if self.trainer is None:
            raise ConfigError("app.no_run")
        return self.trainer

    def finish_training(self, heartbeat: Callable[[], object] | None = None) -> dict:
        """Evaluate the run's network on the test images and make it the current model.

        A run that diverged, made no step, or whose outputs are not usable numbers is dropped:
        the model from before the run stays current, and ``{"dropped": reason}`` is returned
        (a message: ``{"key", "params"}``, see :mod:`pycore.messages`; ``str`` is not used).
        """
        trainer = self._running()
        problem = trainer.problem()
        if problem:
            self.trainer = None
            return {"dropped": messages.as_dict(problem)}
        result = self.evaluate(trainer.net, heartbeat)
        self.models["trained"] = trainer.net
        self.notes["trained"] = {
            "test_accuracy": result["accuracy"],
            "train": trainer.config.to_dict(),
            "steps": trainer.step,
        }
        self.current = "trained"
        result["model"] = self.model_info()
        self.trainer = None  # the run is over: free its batch buffers, optimizer state and loss history
        return result

    def evaluate(self, network: Network | None = None, heartbeat: Callable[[], object] | None = None) -> dict:
        """Accuracy, confusion matrix and the first test images' predictions. ``heartbeat`` is
        called between batches of images (the worker tells the page it is alive)."""
        network = network or self.model
        split = self._test().select(tuple(network.config.classes))
        result: Evaluation = evaluate(network, split.images, split.labels, heartbeat=heartbeat)

        def item(i: int) -> dict:
            return {
                "index": int(i),
                "label": int(result.labels[i]),
                "predicted": int(result.predicted[i]),
                "scores": result.scores[i].tolist(),
                "image": split.images[i].tobytes(),
            }

        return {
            "accuracy": result.accuracy,
            "correct": result.correct,
            "total": result.total,
            "classes": list(result.classes),
            # the model's digits whose test images are loaded (all of them, unless a 0–9 model is
            # checked in the 0–2 mode, where only the images of 0, 1 and 2 are loaded)
            "tested_classes": sorted({int(c) for c in np.unique(split.labels)}),
            "confusion": result.confusion.tolist(),
            "outputs": network.outputs,
            "gallery": [item(i) for i in range(min(GALLERY_SIZE, result.total))],
            "mistakes": [item(i) for i in result.mistakes()[:MISTAKES_SHOWN]],
            "mistake_count": len(result.mistakes()),
        }

    # ---- inside the network -------------------------------------------------------------------
    def weight_tiles(self, source: str = "current", count: int = WEIGHT_TILES) -> dict:
        """The first layer's weights into ``count`` hidden units, as 28×28 images.

        Each unit's 784 weights are scaled by their largest magnitude to 0..255, with 128 for 0:
        bright pixels excite the unit, dark ones inhibit it. ``source`` is ``"current"`` (the
        model used for drawing) or ``"training"`` (the run in progress).
        """
        network = self._running().net if source == "training" else self.model
        W = network.params["W1"][:, : int(count)].T.astype(np.float64)  # (count, 784)
        scale = np.abs(W).max(axis=1, keepdims=True)
        scale[scale == 0] = 1.0
        tiles = np.round(127.5 + 127.5 * W / scale).astype(np.uint8)
        units = int(network.params["W1"].shape[1])  # all the first layer's units, of which ``count`` are shown
        model = "training" if source == "training" else self.current  # whose weights these are
        return {"count": int(tiles.shape[0]), "units": units, "model": model, "side": 28, "pixels": tiles.tobytes()}

    # ---- the code, and the Lab ------------------------------------------------------------------
    def source_code(self, kind: str, name: str) -> dict:
        """The source of one part of pycore, as it runs (see :func:`pycore.source.code`)."""
        return source.code(str(kind), str(name))

    def run_lab(self, code: str) -> dict:
        """Run the Lab's code (see :func:`pycore.lab.run`); also returns the menus' new ``choices``."""
        return {**lab.run(str(code)), "choices": choices()}

    def check_gradients(self, kind: str, name: str) -> dict:
        """Check the backward pass of the activation or loss ``name`` (see :mod:`pycore.gradcheck`)."""
        return gradcheck.check(str(kind), str(name)).to_dict()

    # ---- one step, watched --------------------------------------------------------------------
    def training_image(self, settings: dict, index: object) -> dict:
        """Training image ``index`` of the Digits mode ``settings`` belong to (its digits, in
        dataset order): ``{index, label, count, image}`` (784 uint8 pixels)."""
        pixels, label, count, i = self._step_training_image(step_recipe(settings).classes, index)
        return {"index": i, "label": label, "count": count, "image": pixels.tobytes()}

    def one_step(
        self,
        settings: dict,
        index: object = None,
        rgba: bytes | None = None,
        width: object = None,
        height: object = None,
        label: object = None,
    ) -> dict:
        """One training step, watched (see :func:`pycore.onestep.watch_step`), on a copy of the
        current model: the current model is never changed.

        The sample is training image ``index`` of the Digits mode ``settings`` belong to, or, when
        ``index`` is ``None``, the drawing (``rgba``, ``width``, ``height`` as for
        :meth:`predict_rgba`) with the digit ``label``. The optimizer, its learning rate and the
        label smoothing are the training form's ``settings`` (as for :meth:`start_training`); the
        optimizer is fresh, as at a run's first step. Returns :func:`pycore.onestep.to_page`'s
        view plus ``source``, ``index``, ``count``, ``label``, ``classes``, ``outputs``, ``image``
        and ``warning`` (a sentence when the loss after the step is not a finite number, else "").
        """
        recipe = step_recipe(settings)
        net = self.model
        if index is not None:
            pixels, label, count, index = self._step_training_image(recipe.classes, index)
            x = mnist.scale_pixels(pixels.reshape(1, -1), dtype=net.dtype)  # (1, 784), as training scales it
            source = "training"
        else:
            x, count, source = self._step_drawing(rgba, width, height).reshape(1, -1), None, "drawing"
            label = self._step_label(label)
        classes = tuple(net.config.classes)
        if label not in classes:
            raise ConfigError("app.step_label_unknown", label=label, classes=list(map(str, classes)))
        t = target_rows(len(classes), recipe.train.label_smoothing, net.dtype)[classes.index(label)]  # (C,)
        optimizer = make_optimizer(recipe.train.optimizer, recipe.train.lr, recipe.train.momentum)
        view = onestep.watch_step(net, optimizer, x, t)
        if not np.isfinite(view["loss"]["before"]):
            raise ConfigError("app.step_loss_not_finite")
        warning = ""
        if not np.isfinite(view["loss"]["after"]):
            warning = messages.Message("app.step_overflow")
        return {
            **onestep.to_page(view),
            "source": source,
            "index": index,
            "count": count,
            "label": int(label),
            "classes": list(classes),
            "outputs": net.outputs,
            "image": np.round(np.asarray(x, dtype=np.float64).ravel() * 255).astype(np.uint8).tobytes(),
            **messages.fields("warning", warning),
        }

    def _step_training_image(self, classes: tuple[int, ...], index: object) -> tuple[np.ndarray, int, int, int]:
        """(784 uint8 pixels, label, how many training images the digits have, index) of training
        image ``index`` among those of ``classes``, in dataset order."""
        if self.train_split is None:
            raise ConfigError("app.no_train_images")
        rows = np.flatnonzero(np.isin(self.train_split.labels, classes))  # no copy of the images
        count = len(rows)
        whole = isinstance(index, (int, float)) and not isinstance(index, bool) and np.isfinite(index)
        if not (whole and index == int(index) and 0 <= index < count):
            nothing = isinstance(index, float) and np.isnan(index)  # the page sends NaN for an empty field
            shown = (
                messages.Message("app.nothing")
                if nothing
                else repr(index)
                if isinstance(index, (int, float))
                else type(index).__name__
            )
            raise ConfigError("app.step_index", max=count - 1, value=shown if nothing else shown[:40])
        row = int(rows[int(index)])
        pixels = mnist.flat_pixels(self.train_split.images[row : row + 1])[0]  # (784,) uint8
        return pixels, int(self.train_split.labels[row]), count, int(index)

    def _step_drawing(self, rgba: object, width: object, height: object) -> np.ndarray:
        """The drawing as the network sees it (784 values in 0..1); a clear error when there is none."""
        if rgba is None:
            raise ConfigError("app.step_nothing_drawn")
        sides = (width, height)
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in sides):
            raise ConfigError("app.step_drawing_sides", width=repr(width)[:50], height=repr(height)[:50])
        if width * height > preprocess.MAX_IMAGE_PIXELS:
            raise ConfigError("app.step_drawing_pixels", width=width, height=height, limit=preprocess.MAX_IMAGE_PIXELS)
        data = as_bytes(rgba)
        if len(data) != width * height * 4:
            raise ConfigError(
                "app.step_drawing_size", size=len(data), width=width, height=height, need=width * height * 4
            )
        image = preprocess.from_rgba(data, width, height)
        if image is None:
            raise ConfigError("app.step_nothing_drawn")
        return image

    @staticmethod
    def _step_label(label: object) -> int:
        """The digit a person chose for their drawing, as an ``int``; a clear error for anything else."""
        if label is None:
            raise ConfigError("app.step_label_missing")
        number = isinstance(label, (int, float)) and not isinstance(label, bool) and np.isfinite(label)
        if not (number and label == int(label)):
            shown = repr(label) if isinstance(label, (int, float, str)) else type(label).__name__
            raise ConfigError("app.step_label_choose", value=shown[:40])
        return int(label)
