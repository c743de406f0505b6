"""The words pycore says to people, in English, by message key.

Python reports what happened as a key and parameters (``PycoreError("model.not_zip", name=...)``,
``Progress.message_key``); the CLI prints the English templates here, and the page translates the
key with its own catalogs (``web/i18n/<lang>.json`` translates every key of :func:`catalog`; the
build adds these English templates to the page's English catalog, so they are written only here).

A template's placeholders are ``{name}``, optionally with a format spec for the English text
(``{size:,}``); the page formats numbers itself, for its language.
"""

from __future__ import annotations

import string
import sys

# key -> English template. Grouped by the module that raises them.
MESSAGES: dict[str, str] = {
    # pycore.errors.read_user_file
    "file.not_found": "{path}: file not found",
    "file.is_folder": "{path}: is a folder, not {kind}",
    "file.not_regular": "{path}: not a regular file",
    "file.too_large": "{path}: {size:,} bytes is too large for {kind} (at most {limit:,})",
    "file.unreadable": "{path}: cannot be read ({reason})",
    "file.kind.model": "a model file",
    "file.kind.image": "an image file",
    # pycore.app
    "app.hidden_count": "hidden layers: from {min} to {max} of them, got {count}",
    "app.hidden_width": "hidden layers: each {min} to {max} units wide, got {widths}",
    "app.step_too_big": "one step of this network on {batch} images is {per_step:,} multiply-adds; "
    "at most {limit:,} fit in the page: use a smaller batch or network",
    "app.alpha_range": "the LeakyReLU slope must be from {min} to {max}, got {value}",
    "app.no_model_slot": "there is no {slot} model yet",
    "app.no_model": "no model is loaded yet",
    "app.unknown_part": "unknown data part {part!r}",
    "app.no_test_images": "the test images are not loaded yet",
    "app.no_train_images": "the training images are not loaded yet",
    "app.no_run": "no training run has been started",
    # pycore.trainer
    "trainer.out_of_range": "{label} must be {kind} from {min} to {max}, got {value!r}",
    "trainer.whole_number": "a whole number",
    "trainer.number": "a number",
    "trainer.unknown_optimizer": "unknown optimizer {name!r}; choose one of {choices} "
    "(one written in the Lab must be registered first: press Run there)",
    "trainer.unknown_augment": "unknown augmentation {name!r}; choose one of {choices}",
    "trainer.unknown_schedule": "unknown learning-rate schedule {name!r}; choose one of {choices}",
    "trainer.images_labels": "{images} images but {labels} labels",
    "trainer.diverged": "training diverged at step {step}: the loss became {loss}. Try a smaller learning rate.",
    "trainer.stopped": "stopped after {step} of {total} steps",
    "trainer.no_step": "no training step was made",
    # pycore.model_io.output_problem
    "model.outputs_not_finite": "its outputs are not finite numbers (the weights of a diverged run?), "
    "so it cannot be used",
    "model.outputs_huge": "its outputs are absurdly large ({largest}: the weights of a diverged run?), "
    "so it cannot be used",
    # the settings' names in messages (pycore.trainer.LIMITS)
    "setting.samples": "samples",
    "setting.epochs": "epochs",
    "setting.batch_size": "batch size",
    "setting.lr": "learning rate",
    "setting.momentum": "momentum",
    "setting.label_smoothing": "label smoothing",
    "setting.seed": "random seed",
}


class Message(str):
    """A message that is also its English text: ``str`` everywhere (the CLI prints it, f-strings
    take it), with ``.key`` and ``.params`` for the page, which says it in its own language."""

    key: str
    params: dict

    def __new__(cls, key: str, **params: object) -> Message:
        text = super().__new__(cls, render(key, params))
        text.key, text.params = key, params
        return text

    def __copy__(self) -> Message:
        return self

    def __deepcopy__(self, memo: dict) -> Message:
        return self

    def to_dict(self) -> dict:
        """``{"key", "params", "text"}``: what the page receives (parameters as plain values)."""
        return {"key": self.key, "params": for_page(self.params), "text": str(self)}


def as_dict(text: str) -> dict:
    """A message, or plain text (``{"text"}`` only), as the page receives it."""
    return text.to_dict() if isinstance(text, Message) else {"text": str(text)}


def render(key: str, params: dict) -> str:
    """The English text of message ``key`` with ``params``; a parameter that is itself a
    message (``{"key": ..., "params": ...}``) is rendered too."""
    values = {name: render_value(value) for name, value in params.items()}
    return MESSAGES[key].format(**values)


def render_value(value: object) -> object:
    """A parameter as the English template takes it: nested messages become their text."""
    if isinstance(value, dict) and "key" in value:
        return render(value["key"], value.get("params", {}))
    if isinstance(value, Message):
        return str(value)
    return value


def placeholders(template: str) -> set[str]:
    """The parameter names a template uses (``{size:,}`` → ``size``)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def catalog() -> dict[str, str]:
    """Every English text Python gives the page, by key: the messages above, and the words of the
    page's menus, presets and Code panel (from the modules that define them)."""
    from . import app, recipes, source  # late: they import pycore.errors, which imports this module

    words = dict(MESSAGES)
    words.update({f"choice.{name}": label for name, label in app.CHOICE_LABELS.items()})
    for name, recipe in recipes.RECIPES.items():
        words[f"recipe.{name}.title"] = recipe.title
        words[f"recipe.{name}.description"] = recipe.description
    words.update({f"code.group.{kind}": group for kind, group in source.GROUPS.items()})
    words.update({f"code.section.step.{name}": title for name, (title, _) in source.STEP.items()})
    return words


def last_error() -> dict | None:
    """The key and parameters of the pycore error just raised to the browser's worker (Pyodide
    keeps it as ``sys.last_exc``), or None when it has none."""
    exc = getattr(sys, "last_exc", None) or getattr(sys, "last_value", None)
    key = getattr(exc, "key", None)
    if not key:
        return None
    return {"key": key, "params": for_page(exc.params)}


def for_page(params: dict) -> dict:
    """Parameters as the page can take them: numbers, strings, lists, nested messages as dicts."""
    return {name: _for_page(value) for name, value in params.items()}


def _for_page(value: object) -> object:
    if isinstance(value, Message):
        return {"key": value.key, "params": for_page(value.params)}
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, dict) and "key" in value:
        return {"key": value["key"], "params": for_page(value.get("params", {}))}
    if isinstance(value, (list, tuple)):
        return [_for_page(v) for v in value]
    return str(value)
